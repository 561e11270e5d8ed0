"""The benchmark's fixed, seeded HGQ2 models (random integer bit-widths like ``tests/conversion/models.py``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from hgq.config import QuantizerConfigScope
from hgq.layers import QAdd, QConv2D, QDense, QMaxPooling2D

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for the test helpers

from tests.conversion.models import Case, _randomise_bits, inputs  # noqa: E402

#: Seeded input samples per model.
N_SAMPLES = 500


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


@dataclass(frozen=True)
class Spec:
    """One benchmark model; ``quick`` ones make up ``--quick``."""

    name: str
    description: str
    trunk: Callable[[], tuple[keras.KerasTensor, keras.KerasTensor]]
    seed: int
    homogeneous: bool = False
    quick: bool = False


SUITE = (
    Spec('mlp_het', 'MLP 16-64-32-10, heterogeneous', _mlp, seed=1, quick=True),
    Spec('mlp_hom', 'MLP 16-64-32-10, homogeneous', _mlp, seed=2, homogeneous=True),
    Spec('cnn_het', 'QConv2D x2 + max pooling + QDense on 16x16x1, heterogeneous', _cnn, seed=3),
    Spec('residual_het', 'MLP with a QAdd residual, heterogeneous', _residual, seed=4, quick=True),
    Spec('mlp_large_het', 'MLP 64-512-256-64-10, heterogeneous', _mlp_large, seed=5),
)


def build(spec: Spec) -> keras.Model:
    """The seeded model: kif SAT/RND activations, kbi weights, every bit-width drawn at random."""
    keras.utils.set_random_seed(spec.seed)
    with (
        QuantizerConfigScope(place='datalane', default_q_type='kif', overflow_mode='SAT', round_mode='RND'),
        QuantizerConfigScope(place=('weight', 'bias'), default_q_type='kbi'),
    ):
        inp, out = spec.trunk()
        model = keras.Model(inp, out, name=spec.name)
    model(np.zeros((1, *inp.shape[1:]), dtype=np.float32))
    case = Case(spec.name, spec.name, homogeneous=spec.homogeneous, seed=spec.seed)
    _randomise_bits(model, case, np.random.default_rng(spec.seed))
    return model


def n_weights(model: keras.Model) -> int:
    """Kernel and bias elements (quantizer bit-width variables not counted)."""
    return sum(int(np.prod(w.shape)) for w in model.weights if w.path.rsplit('/', 1)[-1] in ('kernel', 'bias'))


def sample_inputs(model: keras.Model, spec: Spec) -> np.ndarray:
    """Seeded samples well beyond the quantizers' ranges, with exact grid points and ties."""
    return inputs(model, n=N_SAMPLES, seed=spec.seed)
