"""Rescaling and Normalization: folded into the first Dense/convolution (same function), else an exact affine step;
``input_precision`` quantizes raw integer inputs exactly as they arrive."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from hgq_hls4ml import ArgumentError, quantize
from hgq_hls4ml.ptq.scaling import fold_input_scaling
from tests.conversion.models import assert_bit_exact

L = keras.layers


def _counts(shape: tuple[int, ...], n: int = 300, seed: int = 0) -> np.ndarray:
    """Raw detector counts: integers 0-1023."""
    return np.random.default_rng(seed).integers(0, 1024, (n, *shape)).astype(np.float32)


def _normalized_mlp() -> tuple[keras.Model, np.ndarray]:
    keras.utils.set_random_seed(2)
    x = _counts((6,))
    inp = keras.Input((6,), name='x')
    norm = L.Normalization(name='norm')
    norm.adapt(x)
    out = L.Dense(3, activation='softmax', name='head')(L.Dense(8, activation='relu', name='dense')(norm(inp)))
    return keras.Model(inp, out, name='normalized'), x


def _rescaled_cnn(padding: str) -> tuple[keras.Model, np.ndarray]:
    keras.utils.set_random_seed(2)
    inp = keras.Input((5, 5, 2), name='img')
    x = L.Rescaling(1 / 255.0, offset=-0.5, name='rescale')(inp)
    x = L.Conv2D(3, 3, padding=padding, name='conv')(x)
    model = keras.Model(inp, L.Dense(2, name='head')(L.Flatten()(x)), name=f'rescaled_{padding}')
    return model, np.random.default_rng(1).integers(0, 256, (200, 5, 5, 2)).astype(np.float32)


@pytest.mark.parametrize('kind', ['dense', 'conv'])
def test_folding_is_the_same_function(kind):
    rng = np.random.default_rng(0)
    if kind == 'dense':
        x, layer = rng.normal(0, 1, (4, 3)), L.Dense(2)
        scaling = L.Normalization(mean=[1.0, -2.0, 3.0], variance=[4.0, 0.25, 9.0])
    else:
        x, layer = rng.normal(0, 1, (4, 5, 5, 3)), L.Conv2D(2, 3)
        scaling = L.Rescaling([0.5, 2.0, -1.0], offset=[0.25, -1.0, 3.0])
    scaling.build(x.shape)
    layer.build(x.shape)
    kernel, bias = fold_input_scaling(np.asarray(layer.kernel), np.asarray(layer.bias), scaling, layer)
    folded = type(layer).from_config(layer.get_config())
    folded.build(x.shape)
    folded.set_weights([kernel, bias])
    expected = np.asarray(layer(scaling(x.astype(np.float32))))
    np.testing.assert_allclose(np.asarray(folded(x.astype(np.float32))), expected, atol=1e-5)


def test_normalization_folds_into_the_dense_and_raw_counts_are_quantized_exactly():
    model, x = _normalized_mlp()
    q = quantize(model, x, input_precision='ap_uint<10>')
    assert [type(lay).__name__ for lay in q.layers] == ['InputLayer', 'QDense', 'QDense', 'QSoftmax']
    report = q.quantize_report
    assert report.scaling_folded == (('norm', 'dense'),) and report.input_precision == (('x', 'ap_uint<10>'),)
    iq = q.get_layer('dense').iq.quantizer
    assert (float(np.max(iq.k)), float(np.max(iq.i)), float(np.max(iq.b)), iq.overflow_mode) == (0, 10, 10, 'SAT')
    assert report.agreement >= 0.95


def test_a_scaling_before_same_padding_is_an_affine_step():
    model, x = _rescaled_cnn('same')
    q = quantize(model, x)
    assert type(q.get_layer('rescale')).__name__ == 'QBatchNormalization'
    assert q.quantize_report.scaling_folded == ()
    scale = float(np.abs(model.predict(x, verbose=0)).max())
    assert q.quantize_report.max_abs_error <= 0.1 * scale


def test_input_precision_names_an_input_of_the_model():
    model, x = _normalized_mlp()
    with pytest.raises(ArgumentError, match=r"input_precision names 'y', not an input of model 'normalized'"):
        quantize(model, x, input_precision={'y': 'ap_uint<10>'})


@pytest.mark.slow
@pytest.mark.parametrize('padding', ['valid', 'same'])
def test_scaled_inputs_convert_bit_exact(tmp_path, padding):
    model, x = _rescaled_cnn(padding)
    q = quantize(model, x, input_precision='ap_uint<8>')
    beyond = np.concatenate([x[:20], 4 * x[20:30]])  # the port saturates what the 8-bit counts cannot hold
    assert_bit_exact(q, beyond, tmp_path / 'prj')
