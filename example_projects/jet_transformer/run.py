"""A small transformer on synthetic jet constituents: QEinsumDense embedding, 2-head QMultiHeadAttention (QSoftmax
inside), QAdd residual, QGlobalAveragePooling1D and a QDense head; converted through hgq_hls4ml, csim == Keras."""

import os
import sys
from pathlib import Path

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'
sys.path.insert(0, str(Path(__file__).parents[1]))  # the examples' shared helpers (common.py)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from common import train_and_verify  # noqa: E402
from hgq.config import QuantizerConfigScope  # noqa: E402
from hgq.layers import QAdd, QDense, QEinsumDense, QGlobalAveragePooling1D, QMultiHeadAttention  # noqa: E402

N_PARTICLES, N_FEATURES, N_CLASSES = 8, 4, 3


def jets(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Particles (pt, eta, phi, mass-like); the class sets how collimated and how hard the jet is."""
    y = rng.integers(0, N_CLASSES, n)
    spread = np.array([0.2, 0.6, 1.2])[y][:, None]
    pt = rng.exponential(1.0 + y[:, None], (n, N_PARTICLES))
    eta, phi = (rng.normal(0, spread, (n, N_PARTICLES)) for _ in range(2))
    mass = rng.uniform(0, 1, (n, N_PARTICLES)) * (y[:, None] == 2)
    return np.stack([pt, eta, phi, mass], axis=-1).astype(np.float32), y


def build() -> keras.Model:
    with (
        QuantizerConfigScope(place='datalane', default_q_type='kif', overflow_mode='SAT', round_mode='RND'),
        QuantizerConfigScope(place='table', default_q_type='kif', overflow_mode='SAT', round_mode='RND'),
    ):
        inp = keras.Input((N_PARTICLES, N_FEATURES))
        x = QEinsumDense('bpi,ij->bpj', output_shape=(N_PARTICLES, 8), bias_axes='j', activation='relu')(inp)
        x = QAdd()([x, QMultiHeadAttention(num_heads=2, key_dim=4)(x, x)])
        x = QGlobalAveragePooling1D()(x)
        out = QDense(N_CLASSES)(x)
    return keras.Model(inp, out, name='jet_transformer')


if __name__ == '__main__':
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    sys.exit(train_and_verify(build(), jets(3000, rng), jets(500, rng), epochs=6))
