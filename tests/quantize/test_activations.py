"""Softmax -> QSoftmax and element-wise activations -> QUnaryFunctionLUT: what is built, how close it stays to the
float model, and bit-exact firmware on inputs beyond the calibrated range."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hgq.layers import QSoftmax, QUnaryFunctionLUT

from hgq_hls4ml import quantize
from hgq_hls4ml.ptq.functions import Elementwise
from tests.conversion.models import assert_bit_exact

L = keras.layers

#: Every way a float model writes an element-wise activation, and the table function it becomes.
ELEMENTWISE = {
    'tanh': (lambda: L.Activation('tanh'), 'tanh'),
    'sigmoid': (lambda: L.Activation('sigmoid'), 'sigmoid'),
    'gelu': (lambda: L.Activation('gelu'), 'gelu'),
    'swish': (lambda: L.Activation('swish'), 'silu'),
    'hard_sigmoid': (lambda: L.Activation('hard_sigmoid'), 'hard_sigmoid'),
    'leaky': (lambda: L.LeakyReLU(negative_slope=0.25), 'leaky_relu'),
    'elu': (lambda: L.ELU(alpha=0.5), 'elu'),
    'relu6': (lambda: L.ReLU(max_value=6.0), 'relu'),
}


def _elementwise_model() -> tuple[keras.Model, np.ndarray]:
    """Two Dense layers feeding every activation of :data:`ELEMENTWISE` (four each: hls4ml's io_stream copies an
    output to at most 7 readers), concatenated into a Dense head."""
    keras.utils.set_random_seed(3)
    inp = keras.Input((5,), name='x')
    sources = [L.Dense(6, name='dense_a')(inp), L.Dense(6, name='dense_b')(inp)]
    branches = []
    for n, (name, (make, _)) in enumerate(ELEMENTWISE.items()):
        layer = make()
        layer.name = name
        branches.append(layer(sources[n % 2]))
    out = branches[0]
    for n, branch in enumerate(branches[1:]):
        out = L.Concatenate(name=f'cat{n}')([out, branch])
    model = keras.Model(inp, L.Dense(3, name='head')(out), name='elementwise')
    return model, np.random.default_rng(3).normal(0, 1, (300, 5)).astype(np.float32)


def _classifier(head: str) -> tuple[keras.Model, np.ndarray]:
    """A tanh MLP whose softmax is written as ``head``: a Dense's activation, an Activation or a Softmax layer."""
    keras.utils.set_random_seed(4)
    inp = keras.Input((6,), name='x')
    x = L.Dense(8, activation='tanh', name='hidden')(inp)
    if head == 'activation=':
        out = L.Dense(4, activation='softmax', name='logits')(x)
    else:
        logits = L.Dense(4, name='logits')(x)
        out = (L.Activation('softmax') if head == 'Activation' else L.Softmax())(logits)
    return keras.Model(inp, out, name='classifier'), np.random.default_rng(4).normal(0, 1, (300, 6)).astype('float32')


def _beyond(x: np.ndarray) -> np.ndarray:
    """Samples, then the same samples scaled 4x: far beyond the range they were calibrated on."""
    return np.concatenate([x[:20], 4 * x[20:40]])


@pytest.mark.parametrize('head', ['activation=', 'Activation', 'Softmax'])
def test_softmax_in_every_form_becomes_a_qsoftmax(head):
    model, x = _classifier(head)
    q = quantize(model, x)
    assert [type(lay).__name__ for lay in q.layers] == [
        'InputLayer',
        'QDense',
        'QUnaryFunctionLUT',
        'QDense',
        'QSoftmax',
    ]
    probabilities = q.predict(x, verbose=0)
    assert np.abs(probabilities.sum(-1) - 1).max() < 0.05
    report = q.quantize_report
    assert report.agreement >= 0.9 and report.max_abs_error < 0.1


def test_softmax_quantizers_follow_the_width_and_the_row_length():
    model, x = _classifier('Softmax')
    softmax = next(lay for lay in quantize(model, x, activation_bits=6).layers if isinstance(lay, QSoftmax))
    exp_in, inv_in = softmax.exp_table.iq.quantizer, softmax.inv_table.iq.quantizer
    # exp(-d) rounds to 0 at 6 fractional bits once d > 7 ln 2 = 4.85: d gets 3 integer bits; a row of 4 sums to < 4
    assert (float(np.max(exp_in.i)), float(np.max(exp_in.b)), exp_in.overflow_mode) == (3.0, 6.0, 'SAT')
    assert (float(np.max(inv_in.i)), float(np.max(inv_in.b))) == (2.0, 6.0)


def test_each_elementwise_activation_becomes_a_table_fitted_to_its_values():
    model, x = _elementwise_model()
    q = quantize(model, x)
    tables = {lay.name: lay for lay in q.layers if isinstance(lay, QUnaryFunctionLUT)}
    assert sorted(tables) == sorted(ELEMENTWISE)
    for name, (_, function) in ELEMENTWISE.items():
        lut = tables[name]
        assert lut.activation.__name__ == function
        assert lut.iq.quantizer.overflow_mode == 'SAT'
        oq = lut.oq.quantizer
        assert float(np.max(oq.b + oq.k)) == 8.0
    # signs fitted: sigmoid is never negative, tanh is
    assert float(np.max(tables['sigmoid'].oq.quantizer.k)) == 0.0 and float(np.max(tables['tanh'].oq.quantizer.k)) == 1
    assert isinstance(tables['leaky'].activation, Elementwise)
    assert tables['leaky'].activation.kwargs == {'negative_slope': 0.25}
    scale = float(np.abs(model.predict(x, verbose=0)).max())
    assert q.quantize_report.max_abs_error <= 0.1 * scale


def test_a_quantized_table_model_saves_and_loads(tmp_path):
    model, x = _elementwise_model()
    q = quantize(model, x, activation_bits=6)
    q.save(tmp_path / 'q.keras')
    loaded = keras.models.load_model(tmp_path / 'q.keras')
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), q.predict(x, verbose=0))


def test_softmax_classifier_quantizes_without_flags_and_converts_bit_exact(tmp_path):
    model, x = _classifier('activation=')
    assert_bit_exact(quantize(model, x, activation_bits=6, weight_bits=6), _beyond(x), tmp_path / 'prj')


@pytest.mark.slow
@pytest.mark.parametrize('io_type', ['io_parallel', 'io_stream'])
@pytest.mark.parametrize('overflow', ['WRAP', 'SAT'])
def test_tables_and_softmax_convert_bit_exact(tmp_path, io_type, overflow):
    model, x = _elementwise_model()
    assert_bit_exact(quantize(model, x, overflow=overflow), _beyond(x), tmp_path / 'tables', io_type)
    model, x = _classifier('Softmax')
    assert_bit_exact(quantize(model, x, overflow=overflow), _beyond(x), tmp_path / 'softmax', io_type)
