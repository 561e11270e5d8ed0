"""EinsumDense -> QEinsumDense, SimpleRNN -> QSimpleRNN, GRU -> QGRU: built, close to the float model, bit-exact."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from hgq_hls4ml import quantize
from tests.conversion.models import assert_bit_exact

L = keras.layers


def _model(kind: str) -> tuple[keras.Model, np.ndarray]:
    keras.utils.set_random_seed(8)
    inp = keras.Input((5, 3), name='x')
    if kind == 'einsum':
        x = L.EinsumDense('abc,cd->abd', output_shape=(5, 4), bias_axes='d', activation='gelu', name='ed')(inp)
        out = L.Dense(3, activation='softmax', name='head')(L.Flatten()(x))
    else:
        x = L.SimpleRNN(4, return_sequences=True, name='rnn')(inp)
        out = L.Dense(3, activation='softmax', name='head')(L.GRU(4, name='gru')(x))
    model = keras.Model(inp, out, name=kind)
    return model, np.random.default_rng(8).normal(0, 1, (200, 5, 3)).astype(np.float32)


EXPECTED = {
    'einsum': ['InputLayer', 'QEinsumDense', 'QUnaryFunctionLUT', 'Flatten', 'QDense', 'QSoftmax'],
    'recurrent': ['InputLayer', 'QSimpleRNN', 'QGRU', 'QDense', 'QSoftmax'],
}


@pytest.mark.parametrize('kind', list(EXPECTED))
def test_sequence_layers_map_to_hgq2(kind):
    model, x = _model(kind)
    q = quantize(model, x)
    assert [type(lay).__name__ for lay in q.layers] == EXPECTED[kind]
    assert q.quantize_report.agreement >= 0.9 and q.quantize_report.max_abs_error < 0.1


@pytest.mark.slow
@pytest.mark.parametrize('kind', list(EXPECTED))
def test_sequence_layers_convert_bit_exact(kind, tmp_path):
    model, x = _model(kind)
    assert_bit_exact(quantize(model, x), np.concatenate([x[:20], 4 * x[20:40]]), tmp_path / 'prj')
