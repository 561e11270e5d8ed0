"""Each optional pass keeps the firmware bit-exact: a model converted with and without it (hls4ml's
``SkipOptimizers``) is bit-exact both ways, and the pass visibly changed the graph."""

from collections.abc import Callable

import hls4ml
import pytest

from hgq_hls4ml import convert
from hgq_hls4ml.csim.verify import first_divergence
from hgq_hls4ml.graph import input_nodes
from hgq_hls4ml.layers import ExactAccumulators, HGQQuantize

from ..conversion.models import Case, assert_bit_exact, build, inputs


def _quantizers(hm) -> int:
    return sum(isinstance(n, HGQQuantize) for n in hm.graph.values())


def _quantizers_after_reshape(hm) -> int:
    return sum(isinstance(n, HGQQuantize) and input_nodes(n)[0].class_name == 'Reshape' for n in hm.graph.values())


def _exact_accumulator_layers(hm) -> int:
    return sum(isinstance(n, ExactAccumulators) for n in hm.graph.values())


def _result_bits(hm) -> int:
    return sum(n.get_output_variable().type.precision.width * n.get_output_variable().size() for n in hm.graph.values())


HETEROGENEOUS = Case('conv1d_het', 'conv1d', min_bits=1, seed=81)
HOMOGENEOUS = Case('conv1d_hom', 'conv1d', homogeneous=True, min_bits=1, seed=82)
#: pass name, model, and a graph measure the pass must lower (with it < without it).
PASSES: list[tuple[str, Case, Callable]] = [
    ('hgq_hoist_quantizers', HOMOGENEOUS, _quantizers_after_reshape),
    ('hgq_fuse_quantizers', HOMOGENEOUS, _quantizers),
    ('hgq_exact_accumulators', HETEROGENEOUS, lambda hm: -_exact_accumulator_layers(hm)),
    ('hgq_unread_bits', HETEROGENEOUS, _result_bits),
]


@pytest.mark.parametrize(('name', 'case', 'measure'), PASSES, ids=[p[0] for p in PASSES])
def test_pass_is_exact_with_and_without(name, case, measure, tmp_path):
    model = build(case)
    x = inputs(model, n=300)
    measured = []
    for skip in ([], [name]):
        cfg = hls4ml.utils.config_from_keras_model(model, granularity='name', backend='Vitis')
        cfg['SkipOptimizers'] = skip
        hm = convert(model, tmp_path / f'prj_{len(skip)}', hls_config=cfg)
        assert_bit_exact(model, x, hls_model=hm, what=f'{name} {"skipped" if skip else "applied"}')
        measured.append(measure(hm))
    with_pass, without_pass = measured
    assert with_pass < without_pass, f'{name} changed nothing ({with_pass} vs {without_pass})'


def test_divergence_trace_sees_through_dropped_bits(tmp_path):
    """Layers floored by ``hgq_unread_bits`` differ from Keras by design; the mismatch tracer must not report them."""
    model = build(HETEROGENEOUS)
    hm = convert(model, tmp_path / 'prj', trace=True)
    hm.compile()
    assert any(n.get_attr('hgq_truncate_frac') is not None for n in hm.graph.values())
    assert first_divergence(model, hm, [inputs(model, n=100)]) is None
