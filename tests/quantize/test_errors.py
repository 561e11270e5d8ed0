"""What quantize refuses, all at once and before anything is built, and what ``until`` keeps and leaves out."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hgq.layers import QDense

import hgq_hls4ml.ptq.calibrate as ptq_calibrate
import hgq_hls4ml.ptq.model as ptq_model
from hgq_hls4ml import ArgumentError, CalibrationWarning, ModelInputError, UnsupportedLayerError, quantize

from .float_models import float_model

L = keras.layers


def _softmax_head() -> tuple[keras.Model, np.ndarray]:
    keras.utils.set_random_seed(5)
    inp = keras.Input((6,))
    x = L.Dense(8, activation='relu', name='hidden')(inp)
    model = keras.Model(inp, L.Dense(3, activation='softmax', name='head')(x), name='softmax_head')
    return model, np.random.default_rng(5).normal(0, 1, (200, 6)).astype(np.float32)


@pytest.fixture
def no_build(monkeypatch):
    """Fail the test if quantize builds the HGQ2 model."""

    def refuse(*args, **kwargs):
        raise AssertionError('quantize built the model before refusing it')

    monkeypatch.setattr(ptq_model, '_build', refuse)


def test_every_unsupported_layer_is_listed_with_its_class(no_build):
    inp = keras.Input((8, 8, 2))
    x = L.DepthwiseConv2D(3, name='depthwise')(inp)
    x = L.LayerNormalization(name='layer_norm')(x)
    x = L.Conv2D(2, 1, activation='tanh', name='tanh_conv')(x)
    x = L.ReLU(max_value=6.0, name='relu6')(x)
    shared = L.Dense(2, name='shared')
    x = L.Flatten()(x)
    x = L.Add()([shared(x), shared(x)])
    x = QDense(2, name='already_hgq2')(x)
    with pytest.raises(UnsupportedLayerError) as info:
        quantize(keras.Model(inp, x), np.zeros((4, 8, 8, 2), np.float32))
    assert [(name, cls) for name, cls, _ in info.value.problems] == [
        ('depthwise', 'DepthwiseConv2D'),
        ('layer_norm', 'LayerNormalization'),
        ('tanh_conv', 'Conv2D'),
        ('relu6', 'ReLU'),
        ('shared', 'Dense'),
        ('already_hgq2', 'QDense'),
    ]
    text = str(info.value)
    assert text.startswith('6 layers cannot be quantized by hgq_hls4ml.quantize:\n  - depthwise (DepthwiseConv2D): ')
    assert "activation 'tanh' has no exact fixed-point form" in text and 'called 2 times' in text
    assert "until='LAYER'" in text.splitlines()[-1]


def test_a_float_softmax_head_suggests_until(no_build):
    with pytest.raises(UnsupportedLayerError) as info:
        quantize(*_softmax_head())
    assert [name for name, _, _ in info.value.problems] == ['head']
    assert str(info.value).splitlines()[-1] == "pass until='head' to quantize up to 'head'; the rest stays float"


def test_until_leaves_the_activation_of_the_last_layer_float():
    model, x = _softmax_head()
    q = quantize(model, x, until='head')
    report = q.quantize_report
    assert report.until == 'head' and report.left_out == ("activation 'softmax' of 'head'",)
    assert q.get_layer('head').activation.__name__ == 'linear'
    # the float reference is the float model's logits, before the softmax
    logits = keras.Model(model.inputs, model.get_layer('hidden').output).predict(x, verbose=0)
    logits = logits @ np.asarray(model.get_layer('head').kernel) + np.asarray(model.get_layer('head').bias)
    assert report.max_abs_error == pytest.approx(float(np.abs(q.predict(x, verbose=0) - logits).max()), rel=1e-4)
    assert report.agreement >= 0.95


def test_until_keeps_the_prefix_and_names_what_is_left_out():
    model, x = float_model('dense_bn')
    q = quantize(model, x, until='dense_bn')
    assert [type(lay).__name__ for lay in q.layers] == ['InputLayer', 'QDense']
    assert q.quantize_report.folded == (('dense_bn', 'dense'),)
    assert q.quantize_report.left_out == ('relu (ReLU)', 'dropout (Dropout)', 'head (Dense)')
    assert "removed after 'dense_bn' (the quantized model outputs its values; apply these in float): relu (ReLU)" in (
        str(q.quantize_report)
    )


@pytest.mark.parametrize(
    ('until', 'message'),
    [
        ('nope', "until='nope': model 'merges' has no such layer (its layers: a, b, add,"),
        ('a', "until='a' does not cut model 'merges' in two: 'b', left out, also reads the model input 'x'"),
    ],
)
def test_until_must_name_a_layer_that_cuts_the_model(until, message, no_build):
    model, x = float_model('merges')
    with pytest.raises(ArgumentError, match='^' + message.replace('(', r'\(').replace(')', r'\)')):
        quantize(model, x, until=until)


@pytest.mark.parametrize(
    ('kwargs', 'error', 'message'),
    [
        ({'weight_bits': 1}, ArgumentError, 'weight_bits=1: expected a whole number of bits from 2 to 16'),
        ({'activation_bits': 17}, ArgumentError, 'activation_bits=17: expected a whole number of bits from 2 to 16'),
        ({'samples': np.zeros((3, 5))}, ArgumentError, r'samples: shape \(3, 5\) does not fit input'),
        ({'samples': [np.zeros((3, 6))] * 2}, ArgumentError, r'samples: 2 array\(s\) for a model with 1 input'),
    ],
)
def test_bad_arguments(kwargs, error, message, no_build):
    model, _ = float_model('dense_bn')
    with pytest.raises(error, match=message):
        quantize(model, **{'samples': None, **kwargs})


def test_not_a_model():
    with pytest.raises(ModelInputError, match='expected a keras.Model'):
        quantize(keras.layers.Dense(3))


def test_a_layer_the_firmware_cannot_take_is_named_before_calibration(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError('calibrated a model the firmware cannot take')

    monkeypatch.setattr(ptq_calibrate, 'calibrate', refuse)
    inp = keras.Input((8, 8, 2))
    model = keras.Model(inp, L.Conv2D(2, 3, dilation_rate=2, name='dilated')(inp))
    with pytest.raises(UnsupportedLayerError) as info:
        quantize(model, np.zeros((2, 8, 8, 2), np.float32))
    assert info.value.problems == [
        ('dilated', 'Conv2D as QConv2D', 'dilation_rate=(2, 2); hls4ml convolutions have no dilation')
    ]


def test_no_samples_calibrates_on_seeded_random_inputs_with_a_warning():
    model, _ = float_model('dense_bn')
    with pytest.warns(CalibrationWarning, match='no calibration samples'):
        first = quantize(model, seed=7)
    with pytest.warns(CalibrationWarning):
        again = quantize(model, seed=7)
    assert first.quantize_report.random_samples and first.quantize_report.n_samples == 512
    assert all(np.array_equal(a, b) for a, b in zip(first.get_weights(), again.get_weights()))
