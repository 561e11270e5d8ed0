"""Distributed arithmetic traced with either package hls4ml builds it with (da4ml for hls4ml 1.3, alkaid for its
main branch): the adder graph computes the product exactly, and the package hls4ml names is the one used."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from hgq_hls4ml import da


@pytest.mark.parametrize('package', list(da.PACKAGES))
def test_the_adder_graph_of_each_package_computes_the_product(package, monkeypatch):
    assert importlib.util.find_spec(package) is not None, f"{package} is in the test extra (and in 'da')"
    monkeypatch.setattr(da, 'hls4ml_da_package', lambda: package)
    rng = np.random.default_rng(0)
    kernel = rng.integers(-8, 8, (6, 3)) / 4.0
    bias = np.array([0.5, 0.0, -1.0])
    k, i, f = np.ones(6, int), np.full(6, 3), np.full(6, 2)
    graph = da.adder_graph(kernel, bias, k, i, f)
    assert graph.package == package
    assert graph.adders > 0 and graph.depth > 0 and graph.cost > 0
    x = rng.integers(-32, 32, (50, 6)) / 4.0  # every input on the grid of (k, i, f)
    assert np.array_equal(np.asarray(graph.logic.predict(x), dtype=np.float64), x @ kernel + bias)


def test_the_package_of_the_installed_hls4ml_comes_first():
    named = da.hls4ml_da_package()
    assert named in da.PACKAGES
    assert da.da_package() == named
