"""Shared by the example scripts: train briefly, convert through hgq_hls4ml, compare csim with Keras, report."""

from __future__ import annotations

import os
from pathlib import Path

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'

import keras  # noqa: E402
import numpy as np  # noqa: E402

import hgq_hls4ml  # noqa: E402

Data = tuple[np.ndarray, np.ndarray]


def train_and_verify(model: keras.Model, train: Data, test: Data, epochs: int, io_type: str = 'io_parallel') -> int:
    """Fit a classifier, verify its firmware on the test inputs, print accuracy and verdict; 0 if bit-exact."""
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=loss)
    model.fit(*train, epochs=epochs, batch_size=32, verbose=0)
    out_dir = Path(__file__).parent / model.name / 'build' / f'{model.name}_prj'
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    x_test, y_test = test
    report = hgq_hls4ml.verify(model, x_test, output_dir=out_dir, io_type=io_type)
    accuracy = np.mean(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test)
    print(f'Keras accuracy: {accuracy:.3f}')
    print(report)
    print('firmware project:', out_dir)
    return 0 if report.bit_exact else 1


def digits() -> tuple[Data, Data]:
    """scikit-learn's 8x8 digits (shipped offline), scaled to [0, 1]: 1400 for training, the rest for testing."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[..., None]
    return (x[:1400], d.target[:1400]), (x[1400:], d.target[1400:])
