"""hls4ml strategies on HGQ2 models through the plugin, bit-exact: distributed arithmetic (model level, as HGQ2's
notebooks set it, and per layer), ``Resource`` with ``ReuseFactor`` > 1; layers of ours with no distributed-
arithmetic form are refused before any file is written."""

import re
import warnings
from pathlib import Path

import hls4ml
import pytest

from hgq_hls4ml import cost
from hgq_hls4ml.da import is_da
from hgq_hls4ml.errors import StrategyWarning, UnsupportedLayerError

from .models import Case, assert_bit_exact, build, inputs

#: HGQ2's ``example/larger_jet_tagger.ipynb`` configuration.
NOTEBOOK_DA = {'Model': {'Strategy': 'distributed_arithmetic', 'Precision': 'fixed<-1,0>', 'ReuseFactor': 1}}
CONV = Case('conv2d_strategy', 'conv2d', min_bits=1, seed=5)


def _convert(model, out: Path, io_type: str, hls_config: dict):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        return hls4ml.converters.convert_from_keras_model(
            model, output_dir=str(out), backend='Vitis', io_type=io_type, hls_config=hls_config
        )


def _name_config(model) -> dict:
    return hls4ml.utils.config_from_keras_model(model, granularity='name', backend='Vitis')


def _names(model, prefix: str) -> list[str]:
    """Names of the model's layers whose class name starts with ``prefix`` (Keras numbers names per process)."""
    return [layer.name for layer in model.layers if type(layer).__name__.startswith(prefix)]


def _firmware(hm) -> str:
    root = Path(hm.config.get_output_dir()) / 'firmware'
    return '\n'.join(p.read_text() for p in sorted(root.rglob('*')) if p.suffix in ('.h', '.cpp'))


def _costed(hm) -> None:
    """``cost()`` reads every strategy's graph; distributed-arithmetic kernels are costed from their adder graph
    (no multiplier; the LUT estimate of the graph hls4ml generated, at every position, plus the result cast)."""
    report = cost(hm)
    for lay in report.layers:
        node = hm.graph[lay.name]
        if is_da(node) and node.class_name in ('Dense', 'Conv1D', 'Conv2D'):
            assert lay.multiplies == lay.dsps == 0 and lay.adders > 0 and lay.adder_depth > 0, lay
            assert lay.luts >= round(node.get_attr('da_kernel_cost')) > 0, lay
        else:
            assert lay.adders == 0 and lay.adder_depth is None, lay


def _bit_exact_firmware(hm, model) -> str:
    """:func:`assert_bit_exact` and ``cost()`` on the converted model, then its generated C++."""
    assert_bit_exact(model, inputs(model, n=300), hls_model=hm)
    _costed(hm)
    return _firmware(hm)


@pytest.mark.parametrize('io_type', ['io_parallel', 'io_stream'])
def test_model_level_distributed_arithmetic(io_type, tmp_path):
    model = build(CONV)
    code = _bit_exact_firmware(_convert(model, tmp_path / 'prj', io_type, NOTEBOOK_DA), model)
    assert len(set(re.findall(r'\bdense_da_\d+\b', code))) == 3  # both convolutions and the dense layer


def test_einsum_dense_distributed_arithmetic(tmp_path):
    model = build(Case('einsum_strategy', 'einsum', min_bits=1, seed=41))
    code = _bit_exact_firmware(_convert(model, tmp_path / 'prj', 'io_parallel', NOTEBOOK_DA), model)
    assert re.search(r'\beinsum_\d+_da_0_of_\d+\b', code)


def test_layer_level_distributed_arithmetic(tmp_path):
    model = build(CONV)
    cfg = _name_config(model)
    (dense,) = _names(model, 'QDense')
    cfg['LayerName'][dense]['Strategy'] = 'distributed_arithmetic'
    code = _bit_exact_firmware(_convert(model, tmp_path / 'prj', 'io_parallel', cfg), model)
    assert len(set(re.findall(r'\bdense_da_\d+\b', code))) == 1
    for conv in _names(model, 'QConv2D'):  # the other layers keep their exact per-output accumulators
        assert f'hgq_conv2d_{conv}<' in code


def test_resource_strategy_with_reuse(tmp_path):
    model = build(CONV)
    cfg = _name_config(model)
    cfg['Model']['Strategy'] = 'Resource'
    names = _names(model, 'QConv2D') + _names(model, 'QDense')
    for name in names:
        cfg['LayerName'][name]['ReuseFactor'] = 3
    hm = _convert(model, tmp_path / 'prj', 'io_parallel', cfg)
    assert [hm.graph[n].get_attr('reuse_factor') for n in names] == [3, 3, 3]
    assert {hm.graph[n].get_attr('strategy') for n in names} == {'resource'}
    _bit_exact_firmware(hm, model)


@pytest.mark.parametrize('io_type', ['io_parallel', 'io_stream'])
def test_resource_strategy_on_a_model_with_einsums(io_type, tmp_path):
    """Upstream fails on it (a ``TypeError`` in Vitis's resource check): hls4ml's ``EinsumDense``/``Einsum`` have no
    resource form, so they build fully parallel with a warning, and the dense layers use ``Resource``."""
    model = build(Case('transformer_resource', 'transformer', min_bits=1, seed=0))
    cfg = {'Model': {'Strategy': 'Resource', 'ReuseFactor': 2, 'Precision': 'fixed<16,6>'}}
    with pytest.warns(StrategyWarning, match=r'implements EinsumDense and Einsum with the Latency strategy only'):
        hm = hls4ml.converters.convert_from_keras_model(
            model, output_dir=str(tmp_path / 'prj'), backend='Vitis', io_type=io_type, hls_config=cfg
        )
    strategies = {n.class_name: n.get_attr('strategy') for n in hm.graph.values() if n.get_attr('strategy')}
    assert {s for c, s in strategies.items() if 'Einsum' in c} == {'latency'}
    assert strategies['Dense'] == 'resource'
    _bit_exact_firmware(hm, model)


def test_distributed_arithmetic_refusal_lists_every_layer(tmp_path):
    model = build(Case('gru_strategy', 'gru_seq', min_bits=1, seed=113))
    with pytest.raises(UnsupportedLayerError) as err:
        _convert(model, tmp_path / 'prj', 'io_parallel', NOTEBOOK_DA)
    (name, cls, reason), *rest = err.value.problems
    assert (name, cls, rest) == (_names(model, 'QGRU')[0], 'QGRU', [])
    assert 'no recurrent cell' in reason and "['Strategy'] = 'Latency'" in reason
    assert not (tmp_path / 'prj').exists()


def test_model_level_precision_does_not_reach_a_relu_threshold(tmp_path):
    """The notebook's ``'Precision': 'fixed<-1,0>'`` (a placeholder for DA) is the default of every type nobody sets:
    a Keras ``ReLU`` becomes hls4ml's ThresholdedReLU, whose threshold type must hold its 0 exactly, not be that."""
    model = build(Case('mlp_bn_da', 'mlp_bn', min_bits=1, seed=6))
    code = _bit_exact_firmware(_convert(model, tmp_path / 'prj', 'io_parallel', NOTEBOOK_DA), model)
    assert 'thresholded_relu' in code and re.search(r'thresholded_relu<\w+, \w+_param_t,', code)
