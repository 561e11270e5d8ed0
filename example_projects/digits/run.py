"""Train a small HGQ2 CNN on scikit-learn's digits, convert it through hgq_hls4ml, and check csim == Keras."""

import os
import sys
from pathlib import Path

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'
sys.path.insert(0, str(Path(__file__).parents[1]))  # the examples' shared helpers (common.py)

import keras  # noqa: E402
from common import digits, train_and_verify  # noqa: E402
from hgq.config import QuantizerConfigScope  # noqa: E402
from hgq.layers import QConv2D, QDense  # noqa: E402


def build() -> keras.Model:
    with QuantizerConfigScope(place='datalane', default_q_type='kif', overflow_mode='SAT', round_mode='RND'):
        inp = keras.Input((8, 8, 1))
        x = QConv2D(4, 3, activation='relu')(inp)
        x = keras.layers.Flatten()(x)
        x = QDense(16, activation='relu')(x)
        out = QDense(10)(x)
    return keras.Model(inp, out, name='digits')


if __name__ == '__main__':
    keras.utils.set_random_seed(0)
    sys.exit(train_and_verify(build(), *digits(), epochs=8))
