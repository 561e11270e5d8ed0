"""The C++ generated for our layers compiles warning-free under g++ -Wall; converting warns of no attribute that
the layer config overrides."""

import warnings

import pytest

from hgq_hls4ml import convert

from .models import Case, build
from .wall import generated_code_warnings

CASES = [
    (Case('conv2d_kif_sat_rnd', 'conv2d', min_bits=1, seed=91), 'io_parallel'),  # HGQQuantize, HGQConv2D, HGQDense
    (Case('conv3d_kif_sat_rnd', 'conv3d', min_bits=1, seed=101), 'io_parallel'),  # HGQConv3D
    (Case('lut_conv1d_kif_sat_rnd', 'lut_conv1d', min_bits=1, seed=92), 'io_stream'),  # HGQUnaryLUT, stream
    (Case('transformer_kif_sat_rnd', 'transformer', min_bits=1, seed=0), 'io_parallel'),  # HGQSoftmax, einsums
    (Case('gru_tanh_kif_sat_rnd', 'gru_tanh', min_bits=1, seed=95), 'io_parallel'),  # HGQRecurrent, activation tables
    (Case('table_mlp_kif_sat_rnd', 'table_mlp', min_bits=1, max_bits=4, seed=5), 'io_parallel'),  # HGQTableSum
    (
        Case(
            'lif_last_kbi_wrap_trn', 'lif_last', q_type='kbi', overflow='WRAP', round_mode='TRN', min_bits=1, seed=132
        ),
        'io_parallel',
    ),  # HGQRecurrent, spiking cell
    (Case('conv3d_stream_kif_sat_rnd', 'conv3d_stream', min_bits=1, seed=142), 'io_stream'),  # buffered adapter
]


@pytest.mark.parametrize(('case', 'io_type'), CASES, ids=[c.name for c, _ in CASES])
def test_generated_cpp_is_wall_clean(case, io_type, tmp_path):
    hm = convert(build(case), tmp_path / 'prj', io_type=io_type)
    hm.write()
    assert generated_code_warnings(tmp_path / 'prj') == []


@pytest.mark.parametrize(('arch', 'io_type'), [('conv2d', 'io_parallel'), ('conv1d', 'io_stream')])
def test_no_attribute_override_warning(arch, io_type, tmp_path):
    """hls4ml warns "Overriding attribute 'parallelization_factor' of layer ..." when the layer config (here the
    default one of ``config_from_keras_model``, as in the README) overrides a value our handler set."""
    model = build(Case(arch, arch))
    with warnings.catch_warnings():
        warnings.filterwarnings('error', message="Overriding attribute 'parallelization_factor'", category=UserWarning)
        hm = convert(model, tmp_path / 'prj', io_type=io_type)
    conv = next(node for node in hm.graph.values() if 'Conv' in node.class_name)
    assert conv.get_attr('parallelization_factor') == 1  # the layer config's ParallelizationFactor
