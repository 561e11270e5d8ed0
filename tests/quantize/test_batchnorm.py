"""BatchNormalization: folding is the float computation (to float32 rounding), the folded layer holds exactly the
folded weights before its own quantizers, and only a batch normalization on a linear Dense/convolution output read
by nothing else folds (the others become QBatchNormalization)."""

from __future__ import annotations

from types import SimpleNamespace

import keras
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import ops

from hgq_hls4ml import quantize
from hgq_hls4ml.ptq.normalization import fold_batchnorm

from .float_models import float_model, randomize_batchnorm

L = keras.layers


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    eps=st.sampled_from([1e-5, 1e-3, 0.1]),
    scale=st.booleans(),
    center=st.booleans(),
    use_bias=st.booleans(),
)
def test_fold_is_batchnorm_of_the_layer_output(seed, eps, scale, center, use_bias):
    rng = np.random.default_rng(seed)
    x, kernel = rng.normal(0, 2, (16, 5)), rng.normal(0, 1, (5, 3)).astype(np.float32)
    bias = rng.normal(0, 1, 3).astype(np.float32) if use_bias else None
    bn = SimpleNamespace(
        moving_mean=rng.normal(0, 2, 3),
        moving_variance=rng.uniform(0.01, 5, 3),
        gamma=rng.uniform(-3, 3, 3),
        beta=rng.normal(0, 2, 3),
        epsilon=eps,
        scale=scale,
        center=center,
    )
    y = x @ kernel + (0 if bias is None else bias)
    gamma, beta = (bn.gamma if scale else 1.0), (bn.beta if center else 0.0)
    expected = gamma * (y - bn.moving_mean) / np.sqrt(bn.moving_variance + eps) + beta
    folded_kernel, folded_bias = fold_batchnorm(kernel, bias, bn)
    assert folded_kernel.dtype == folded_bias.dtype == np.float32
    got = x @ folded_kernel.astype(np.float64) + folded_bias
    assert np.allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_folded_layer_holds_the_folded_weights_quantized_once():
    model, x = float_model('dense_bn')
    q = quantize(model, x)
    assert q.quantize_report.folded == (('dense_bn', 'dense'),)
    dense, float_dense = q.get_layer('dense'), model.get_layer('dense')
    kernel, bias = fold_batchnorm(
        np.asarray(float_dense.kernel), np.asarray(float_dense.bias), model.get_layer('dense_bn')
    )
    assert np.array_equal(np.asarray(dense.kernel), kernel) and np.array_equal(np.asarray(dense.bias), bias)
    for quantizer, values in ((dense.kq, kernel), (dense.bq, bias)):
        f = np.asarray(ops.convert_to_numpy(quantizer.quantizer.bw_mapper.bw_to_x(quantizer.quantizer.f, values.shape)))
        on_grid = np.floor(values * 2.0**f + 0.5) * 2.0**-f  # RND, and no weight saturates: the bits fit them
        assert np.array_equal(np.asarray(quantizer(values)), on_grid.astype(np.float32))


def test_only_a_linear_output_read_by_the_batchnorm_alone_folds():
    keras.utils.set_random_seed(3)
    inp = keras.Input((6,))
    x = L.BatchNormalization(name='input_bn')(inp)  # nothing before it to fold into
    a = L.Dense(5, name='a')(x)
    a_bn = L.BatchNormalization(name='a_bn')(a)  # a is also read by the Add
    x = L.Add()([a, a_bn])
    x = L.Dense(5, activation='relu', name='b')(x)
    x = L.BatchNormalization(name='b_bn')(x)  # after a ReLU
    x = L.Dense(4, name='c')(x)
    out = L.BatchNormalization(name='c_bn')(x)  # folds
    model = keras.Model(inp, out)
    randomize_batchnorm(model, np.random.default_rng(3))
    xs = np.random.default_rng(4).normal(0, 1, (200, 6)).astype(np.float32)
    q = quantize(model, xs, weight_bits=16, activation_bits=16)
    assert q.quantize_report.folded == (('c_bn', 'c'),)
    kept = {lay.name: type(lay).__name__ for lay in q.layers}
    assert {name: kept[name] for name in ('input_bn', 'a_bn', 'b_bn')} == dict.fromkeys(
        ('input_bn', 'a_bn', 'b_bn'), 'QBatchNormalization'
    )
    assert 'c_bn' not in kept
    reference = model.predict(xs, verbose=0)
    assert q.quantize_report.max_abs_error <= 1e-3 * np.abs(reference).max()
