"""Train a small HGQ2 model with a table layer (QDenseT) on scikit-learn's digits, convert it through hgq_hls4ml,
and check csim == Keras: each (input, output) connection's learned sub-network becomes an exact lookup table."""

import os
import sys
from pathlib import Path

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'
sys.path.insert(0, str(Path(__file__).parents[1]))  # the examples' shared helpers (common.py)

import keras  # noqa: E402
from common import digits, train_and_verify  # noqa: E402
from hgq.config import QuantizerConfig, QuantizerConfigScope  # noqa: E402
from hgq.layers import QAveragePooling2D, QDenseT  # noqa: E402


def build() -> keras.Model:
    with (
        QuantizerConfigScope(place='datalane', default_q_type='kif', overflow_mode='SAT', round_mode='RND'),
        QuantizerConfigScope(place='table', default_q_type='kif', overflow_mode='SAT', round_mode='RND'),
    ):
        inp = keras.Input((8, 8, 1))
        x = keras.layers.Flatten()(QAveragePooling2D(2)(inp))  # 4x4 pixels
        # each class logit sums 16 learned 1 -> 8 -> 1 tanh networks, one per quantized pixel
        out = QDenseT(10, d_hl=8, iq_conf=QuantizerConfig(place='datalane', i0=1, f0=3))(x)
    return keras.Model(inp, out, name='table_digits')


if __name__ == '__main__':
    keras.utils.set_random_seed(0)
    sys.exit(train_and_verify(build(), *digits(), epochs=30))
