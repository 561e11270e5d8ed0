"""The benchmark's fixed, seeded HGQ2 models: every bit-width drawn at random, and their seeded input samples.

Self-contained (the benchmark does not depend on the test suite): the draws are those of the test models'
``_randomise_bits`` and ``inputs`` in ``tests/conversion/models.py`` at their defaults (bit-widths 0-6, integer
bits -1..3, input scale 4), so a seed gives the same model and samples as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from hgq.config import QuantizerConfigScope
from hgq.layers import QAdd, QConv2D, QDense, QMaxPooling2D

#: Seeded input samples per model.
N_SAMPLES = 500
#: Range of the random bit-widths (``b`` and ``f``; at least one bit when homogeneous) and integer bits (``i``).
MIN_BITS, MAX_BITS = 0, 6
MIN_INT_BITS, MAX_INT_BITS = -1, 3
#: Standard deviation of the input samples: well beyond the quantizers' ranges.
INPUT_SCALE = 4.0


def _mlp() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inp = keras.Input((16,))
    x = QDense(64, activation='relu')(inp)
    x = QDense(32, activation='relu')(x)
    return inp, QDense(10)(x)


def _cnn() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inp = keras.Input((16, 16, 1))
    x = QConv2D(8, 3, activation='relu')(inp)
    x = QMaxPooling2D(2)(x)
    x = QConv2D(8, 3, activation='relu')(x)
    x = QMaxPooling2D(2)(x)
    return inp, QDense(10)(keras.layers.Flatten()(x))


def _residual() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inp = keras.Input((16,))
    a = QDense(32, activation='relu')(inp)
    x = QAdd()([a, QDense(32)(a)])
    return inp, QDense(10)(x)


def _mlp_large() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inp = keras.Input((64,))
    x = QDense(512, activation='relu')(inp)
    x = QDense(256, activation='relu')(x)
    x = QDense(64, activation='relu')(x)
    return inp, QDense(10)(x)


def _small() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inp = keras.Input((6, 6, 2))
    x = QConv2D(3, 3, activation='relu', padding='same')(inp)
    x = QConv2D(2, 2, strides=2)(x)
    return inp, QDense(3)(keras.layers.Reshape((-1,))(x))


def _digits() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inp = keras.Input((8, 8, 1))
    x = QConv2D(4, 3, activation='relu')(inp)
    x = QDense(16, activation='relu')(keras.layers.Flatten()(x))
    return inp, QDense(10)(x)


def _svhn() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inp = keras.Input((32, 32, 3))
    x = inp
    for filters in (16, 32, 64):
        x = QMaxPooling2D(2)(QConv2D(filters, 3, activation='relu')(x))
    return inp, QDense(10)(keras.layers.Flatten()(x))


def _jsc_small() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inp = keras.Input((16,))
    x = QDense(64, activation='relu')(inp)
    x = QDense(32, activation='relu')(x)
    x = QDense(32, activation='relu')(x)
    return inp, QDense(5)(x)


def _mlp_1m() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inp = keras.Input((512,))
    x = QDense(1024, activation='relu')(inp)
    x = QDense(512, activation='relu')(x)
    return inp, QDense(10)(x)


@dataclass(frozen=True)
class Spec:
    """One benchmark model; ``quick`` ones make up ``--quick``."""

    name: str
    description: str
    trunk: Callable[[], tuple[keras.KerasTensor, keras.KerasTensor]]
    seed: int
    homogeneous: bool = False
    quick: bool = False
    io_type: str = 'io_parallel'
    #: Overflow mode of the activations (``WRAP``: calibrated on the samples by :func:`calibrated`).
    overflow: str = 'SAT'


SUITE = (
    Spec('mlp_het', 'MLP 16-64-32-10, heterogeneous', _mlp, seed=1, quick=True),
    Spec('mlp_hom', 'MLP 16-64-32-10, homogeneous', _mlp, seed=2, homogeneous=True),
    Spec('cnn_het', 'QConv2D x2 + max pooling + QDense on 16x16x1, heterogeneous', _cnn, seed=3),
    Spec('residual_het', 'MLP with a QAdd residual, heterogeneous', _residual, seed=4, quick=True),
    Spec('mlp_large_het', 'MLP 64-512-256-64-10, heterogeneous', _mlp_large, seed=5),
)
_SVHN = 'SVHN-sized CNN on 32x32x3: 3x (QConv2D 16/32/64, 3x3 + QMaxPooling2D) + QDense(10), heterogeneous'
#: The C-simulation build speed models (issue 18): an SVHN-sized CNN in both IO types and a 1M-weight MLP.
SPEED = (
    Spec('svhn_cnn', _SVHN, _svhn, seed=2),
    Spec('svhn_cnn_stream', f'{_SVHN}, io_stream', _svhn, seed=2, io_type='io_stream'),
    Spec('mlp_1m', 'MLP 512-1024-512-10, heterogeneous', _mlp_1m, seed=6),
)
#: HGQ2's small jet tagger (the jet-substructure classifier of HGQ2's examples), the time-to-verdict model.
JSC_SMALL = Spec(
    'jsc_small', 'jet tagger MLP 16-64-32-32-5, heterogeneous, WRAP calibrated', _jsc_small, seed=7, overflow='WRAP'
)
#: The convolutional models of the build benchmarks (``csim_build.py``, ``generated_code.py``): a two-layer CNN
#: on 6x6x2 (the test suite's ``conv2d`` family), the digits example's CNN and the SVHN-sized one.
CNNS = {
    'small': Spec('small', 'QConv2D x2 + QDense on 6x6x2', _small, seed=3),
    'digits': Spec('digits', "the digits example's QConv2D(4, 3) + QDense(16) + QDense(10) on 8x8x1", _digits, seed=1),
    'svhn': SPEED[0],
}


def build(spec: Spec) -> keras.Model:
    """The seeded model: kif SAT/RND activations, kbi weights, every bit-width drawn at random."""
    keras.utils.set_random_seed(spec.seed)
    with (
        QuantizerConfigScope(place='datalane', default_q_type='kif', overflow_mode=spec.overflow, round_mode='RND'),
        QuantizerConfigScope(place=('weight', 'bias'), default_q_type='kbi'),
    ):
        inp, out = spec.trunk()
        model = keras.Model(inp, out, name=spec.name)
    model(np.zeros((1, *inp.shape[1:]), dtype=np.float32))
    randomise_bits(model, np.random.default_rng(spec.seed), homogeneous=spec.homogeneous)
    if spec.overflow == 'WRAP':
        from hgq.utils import trace_minmax

        trace_minmax(model, sample_inputs(model, spec), verbose=False)
    return model


def randomise_bits(model: keras.Model, rng: np.random.Generator, homogeneous: bool) -> None:
    """Assign random integer bit-widths to every quantizer variable (``b``/``f`` widths, ``i`` integers); one
    value per variable if ``homogeneous``, else one per element."""
    for w in model.weights:
        leaf = w.path.rsplit('/', 1)[-1]
        shape = tuple(w.shape)
        if leaf in ('b', 'f'):
            if homogeneous:
                val = np.full(shape, rng.integers(MIN_BITS + 1, MAX_BITS + 1))
            else:
                val = rng.integers(MIN_BITS, MAX_BITS + 1, shape)
            w.assign(val.astype(w.dtype))
        elif leaf == 'i':
            lo, hi = MIN_INT_BITS, MAX_INT_BITS
            val = np.full(shape, rng.integers(lo, hi + 1)) if homogeneous else rng.integers(lo, hi + 1, shape)
            w.assign(val.astype(w.dtype))


def n_weights(model: keras.Model) -> int:
    """Kernel and bias elements (quantizer bit-width variables not counted)."""
    return sum(int(np.prod(w.shape)) for w in model.weights if w.path.rsplit('/', 1)[-1] in ('kernel', 'bias'))


def sample_inputs(model: keras.Model, spec: Spec, n: int = N_SAMPLES) -> np.ndarray:
    """``n`` seeded samples well beyond the quantizers' ranges, with exact grid points and ties."""
    rng = np.random.default_rng(spec.seed)
    (t,) = model.inputs
    x = rng.normal(0, INPUT_SCALE, (n, *t.shape[1:]))
    x[: n // 4] = np.round(x[: n // 4] * 8) / 16  # exact half-LSB ties for many grids
    return x.astype(np.float32)
