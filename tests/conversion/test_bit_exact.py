"""Real HGQ2 models converted through the plugin are bit-exact in C simulation (real g++ builds)."""

import numpy as np
import pytest
from hls4ml.model.optimizer.passes.hgq_proxy_model import FixedPointQuantizer

from hgq_hls4ml import verify
from hgq_hls4ml.layers.element_quantizer import HGQQuantize

from .models import Case, assert_bit_exact, build, firmware_mismatches, inputs, keras_outputs

CASES = [
    Case('mlp_kif_sat_rnd', 'mlp'),
    Case('mlp_kbi_wrap_trn', 'mlp', q_type='kbi', overflow='WRAP', round_mode='TRN', seed=1),
    Case('mlp_kif_satsym_rndconv', 'mlp', overflow='SAT_SYM', round_mode='RND_CONV', seed=2),
    Case('mlp_kif_sat_trnzero_1to2bit', 'mlp', round_mode='TRN_ZERO', max_bits=2, seed=7),
    Case('mlp_bn_kbi_sat_rnd', 'mlp_bn', q_type='kbi', seed=7),  # once diverged: saturated values off the input grid
    Case('conv1d_kif_sat_rnd', 'conv1d', seed=9),
    Case('wide_16bit_kif_sat_trn', 'wide', round_mode='TRN', seed=11),
    Case('mlp_homogeneous_sat_rnd', 'mlp', homogeneous=True, seed=12),
    Case('inner_kif_wrapsm_rnd', 'inner_quantizers', overflow='WRAP_SM', round_mode='RND', seed=14),
    Case('conv2d_homogeneous_sat_rnd', 'conv2d', homogeneous=True, seed=13),
]

SLOW_CASES = [
    Case('mlp_kbi_sat_rndzero', 'mlp', q_type='kbi', round_mode='RND_ZERO', seed=3),
    Case('mlp_kif_wrap_rndinf', 'mlp', overflow='WRAP', round_mode='RND_INF', seed=5),
    Case('mlp_kif_sat_rndmininf', 'mlp', round_mode='RND_MIN_INF', seed=6),
    Case('quantizer_mlp_kif_sat_rnd', 'quantizer_mlp', seed=8),
    Case('conv2d_kbi_wrap_rnd', 'conv2d', q_type='kbi', overflow='WRAP', seed=10),
]

STREAM_CASES = [c for c in CASES if c.arch in ('conv1d', 'conv2d')]
#: The case in the quick subset (``-m smoke``).
SMOKE_CASE = 'mlp_kif_sat_rnd'


@pytest.mark.parametrize(
    'case',
    [pytest.param(c, marks=pytest.mark.smoke) if c.name == SMOKE_CASE else c for c in CASES],
    ids=lambda c: c.name,
)
def test_io_parallel_bit_exact(case, tmp_path):
    model = build(case)
    assert_bit_exact(model, inputs(model), tmp_path / 'prj', 'io_parallel')


def test_the_independent_oracle_sees_a_mismatch(tmp_path):
    """The tests' own comparison of raw firmware outputs (no ``verify``) finds none on the real Keras outputs and
    counts every element of a reference moved by far less than a float32 LSB."""
    from hgq_hls4ml import convert

    model = build(CASES[0])
    x = inputs(model, n=50)
    hls_model = convert(model, tmp_path / 'prj')
    hls_model.compile()
    reference = keras_outputs(model, x)
    assert firmware_mismatches(hls_model, x, reference) == 0
    assert firmware_mismatches(hls_model, x, reference + 2.0**-40 * np.maximum(1, abs(reference))) == reference.size


@pytest.mark.parametrize('case', STREAM_CASES, ids=lambda c: c.name)
def test_io_stream_bit_exact(case, tmp_path):
    model = build(case)
    assert_bit_exact(model, inputs(model), tmp_path / 'prj', 'io_stream')


@pytest.mark.slow
@pytest.mark.parametrize('case', SLOW_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize('io_type', ['io_parallel', 'io_stream'])
def test_bit_exact_slow(case, io_type, tmp_path):
    model = build(case)
    assert_bit_exact(model, inputs(model), tmp_path / 'prj', io_type)


def test_our_handlers_and_passes_are_used(tmp_path):
    from hgq_hls4ml import convert

    model = build(CASES[0])
    hm = convert(model, tmp_path / 'prj')
    nodes = list(hm.graph.values())
    assert any(isinstance(n, HGQQuantize) for n in nodes), 'heterogeneous quantizers must stay HGQQuantize layers'
    assert not any(isinstance(n, FixedPointQuantizer) for n in nodes), 'upstream HGQ handlers must not be used'
    assert all(n.get_attr('hgq_source_layer') for n in nodes if n.class_name != 'Input')


def test_homogeneous_quantizers_fold_into_types(tmp_path):
    from hgq_hls4ml import convert

    model = build(Case('h', 'mlp', homogeneous=True))
    hm = convert(model, tmp_path / 'prj')
    assert not any(isinstance(n, HGQQuantize) for n in hm.graph.values())
    dense = hm.graph[model.layers[2].name]  # the second QDense
    assert dense.get_output_variable().type.precision.rounding_mode.name == 'RND'


def test_zero_bit_weights_are_zero_in_firmware(tmp_path):
    from hgq_hls4ml import convert

    model = build(CASES[4])  # 0..2 bit widths: many zero-bit weights
    hm = convert(model, tmp_path / 'prj')
    first = model.layers[1]  # the first QDense (layer 0 is the Input)
    w = hm.graph[first.name].get_attr('weight').data
    qk = np.asarray(first.qkernel)
    assert np.array_equal(w, qk) and (w == 0).mean() > 0.2


def test_mismatch_names_the_first_diverging_layer(tmp_path):
    from hgq_hls4ml import convert

    model = build(CASES[0])
    hm = convert(model, tmp_path / 'prj', trace=True)
    first = model.layers[1]  # the first QDense: make its result type too narrow, as a wrong pass would
    node = hm.graph[first.name]
    precision = node.get_output_variable().type.precision
    precision.width, precision.integer = 3, 1
    x = inputs(model)
    keras_outputs(model, x)  # the degenerate-model guard: a model with few outputs might match by chance
    report = verify(model, x, hls_model=hm)
    assert not report.bit_exact and 0 < report.n_exact < report.n_elements
    div = report.divergence
    assert div is not None and div.layer == first.name, report
    assert div.keras_value != div.firmware_value
    assert first.name in str(report)


@pytest.mark.parametrize('arch', ['mlp', 'lif_seq'])
def test_degenerate_model_fails_the_guard(arch):
    """The guard of every bit-exact test: on inputs all alike, a model's outputs (a spiking layer's spike trains)
    take too few distinct values to test anything."""
    model = build(Case(arch, arch, min_bits=1, seed=131))
    x = np.zeros((50, *model.inputs[0].shape[1:]), dtype=np.float32)
    with pytest.raises(AssertionError, match='degenerate test model'):
        keras_outputs(model, x)
    keras_outputs(model, inputs(model, n=300))  # the test inputs pass
