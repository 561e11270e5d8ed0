"""HGQ2's particle-flow jet tagger (``example/larger_jet_tagger.ipynb``) at its published size, 64 particles x 3
features: per-particle QEinsumDenseBatchnorm, a QAveragePooling1D(64) summary added back to every particle with a
broadcast QAdd, QGlobalAveragePooling1D and a dense head. Trained a few epochs on synthetic jets (so its bit-widths
become heterogeneous), then converted three ways, each checked bit for bit against Keras in C simulation: the plain
call, the notebook's model-level distributed arithmetic, and io_stream."""

import os
import sys
import time
from pathlib import Path

os.environ['KERAS_BACKEND'] = os.environ.get('KERAS_BACKEND') or 'jax'

import keras  # noqa: E402
import numpy as np  # noqa: E402
from hgq.config import QuantizerConfigScope  # noqa: E402
from hgq.layers import QAdd, QAveragePooling1D, QEinsumDenseBatchnorm, QGlobalAveragePooling1D  # noqa: E402
from hgq.utils import trace_minmax  # noqa: E402

import hgq_hls4ml  # noqa: E402

N_PARTICLES, N_FEATURES, N_CLASSES = 64, 3, 5
#: The notebook's configuration for distributed arithmetic (needs ``pip install 'hgq-hls4ml[da]'``).
NOTEBOOK_DA = {'Model': {'Strategy': 'distributed_arithmetic', 'Precision': 'fixed<-1,0>', 'ReuseFactor': 1}}
CONVERSIONS = {
    'plain': dict(io_type='io_parallel'),
    'distributed_arithmetic': dict(io_type='io_parallel', hls_config=NOTEBOOK_DA),
    'io_stream': dict(io_type='io_stream'),
}


def jets(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Standardised particle features; the class sets how many particles carry energy and how collimated they are."""
    y = rng.integers(0, N_CLASSES, n)
    n_live = (8 + 10 * y)[:, None]
    live = np.arange(N_PARTICLES)[None, :] < n_live
    pt = rng.exponential(1.0 + 0.5 * y[:, None], (n, N_PARTICLES)) * live
    spread = (0.1 + 0.2 * y)[:, None]
    eta, phi = (rng.normal(0, spread, (n, N_PARTICLES)) * live for _ in range(2))
    x = np.stack([pt, eta, phi], axis=-1)
    return ((x - x.mean(axis=(0, 1))) / x.std(axis=(0, 1))).astype(np.float32), y


def build() -> keras.Model:
    """The notebook's architecture and quantizer defaults."""
    per_particle = dict(output_shape=(N_PARTICLES, 64), bias_axes='C')
    with QuantizerConfigScope(place=('weight', 'bias'), b0=4, i0=2, k0=1), QuantizerConfigScope(place='datalane', f0=3):
        inp = keras.Input((N_PARTICLES, N_FEATURES))
        x = QEinsumDenseBatchnorm('bnc,cC->bnC', **per_particle, activation='relu')(inp)
        s = QEinsumDenseBatchnorm('bnc,cC->bnC', **per_particle)(x)
        qs = QAveragePooling1D(pool_size=N_PARTICLES)(x)
        d = QEinsumDenseBatchnorm('bnc,cC->bnC', (1, 64), bias_axes='C')(qs)
        x = keras.layers.ReLU()(QAdd()([s, d]))  # (64, 64) + (1, 64): the summary added to every particle
        x = QEinsumDenseBatchnorm('bnc,cC->bnC', **per_particle, activation='relu')(x)
        x = keras.layers.Flatten()(QGlobalAveragePooling1D()(x))
        for width in (64, 32, 16):
            x = QEinsumDenseBatchnorm('bc,cC->bC', width, bias_axes='C', activation='relu')(x)
        out = QEinsumDenseBatchnorm('bc,cC->bC', N_CLASSES, bias_axes='C')(x)
    return keras.Model(inp, out, name='jet_tagger_pf')


def main() -> int:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    (x_train, y_train), (x_test, y_test) = jets(4000, rng), jets(500, rng)
    model = build()
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=loss)
    model.fit(x_train, y_train, epochs=4, batch_size=128, verbose=0)
    trace_minmax(model, x_train, verbose=0)  # calibrate the WRAP quantizers, as HGQ2 does before conversion
    accuracy = np.mean(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test)
    print(f'Keras accuracy: {accuracy:.3f}')
    failed = 0
    for name, kwargs in CONVERSIONS.items():
        out_dir = Path(__file__).parent / 'build' / name
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        report = hgq_hls4ml.verify(model, x_test * 2, output_dir=out_dir, **kwargs)  # twice the training range
        print(f'[{name}] {report}  (total {time.perf_counter() - t0:.1f}s)')
        failed += not report.bit_exact
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
