"""A result type the user writes per layer meets the layer's exact type: refused if narrower (before any file is
written, every such layer named), replaced with one warning if wider, silent if equal."""

from __future__ import annotations

import warnings

import hls4ml
import pytest

from hgq_hls4ml import convert
from hgq_hls4ml.errors import LayerPrecisionError, PrecisionWarning
from hgq_hls4ml.precision.fixed import from_precision

from .models import Case, build


@pytest.fixture(scope='module')
def mlp():
    return build(Case('mlp', 'mlp'))


@pytest.fixture(scope='module')
def dense(mlp) -> tuple[str, str]:
    """The names of the MLP's two first dense layers (Keras numbers unnamed layers per process)."""
    first, second = [layer.name for layer in mlp.layers if type(layer).__name__ == 'QDense'][:2]
    return first, second


@pytest.fixture(scope='module')
def exact(mlp, dense, tmp_path_factory):
    """The exact result types of the MLP's two first dense layers, as converted without a per-layer type."""
    hm = convert(mlp, tmp_path_factory.mktemp('plain') / 'prj')
    return [from_precision(hm.graph[name].get_output_variable().type.precision) for name in dense]


def _config(mlp, types: dict[str, object]) -> dict:
    cfg = hls4ml.utils.config_from_keras_model(mlp, granularity='name', backend='Vitis')
    for name, precision in types.items():
        cfg['LayerName'][name]['Precision'] = precision
    return cfg


def _spell(t) -> str:
    return t.cpp().removeprefix('ap_')


def test_a_wider_type_is_replaced_by_the_exact_one_with_one_warning(mlp, dense, exact, tmp_path):
    (d0, _), e = dense, exact[0]
    wider = f'fixed<{e.width + 6},{e.integer + 3}>'
    with pytest.warns(PrecisionWarning) as caught:
        hm = convert(mlp, tmp_path / 'prj', hls_config=_config(mlp, {d0: {'result': wider}}))
    [warning] = [w for w in caught if issubclass(w.category, PrecisionWarning)]
    assert f'{d0}: {wider} -> {_spell(e)}' in str(warning.message)
    assert from_precision(hm.graph[d0].get_output_variable().type.precision) == e


def test_the_exact_type_itself_gives_no_warning(mlp, dense, exact, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter('error', PrecisionWarning)
        convert(mlp, tmp_path / 'prj', hls_config=_config(mlp, {dense[0]: _spell(exact[0])}))


def test_narrower_types_are_refused_naming_every_layer_before_writing(mlp, dense, exact, tmp_path):
    (d0, d1), (e0, e1) = dense, exact
    fewer_fraction = f'fixed<{e0.width - 1},{e0.integer}>'
    fewer_integer = f'fixed<{e1.width - 1},{e1.integer - 1}>'
    out = tmp_path / 'prj'
    with pytest.raises(LayerPrecisionError) as err:
        convert(mlp, out, hls_config=_config(mlp, {d0: {'result': fewer_fraction}, d1: fewer_integer}))
    message = str(err.value)
    assert message.startswith("2 per-layer Precision type(s) in hls_config cannot hold the layer's exact results")
    assert f'{d0}: result {fewer_fraction} holds' in message and f'exact type {_spell(e0)}' in message
    assert f'{d1}: result {fewer_integer} holds' in message and f'exact type {_spell(e1)}' in message
    assert not out.exists()
