"""Minifloat weights: a QDense MLP whose kernel and bias quantizers are HGQ2 float quantizers (per-element ``m``,
``e`` and ``e0``) and whose activations are fixed point converts bit-exact through the plugin: every minifloat
weight is an exact fixed-point constant, and distributed arithmetic takes them like any other constants."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hgq.config import QuantizerConfig
from hgq.layers import QDense
from quantizers import float_quantize_np

import hgq_hls4ml
from hgq_hls4ml.minifloat.compat import enable_minifloat

DA = {'Model': {'Strategy': 'distributed_arithmetic', 'Precision': 'fixed<-1,0>', 'ReuseFactor': 1}}


def _heterogeneous(layer: QDense, rng: np.random.Generator) -> None:
    """Per-element ``m`` in 0..6, ``e`` in 1..4, ``e0`` in -4..2 on the kernel and bias quantizers."""
    for q in (layer.kq, layer.bq):
        w = {v.name: v for v in q.weights}
        shape = w['m'].shape
        w['m'].assign(rng.integers(0, 7, shape).astype('float32'))
        w['e'].assign(rng.integers(1, 5, shape).astype('float32'))
        w['e0'].assign(rng.integers(-4, 3, shape).astype('float32'))


def minifloat_mlp() -> keras.Model:
    enable_minifloat()
    rng = np.random.default_rng(7)

    def dense(n: int, **kw) -> QDense:
        return QDense(n, kq_conf=QuantizerConfig('float', 'weight'), bq_conf=QuantizerConfig('float', 'bias'), **kw)

    model = keras.Sequential([keras.Input((8,)), dense(6, activation='relu'), dense(3)])
    for layer in model.layers:
        layer.kernel.assign(rng.normal(0, 1.5, layer.kernel.shape).astype('float32'))
        layer.bias.assign(rng.normal(0, 1, layer.bias.shape).astype('float32'))
        _heterogeneous(layer, rng)
    return model


@pytest.mark.parametrize('hls_config', [None, pytest.param(DA, id='da', marks=pytest.mark.slow)], ids=['latency', 'da'])
def test_minifloat_weights_are_bit_exact(pristine_configs, hls_config: dict | None, tmp_path) -> None:
    model = minifloat_mlp()
    layer = model.layers[0]
    m, e, e0 = (np.asarray(v) for v in (layer.kq.quantizer.m, layer.kq.quantizer.e, layer.kq.quantizer.e0))
    assert np.unique(m).size > 1 and np.unique(e).size > 1  # heterogeneous per element
    np.testing.assert_array_equal(np.asarray(layer.qkernel), float_quantize_np(np.asarray(layer.kernel), m, e, e0))
    x = np.random.default_rng(0).normal(0, 2, (300, 8)).astype('float32')
    x = np.concatenate([x, 16 * x[:50]])  # beyond the range the first 300 span
    kw = {} if hls_config is None else {'hls_config': hls_config}
    report = hgq_hls4ml.verify(model, x, output_dir=tmp_path / 'prj', **kw)
    assert report.bit_exact, report
