"""``hgq_hls4ml.cost``: exact numbers on a hand-computable model, real models, JSON, table and plot (no g++)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import hls4ml
import numpy as np
import pytest

from hgq_hls4ml import CostReport, convert, cost
from hgq_hls4ml.analysis.counts import DSP_MIN_WIDTH, constant_bits, csd_digits, product_counts

from ..conversion.models import Case, build
from .tiny import QKERNEL, tiny_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    model = tiny_model()
    return model, cost(convert(model, tmp_path_factory.mktemp('tiny') / 'prj'), model)


def test_constants():
    assert csd_digits(np.array([0, 1, 3, 5, 7, 11, 15, 85])).tolist() == [0, 1, 2, 2, 2, 3, 2, 4]
    bits, digits = constant_bits(np.array([0.0, 0.5, -0.75, 3.0, 1.25, -1.0]))
    assert bits.tolist() == [0, 1, 3, 2, 3, 2]  # significant bits, plus a sign bit for negatives
    assert digits.tolist() == [0, 1, 2, 2, 2, 1]


def test_dsp_threshold():
    wide, narrow = DSP_MIN_WIDTH + 1, DSP_MIN_WIDTH
    bits, digits = constant_bits(np.array([2.0**wide - 1]))  # `wide` significant bits, 2 CSD digits
    counts = product_counts('i,i->i', np.array([wide]), bits, digits - 1, 0.0, 20)
    assert counts == {'multiplies': 1, 'bops': wide * wide, 'dsps': 1, 'luts': 0}
    counts = product_counts('i,i->i', np.array([narrow]), bits, digits - 1, 0.0, 20)
    assert counts['dsps'] == 0 and counts['luts'] == narrow  # shift-and-add: one adder as wide as the input


def test_variable_products_and_adders():
    """``y[s] = sum_j x[s, j] * z[j]``: widths x = [[3, 0], [12, 11]], z = [11, 4]; 20-bit adders."""
    a, b = np.array([[3, 0], [12, 11]]), np.array([11, 4])
    counts = product_counts('sj,j->s', a, b, b, 0.0, 20)
    assert counts['multiplies'] == 3  # x[0, 1] has no bits
    assert counts['bops'] == 3 * 11 + 12 * 11 + 11 * 4
    assert counts['dsps'] == 1  # 12 x 11 bits
    assert counts['luts'] == 3 * 11 + 11 * 4 + 1 * 20  # array multipliers, one adder for y[1]


def test_tiny_model_by_hand(tiny):
    """Input widths 4, 4, 2, 0; firmware weights [[.5, -.75], [0, 3], [1.25, 0], [.5, .5]]; bias [0, .25]."""
    model, report = tiny
    np.testing.assert_array_equal(np.asarray(model.get_layer('dense').qkernel), QKERNEL)
    layers = {lay.name: lay for lay in report.layers}
    assert list(layers) == ['x', 'dense_iq', 'dense']
    # RND and SAT: each live input element costs its width twice (4 + 4 + 2 + 0)
    assert layers['dense_iq'].luts == 2 * 10
    dense = layers['dense']
    assert dense.weights == 6  # the zero-bit weight is 0 in firmware: no weight, no multiply
    assert dense.weight_bits == 1 + 3 + 2 + 3 + 1 + 1
    assert dense.multiplies == 4  # the last row meets the zero-width input
    assert dense.bops == 4 * 1 + 4 * 3 + 4 * 2 + 2 * 3
    # exact accumulator: out1 = -.75 x0 + 3 x1 + .25 in [-13.0625, 12.25] on a 2**-4 grid -> fixed<9,5>
    assert (dense.accum_width, dense.result_width) == (9, 9)
    # products: -.75 and 3 (2 CSD digits) on 4-bit inputs, 1.25 on the 2-bit input; adders, each as wide as its
    # output's own exact accumulator: out0 = .5 x0 + 1.25 x2 in [-3.5, 2.125] on a 2**-3 grid -> fixed<6,3>, one
    # adder; out1: two adders of 9 bits
    assert dense.luts == 4 + 4 + 2 + 1 * 6 + 2 * 9
    assert dense.dsps == 0
    assert report.total.luts == 54 and report.total.multiplies == 4
    # result bits, the input port like any other result: the narrowest exact port is fixed<6,3,TRN,SAT> (RND reads
    # f + 1 = 3 fractional bits of the finest element; 2 integer bits and a sign), 4 elements
    assert (layers['x'].result_width, layers['x'].result_bits) == (6, 4 * 6)
    assert layers['dense_iq'].result_bits == 4 + 4 + 2 + 0
    assert report.total.result_bits == sum(lay.result_bits for lay in report.layers)


def test_ebops_match_a_tracing_call(tiny):
    """The EBOPs equal what HGQ2 itself records in ``layer.ebops`` during a tracing call."""
    from hgq.utils.minmax_trace import trace_minmax

    model, report = tiny
    layer = model.get_layer('dense')
    # 8-bit weights on input widths 4, 4, 2, 0 (the zero-bit weight on a 4-bit input), plus 8-bit biases x 2
    assert report.keras_ebops == {'dense': (4 * 16 + 4 * 8 + 2 * 16) + 8 * 2}
    trace_minmax(model, np.zeros((4, 4), dtype=np.float32), reset=False)
    assert report.layers[-1].ebops == float(layer.ebops) == report.total.ebops


def test_table_footer_tells_bops_from_ebops(tiny):
    """BOPs 4 * 1 + 4 * 3 + 4 * 2 + 2 * 3 = 30 (firmware widths and weight values), EBOPs 144 (quantizer widths)."""
    _, report = tiny
    *_, total, footer = report.table().splitlines()
    assert [cell.strip() for cell in total.split('|')[5:7]] == ['30', '144']
    assert footer == (
        'BOPs: per firmware product, proven input width x significant bits of the non-zero weight; '
        'EBOPs (HGQ2): input x kernel quantizer bit-widths of every weight, plus bias bits'
    )


def test_without_keras_model_no_ebops(tiny, tmp_path):
    model, _ = tiny
    report = cost(convert(model, tmp_path / 'prj'))
    assert report.keras_ebops is None and report.total.ebops is None
    assert all(lay.ebops is None for lay in report.layers)
    assert report.table().splitlines()[-1].startswith('TOTAL')  # no EBOPs, no footer about them


@pytest.fixture(scope='module')
def merge_cnn(tmp_path_factory):
    model = build(Case('cost_merge_cnn', 'merge_cnn', min_bits=1, seed=31))
    return model, cost(convert(model, tmp_path_factory.mktemp('merge') / 'prj'), model)


def test_table_lists_every_node(merge_cnn):
    model, report = merge_cnn
    lines = report.table().splitlines()
    assert str(report) == report.table()
    assert len(lines) == 2 + len(report.layers) + 2
    for lay, line in zip(report.layers, lines[2:]):
        assert line.split('|')[0].strip() == lay.name
    assert lines[-2].startswith('TOTAL') and lines[-1].startswith('BOPs: ')
    assert all(lay.modelled for lay in report.layers)
    # every Keras layer with EBOPs has a firmware node of its name
    assert set(report.keras_ebops) <= {lay.name for lay in report.layers}


def test_costs_are_counted_where_expected(merge_cnn):
    model, report = merge_cnn
    by_class: dict[str, int] = {}
    for lay in report.layers:
        by_class[lay.class_name] = by_class.get(lay.class_name, 0) + lay.luts
    assert by_class['Input'] == by_class['Concatenate'] == 0
    port = report.layers[0]
    assert port.class_name == 'Input' and port.result_bits == port.result_width * 8 * 8 * 2  # an 8x8x2 input
    assert all(lay.result_bits == 0 for lay in report.layers if lay.class_name in ('Reshape', 'Transpose'))
    costed = ('HGQQuantize', 'HGQConv2D', 'Merge', 'Pooling2D', 'GlobalPooling2D', 'HGQDense')
    assert all(by_class[c] > 0 for c in costed)
    name = next(lay.name for lay in model.layers if type(lay).__name__ == 'QMultiply')  # Keras numbers names globally
    multiply = next(lay for lay in report.layers if lay.name == name)
    assert multiply.multiplies > 0 and multiply.weights == 0


def test_json_round_trip(merge_cnn):
    _, report = merge_cnn
    data = json.loads(json.dumps(report.to_dict()))
    assert CostReport.from_dict(data) == report
    assert data['total'] == json.loads(json.dumps(report.to_dict()['total']))
    assert data['total']['luts'] == sum(lay['luts'] for lay in data['layers'])


def test_io_stream_costs_equal_io_parallel(merge_cnn, tmp_path):
    """Stream-only nodes (zero padding, cloning, repacking) change neither the widths nor the counts (compared with
    io_parallel's hls4ml layers: per-output accumulators are io_parallel only)."""
    model, _ = merge_cnn
    cfg = hls4ml.utils.config_from_keras_model(model, granularity='name', backend='Vitis')
    cfg['SkipOptimizers'] = ['hgq_exact_accumulators']
    par = cost(convert(model, tmp_path / 'par', hls_config=cfg), model)
    stream = cost(convert(model, tmp_path / 'stream', io_type='io_stream'), model)
    assert {'ZeroPadding2D', 'Clone'} <= {lay.class_name for lay in stream.layers}
    assert stream.total == par.total


COSTED_CLASSES = {
    'lut_mlp': {'HGQUnaryLUT'},
    'einsum': {'EinsumDense'},  # its contraction over tokens and features (its token-wise projection is a Dense)
    'einsum2': {'Einsum'},
    'gru_last': {'HGQRecurrent'},
    'gru_tanh': {'HGQRecurrent'},
    'table_mlp': {'HGQTableSum'},
    'lif_seq': {'HGQRecurrent'},
}


@pytest.mark.parametrize('arch', list(COSTED_CLASSES))
def test_tables_einsums_and_recurrent_layers_are_modelled(arch, tmp_path):
    model = build(Case(f'cost_{arch}', arch, min_bits=1, seed=33))
    report = cost(convert(model, tmp_path / 'prj'), model)
    assert report.total.modelled
    assert COSTED_CLASSES[arch] <= {lay.class_name for lay in report.layers if lay.luts > 0}
    for lay in report.layers:
        if lay.class_name == 'Einsum':  # 'bsj,btj->bst' over 4 tokens and 3 features
            assert 0 < lay.multiplies <= 4 * 4 * 3 and lay.weights == 0
        if lay.class_name == 'HGQRecurrent' and arch == 'lif_seq':  # 8 steps of 4 units: a decay product each
            beta = np.asarray(model.get_layer(lay.name).cell.qlif_beta)
            assert lay.weights == int((beta != 0).sum()) and lay.multiplies <= 8 * 4
        if lay.class_name == 'HGQRecurrent' and arch == 'gru_last':  # 5 steps, 4 units, 3 features; reset gate before R
            cell = model.get_layer(lay.name).cell
            weights = [np.asarray(w) for w in (cell.qkernel, cell.qrecurrent_kernel)]
            assert lay.weights == sum(int((w != 0).sum()) for w in weights)
            assert lay.multiplies % 5 == 0 and 0 < lay.multiplies <= 5 * (lay.weights + 2 * 4 + 2 * 4)


@pytest.mark.parametrize('arch', ['gru_last', 'table_mlp', 'conv3d_stream'])
def test_buffered_io_stream_layers_cost_as_in_io_parallel(arch, tmp_path):
    """io_stream buffers these layers around their io_parallel logic: the same counts."""
    model = build(Case(f'cost_{arch}', arch, min_bits=1, max_bits=4, seed=33))
    buffered = ('HGQRecurrent', 'HGQTableSum', 'HGQConv3D')
    par, stream = (
        [lay for lay in cost(convert(model, tmp_path / io, io_type=io), model).layers if lay.class_name in buffered]
        for io in ('io_parallel', 'io_stream')
    )
    assert stream and all(lay.modelled and lay.luts > 0 for lay in stream)
    assert stream == par


def test_broadcasts_are_wiring_and_a_broadcast_merge_counts_every_output_element(tmp_path):
    """(2, 3, 4) times (1, 3, 1): 24 products of live elements (min_bits=1), not 3; the broadcasts cost nothing."""
    model = build(Case('cost_merge_broadcast_3d', 'merge_broadcast_3d', min_bits=1, seed=33))
    layers = {lay.name: lay for lay in cost(convert(model, tmp_path / 'prj'), model).layers}
    moved = [lay for lay in layers.values() if lay.class_name == 'HGQBroadcast']
    assert len(moved) == 3 and all(lay.modelled and lay.luts == lay.multiplies == 0 for lay in moved)
    (product,) = (lay for lay in layers.values() if lay.class_name == 'Merge' and lay.multiplies)
    assert product.multiplies == 24


def test_plot_writes_png(merge_cnn, tmp_path):
    pytest.importorskip('matplotlib')
    _, report = merge_cnn
    path = report.plot(tmp_path / 'cost.png')
    assert path.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_plot_without_matplotlib(merge_cnn, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'matplotlib.figure', None)
    _, report = merge_cnn
    with pytest.raises(ImportError, match=r'hgq-hls4ml\[plot\]'):
        report.plot(tmp_path / 'cost.png')


UPSTREAM_SCRIPT = """
import json, hls4ml, hgq_hls4ml
from tests.cost.tiny import tiny_model
assert not hgq_hls4ml.plugin_status().active
model = tiny_model()
config = hls4ml.utils.config_from_keras_model(model, granularity='name', backend='Vitis')
hm = hls4ml.converters.convert_from_keras_model(model, hls_config=config, backend='Vitis', output_dir={out!r})
print(json.dumps(hgq_hls4ml.cost(hm).to_dict()))
"""


def test_upstream_graph(tiny, tmp_path):
    """Upstream hls4ml's graph (FixedPointQuantizer nodes) of the same model gets the same constant counts; its one
    accumulator type for all outputs costs more adder bits."""
    _, ours = tiny
    env = {**os.environ, 'HGQ_HLS4ML_DISABLE': '1'}
    proc = subprocess.run(
        [sys.executable, '-c', UPSTREAM_SCRIPT.format(out=str(tmp_path / 'prj'))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    upstream = CostReport.from_dict(json.loads(proc.stdout.splitlines()[-1]))
    assert [lay.class_name for lay in upstream.layers] == ['Input', 'FixedPointQuantizer', 'Dense']
    for field in ('weights', 'weight_bits', 'multiplies', 'bops'):
        assert getattr(upstream.total, field) == getattr(ours.total, field), field
    assert upstream.total.luts == ours.total.luts + (9 - 6)  # out0's adder: upstream's 9-bit accum_t, our exact 6
