"""A plain Keras CNN (BatchNormalization, Dropout, softmax) trained on scikit-learn's digits, quantized after training
by hgq_hls4ml.quantize at 8 and at 4 bits, each converted and checked bit-exact against its HGQ2 model."""

import os
import sys
from pathlib import Path

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'
sys.path.insert(0, str(Path(__file__).parents[1]))  # the examples' shared helpers (common.py)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from common import digits  # noqa: E402

import hgq_hls4ml  # noqa: E402

L = keras.layers


def build() -> keras.Model:
    inp = keras.Input((8, 8, 1))
    x = L.Conv2D(8, 3, name='conv')(inp)
    x = L.BatchNormalization(name='conv_bn')(x)
    x = L.ReLU()(x)
    x = L.MaxPooling2D(2)(x)
    x = L.Flatten()(x)
    x = L.Dense(24, name='dense')(x)
    x = L.BatchNormalization(name='dense_bn')(x)
    x = L.ReLU()(x)
    x = L.Dropout(0.2)(x)
    out = L.Dense(10, activation='softmax', name='logits')(x)
    return keras.Model(inp, out, name='ptq_digits')


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == y))


if __name__ == '__main__':
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = digits()
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss='sparse_categorical_crossentropy')
    model.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0)
    print(f'float Keras accuracy: {accuracy(model, x_test, y_test):.3f}')
    failed = 0
    for bits in (8, 4):
        # the softmax only normalises: the firmware ends at the logits, the argmax is the same
        qmodel = hgq_hls4ml.quantize(model, x_train, weight_bits=bits, activation_bits=bits, until='logits')
        print(qmodel.quantize_report)
        float_votes = np.argmax(model.predict(x_test, verbose=0), axis=1)
        agreement = accuracy(qmodel, x_test, float_votes)
        print(f'{bits}-bit HGQ2 accuracy: {accuracy(qmodel, x_test, y_test):.3f}, agreement with float {agreement:.3f}')
        print(hgq_hls4ml.check(qmodel, x_test).table().splitlines()[-1])
        out_dir = Path(__file__).parent / 'build' / f'ptq_digits_{bits}bit_prj'
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        report = hgq_hls4ml.verify(qmodel, x_test, output_dir=out_dir)
        print(report)
        failed += not report.bit_exact
    sys.exit(1 if failed else 0)
