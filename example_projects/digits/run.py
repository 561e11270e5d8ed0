"""Train a small HGQ2 CNN on scikit-learn's digits, convert it through hgq_hls4ml, and check csim == Keras."""

import os
import sys
from pathlib import Path

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'

import keras  # noqa: E402
import numpy as np  # noqa: E402
from hgq.config import QuantizerConfigScope  # noqa: E402
from hgq.layers import QConv2D, QDense  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import hgq_hls4ml  # noqa: E402


def build() -> keras.Model:
    with QuantizerConfigScope(place='datalane', default_q_type='kif', overflow_mode='SAT', round_mode='RND'):
        inp = keras.Input((8, 8, 1))
        x = QConv2D(4, 3, activation='relu')(inp)
        x = keras.layers.Flatten()(x)
        x = QDense(16, activation='relu')(x)
        out = QDense(10)(x)
    return keras.Model(inp, out, name='digits')


def main() -> int:
    keras.utils.set_random_seed(0)
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[..., None]
    y = digits.target
    x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x_train, y_train, epochs=8, batch_size=32, verbose=0)
    out_dir = Path(__file__).parent / 'build' / 'digits_prj'
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    report = hgq_hls4ml.verify(model, x_test, output_dir=out_dir)
    acc_keras = np.mean(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test)
    print(f'Keras accuracy: {acc_keras:.3f}')
    print(report)
    print('firmware project:', out_dir)
    return 0 if report.bit_exact else 1


if __name__ == '__main__':
    sys.exit(main())
