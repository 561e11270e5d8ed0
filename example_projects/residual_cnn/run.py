"""A residual HGQ2 CNN on scikit-learn's digits: QConv2D branches merged by QAdd, QMaxPooling2D, a tanh lookup table
(QUnaryFunctionLUT), QAveragePooling2D and a QDense head; converted through hgq_hls4ml (io_stream), csim == Keras."""

import os
import sys
from pathlib import Path

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'
sys.path.insert(0, str(Path(__file__).parents[1]))  # the examples' shared helpers (common.py)

import keras  # noqa: E402
from common import digits, train_and_verify  # noqa: E402
from hgq.config import QuantizerConfigScope  # noqa: E402
from hgq.layers import QAdd, QAveragePooling2D, QConv2D, QDense, QMaxPooling2D, QUnaryFunctionLUT  # noqa: E402


def build() -> keras.Model:
    with (
        QuantizerConfigScope(place='datalane', default_q_type='kif', overflow_mode='SAT', round_mode='RND'),
        QuantizerConfigScope(place='table', default_q_type='kif', overflow_mode='SAT', round_mode='RND'),
    ):
        inp = keras.Input((8, 8, 1))
        x = QConv2D(4, 3, padding='same', activation='relu')(inp)
        x = QAdd()([x, QConv2D(4, 3, padding='same')(x)])
        x = QMaxPooling2D(2)(x)
        x = QUnaryFunctionLUT('tanh')(x)
        x = QAveragePooling2D(2)(x)
        out = QDense(10)(keras.layers.Flatten()(x))
    return keras.Model(inp, out, name='residual_cnn')


if __name__ == '__main__':
    keras.utils.set_random_seed(0)
    sys.exit(train_and_verify(build(), *digits(), epochs=10, io_type='io_stream'))
