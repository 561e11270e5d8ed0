"""A QGRU sequence classifier on synthetic waveforms (sine, square, sawtooth; random frequency, phase, noise):
QGRU over 16 time steps, then a QDense head; converted through hgq_hls4ml, csim == Keras."""

import os
import sys
from pathlib import Path

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'
sys.path.insert(0, str(Path(__file__).parents[1]))  # the examples' shared helpers (common.py)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from common import train_and_verify  # noqa: E402
from hgq.config import QuantizerConfigScope  # noqa: E402
from hgq.layers import QGRU, QDense  # noqa: E402

N_STEPS, N_CLASSES = 16, 3


def waveforms(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One noisy waveform per sample, as ``(time, 1)``; the class is its shape."""
    y = rng.integers(0, N_CLASSES, n)
    t = np.arange(N_STEPS)[None, :]
    phase = rng.uniform(0, 1, (n, 1)) + t * rng.uniform(0.05, 0.2, (n, 1))
    frac = phase % 1.0
    shapes = np.stack([np.sin(2 * np.pi * phase), np.where(frac < 0.5, 1.0, -1.0), 2 * frac - 1])
    x = shapes[y, np.arange(n)] + rng.normal(0, 0.2, (n, N_STEPS))
    return x[..., None].astype(np.float32), y


def build() -> keras.Model:
    with QuantizerConfigScope(place='datalane', default_q_type='kif', overflow_mode='SAT', round_mode='RND'):
        inp = keras.Input((N_STEPS, 1))
        x = QGRU(8)(inp)
        out = QDense(N_CLASSES)(x)
    return keras.Model(inp, out, name='sequence_gru')


if __name__ == '__main__':
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    sys.exit(train_and_verify(build(), waveforms(2000, rng), waveforms(400, rng), epochs=6))
