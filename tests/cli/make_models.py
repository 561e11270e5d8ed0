"""Build and save the CLI tests' models: ``python -m tests.cli.make_models DIR`` (run by the ``models`` fixture).

``mlp.keras`` (convertible, 10 inputs -> 3 outputs), ``unsupported.keras`` (a QSimpleRNN feeding its float32 tanh
back without a state quantizer, and a float Keras Dense layer, both refused), ``plain.keras`` (Keras Dense layers
only: no HGQ2 layer).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(out: Path) -> None:
    import keras
    import numpy as np
    from hgq.layers import QDense, QSimpleRNN

    from tests.conversion.models import Case, build

    build(Case('mlp', 'mlp')).save(out / 'mlp.keras')

    inp = keras.Input((3, 2))  # (time steps, features)
    x = QSimpleRNN(2, activation='tanh', return_sequences=True, name='rnn')(inp)
    x = keras.layers.Dense(3, name='float_dense')(x)
    unsupported = keras.Model(inp, QDense(2, name='dense')(x), name='unsupported')
    unsupported(np.zeros((1, 3, 2), dtype=np.float32))
    unsupported.save(out / 'unsupported.keras')

    inp = keras.Input((5,))
    plain = keras.Model(inp, keras.layers.Dense(2)(keras.layers.Dense(4, activation='tanh')(inp)), name='plain')
    plain.save(out / 'plain.keras')


if __name__ == '__main__':
    main(Path(sys.argv[1]))
