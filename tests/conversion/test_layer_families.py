"""Merges, pooling, padding/cropping/upsampling, tables, table layers, softmax, einsum, attention and recurrent
layers: csim equals Keras everywhere (recurrent sequences at every time step), in io_parallel and io_stream."""

import pytest

from hgq_hls4ml import convert
from hgq_hls4ml.graph import is_hgq_graph
from hgq_hls4ml.layers import HGQQuantize

from .models import Case, assert_bit_exact, build, inputs

TABLE = dict(min_bits=1, max_bits=4, seed=5)  # table layers: inputs of up to 8 bits keep the C++ small
KBI_WRAP_RND = dict(q_type='kbi', overflow='WRAP')
KBI_WRAP_TRN = dict(q_type='kbi', overflow='WRAP', round_mode='TRN')
HOM = dict(homogeneous=True)  # every quantizer folds into a type: no HGQQuantize layer is left
CASES = [
    (Case('conv3d_kif_sat_rnd', 'conv3d', min_bits=1, seed=101), 'io_parallel'),
    (Case('simple_rnn_seq_kif_sat_rnd', 'simple_rnn_seq', min_bits=1, seed=111), 'io_parallel'),
    (Case('gru_seq_kbi_wrap_trn', 'gru_seq', q_type='kbi', overflow='WRAP', round_mode='TRN', seed=113), 'io_parallel'),
    (Case('gru_tanh_kif_sat_rnd', 'gru_tanh', min_bits=1, seed=131), 'io_parallel'),
    (Case('simple_rnn_tanh_kbi_wrap_trn', 'simple_rnn_tanh', **KBI_WRAP_TRN, min_bits=1, seed=132), 'io_parallel'),
    (Case('rnn_cells_kif_sat_rnd', 'rnn_cells', min_bits=1, seed=135), 'io_parallel'),
    (Case('table_mlp_kbi_wrap_trn', 'table_mlp', **KBI_WRAP_TRN, **TABLE), 'io_parallel'),
    (Case('table_conv_kif_sat_rnd', 'table_conv', **TABLE), 'io_parallel'),
    (
        Case('reduce_axes_kbi_wrap_trn', 'reduce_axes', q_type='kbi', overflow='WRAP', round_mode='TRN', seed=102),
        'io_stream',
    ),
    # a reduction alone behind a folded quantizer: hls4ml's rewrites replace every node our handlers made
    (Case('reduce_trailing_sum_kif_sat_rnd_hom', 'reduce_trailing_sum', **HOM, seed=151), 'io_stream'),
    (Case('reduce_trailing_sum_kif_sat_rnd_hom', 'reduce_trailing_sum', **HOM, seed=151), 'io_parallel'),
    (
        Case('reduce_trailing_mean_kbi_wrap_trn_hom', 'reduce_trailing_mean', **KBI_WRAP_TRN, **HOM, seed=152),
        'io_stream',
    ),
    (
        Case('reduce_trailing_mean_kbi_wrap_trn_hom', 'reduce_trailing_mean', **KBI_WRAP_TRN, **HOM, seed=152),
        'io_parallel',
    ),
    (Case('reduce_last_keepdims_kif_sat_rnd_hom', 'reduce_last_keepdims', **HOM, seed=153), 'io_parallel'),
    (Case('dense_multidim_kif_sat_rnd_hom', 'dense_multidim', **HOM, seed=155), 'io_parallel'),
    (Case('affine_lut_kif_sat_rnd', 'affine_lut', min_bits=1, seed=91), 'io_parallel'),
    (Case('quantizer_only_kif_sat_rnd_hom', 'quantizer_only', homogeneous=True, seed=86), 'io_parallel'),
    (
        Case('quantizer_tail_kbi_wrap_trn', 'quantizer_tail', q_type='kbi', overflow='WRAP', round_mode='TRN', seed=82),
        'io_stream',
    ),
    (Case('softmax_unstable_kif_sat_rnd', 'softmax_unstable', min_bits=1, seed=58), 'io_parallel'),
    (
        Case(
            'reshaping1d_kbi_wrap_trn',
            'reshaping1d',
            q_type='kbi',
            overflow='WRAP',
            round_mode='TRN',
            min_bits=1,
            seed=72,
        ),
        'io_parallel',
    ),
    (Case('transformer_kif_sat_rnd', 'transformer', min_bits=1, seed=0), 'io_parallel'),
    (Case('einsum2_kif_sat_rnd', 'einsum2', min_bits=1, seed=61), 'io_parallel'),
    (Case('softmax_kif_sat_rnd', 'softmax', min_bits=1, seed=58), 'io_parallel'),
    (Case('softmax_axes_kif_sat_rnd', 'softmax_axes', min_bits=1, seed=59), 'io_stream'),
    (Case('softmax_all_kbi_wrap_trn', 'softmax_all', **KBI_WRAP_TRN, min_bits=1, seed=60), 'io_parallel'),
    (Case('attention_2d_kif_sat_rnd', 'attention_2d', min_bits=1, seed=61), 'io_parallel'),
    (
        Case('softmax_kbi_wrap_trn', 'softmax', q_type='kbi', overflow='WRAP', round_mode='TRN', min_bits=1, seed=52),
        'io_stream',
    ),
    (Case('einsum_kif_sat_rnd', 'einsum', min_bits=1, seed=41), 'io_parallel'),
    (Case('einsum_last_axis_kbi_wrap_trn', 'einsum_last_axis', **KBI_WRAP_TRN, min_bits=1, seed=42), 'io_stream'),
    # io_stream einsums other than last-axis products, and attention: hls4ml's kernels behind the buffered adapter
    (Case('einsum_kif_sat_rnd_stream', 'einsum', min_bits=1, seed=41), 'io_stream'),
    (Case('einsum2_kbi_wrap_trn_stream', 'einsum2', **KBI_WRAP_TRN, min_bits=1, seed=63), 'io_stream'),
    (Case('transformer_kif_sat_rnd_stream', 'transformer', min_bits=1, seed=0), 'io_stream'),
    (Case('attention_2d_kif_sat_rnd_stream', 'attention_2d', min_bits=1, seed=61), 'io_stream'),
    (
        Case('merge_mlp_kif_satsym_rndconv', 'merge_mlp', overflow='SAT_SYM', round_mode='RND_CONV', seed=23),
        'io_parallel',
    ),
    # broadcasting merges: the broadcast operand is wired (io_parallel) or held while the other streams by
    (Case('merge_broadcast_kif_sat_rnd', 'merge_broadcast', min_bits=1, seed=161), 'io_parallel'),
    (Case('merge_broadcast_kbi_wrap_trn', 'merge_broadcast', **KBI_WRAP_TRN, min_bits=1, seed=162), 'io_stream'),
    (
        Case('merge_broadcast_3d_kbi_wrap_rnd', 'merge_broadcast_3d', **KBI_WRAP_RND, min_bits=1, seed=163),
        'io_parallel',
    ),
    (Case('merge_broadcast_3d_kif_sat_rnd', 'merge_broadcast_3d', min_bits=1, seed=164), 'io_stream'),
    (Case('pool1d_kbi_wrap_rnd', 'pool1d', q_type='kbi', overflow='WRAP', min_bits=1, seed=24), 'io_parallel'),
    (Case('pool1d_kif_sat_rnd', 'pool1d', min_bits=1, seed=25), 'io_stream'),
    (
        Case('avgpool_same_kbi_wrap_rnd', 'avgpool_same', q_type='kbi', overflow='WRAP', min_bits=1, seed=26),
        'io_parallel',
    ),
    (
        Case('avgpool_odd_kbi_wrap_rnd', 'avgpool_odd', q_type='kbi', overflow='WRAP', min_bits=1, seed=27),
        'io_parallel',
    ),
    (Case('avgpool3_kif_sat_rnd', 'avgpool3', min_bits=1, seed=28), 'io_stream'),
    (Case('lut_mlp_kif_sat_rnd', 'lut_mlp', min_bits=1, seed=31), 'io_parallel'),
    # io_stream through the buffered stream adapter (recurrent, table sums, 3D convolutions, heterogeneous softmax)
    (Case('gru_seq_kif_sat_rnd_stream', 'gru_seq', min_bits=1, seed=141), 'io_stream'),
    (Case('table_mlp_kbi_wrap_trn_stream', 'table_mlp', **KBI_WRAP_TRN, **TABLE), 'io_stream'),
    (Case('softmax_hetero_kif_sat_rnd', 'softmax_hetero', min_bits=1, seed=143), 'io_stream'),
    (
        Case(
            'lut_conv1d_kbi_wrap_trn',
            'lut_conv1d',
            q_type='kbi',
            overflow='WRAP',
            round_mode='TRN',
            min_bits=1,
            seed=32,
        ),
        'io_stream',
    ),
]
SLOW_CASES = [
    (Case('linformer_kif_sat_rnd_stream', 'linformer', min_bits=1, seed=0), 'io_stream'),
    (
        Case('transformer_causal_kbi_wrap_trn_stream', 'transformer_causal', **KBI_WRAP_TRN, min_bits=1, seed=122),
        'io_stream',
    ),
    (Case('transformer_kv_kif_sat_rnd_stream', 'transformer_kv', min_bits=1, seed=126), 'io_stream'),
    (Case('transformer_qkv_kif_sat_rnd_stream', 'transformer_qkv', min_bits=1, seed=123), 'io_stream'),
    (Case('table_attention_kif_sat_rnd_stream', 'table_attention', **TABLE), 'io_stream'),
    (Case('table_einsum_kif_sat_rnd_stream', 'table_einsum', **TABLE), 'io_stream'),
    (
        Case(
            'simple_rnn_last_kbi_wrap_trn', 'simple_rnn_last', q_type='kbi', overflow='WRAP', round_mode='TRN', seed=112
        ),
        'io_parallel',
    ),
    (Case('table_einsum_kif_sat_rnd', 'table_einsum', **TABLE), 'io_parallel'),
    (Case('table_attention_kif_sat_rnd', 'table_attention', **TABLE), 'io_parallel'),
    (Case('reduce_last_kif_sat_rnd', 'reduce_last', min_bits=1, seed=101), 'io_parallel'),
    (Case('reshaping2d_kif_sat_rnd', 'reshaping2d', min_bits=1, seed=71), 'io_stream'),
    (Case('linformer_kif_sat_rnd', 'linformer', min_bits=1, seed=0), 'io_parallel'),
    (Case('transformer_causal_kif_sat_rnd', 'transformer_causal', min_bits=1, seed=121), 'io_parallel'),
    (
        Case(
            'transformer_kv_kbi_wrap_trn',
            'transformer_kv',
            q_type='kbi',
            overflow='WRAP',
            round_mode='TRN',
            min_bits=1,
            seed=122,
        ),
        'io_parallel',
    ),
    (Case('conv3d_stream_kif_sat_rnd', 'conv3d_stream', min_bits=1, seed=142), 'io_stream'),
    (Case('merge_cnn_kif_wrap_rnd', 'merge_cnn', overflow='WRAP', min_bits=1, seed=21), 'io_parallel'),
    (
        Case('merge_mlp_kif_satsym_rndconv_stream', 'merge_mlp', overflow='SAT_SYM', round_mode='RND_CONV', seed=23),
        'io_stream',
    ),
    (Case('merge_cnn_kbi_sat_trn', 'merge_cnn', q_type='kbi', round_mode='TRN', min_bits=1, seed=22), 'io_stream'),
    (Case('gru_last_kif_sat_rnd', 'gru_last', min_bits=1, seed=114), 'io_parallel'),
    (
        Case('conv3d_kbi_wrap_trn', 'conv3d', q_type='kbi', overflow='WRAP', round_mode='TRN', min_bits=1, seed=102),
        'io_parallel',
    ),
    (Case('conv3d_kif_satsym_rndconv', 'conv3d', overflow='SAT_SYM', round_mode='RND_CONV', seed=103), 'io_parallel'),
    (
        Case(
            'simple_rnn_seq_kbi_wrap_trn', 'simple_rnn_seq', q_type='kbi', overflow='WRAP', round_mode='TRN', seed=115
        ),
        'io_parallel',
    ),
    (Case('simple_rnn_last_kif_sat_rnd', 'simple_rnn_last', min_bits=1, seed=116), 'io_parallel'),
    (Case('gru_tanh_kbi_wrap_trn', 'gru_tanh', **KBI_WRAP_TRN, min_bits=1, seed=133), 'io_parallel'),
    (Case('simple_rnn_tanh_kif_sat_rnd', 'simple_rnn_tanh', min_bits=1, seed=134), 'io_parallel'),
    (Case('gru_seq_kif_satsym_rndconv', 'gru_seq', overflow='SAT_SYM', round_mode='RND_CONV', seed=117), 'io_parallel'),
    (
        Case('gru_last_kbi_wrap_rndinf', 'gru_last', q_type='kbi', overflow='WRAP', round_mode='RND_INF', seed=118),
        'io_parallel',
    ),
    (Case('table_mlp_kif_sat_rnd', 'table_mlp', **TABLE), 'io_parallel'),
    (
        Case('table_mlp_kif_satsym_rndconv', 'table_mlp', overflow='SAT_SYM', round_mode='RND_CONV', **TABLE),
        'io_parallel',
    ),
    (Case('table_conv_kbi_wrap_trn', 'table_conv', **KBI_WRAP_TRN, **TABLE), 'io_parallel'),
    (Case('table_einsum_kbi_wrap_trn', 'table_einsum', **KBI_WRAP_TRN, **TABLE), 'io_parallel'),
    (Case('table_attention_kbi_wrap_trn', 'table_attention', **KBI_WRAP_TRN, **TABLE), 'io_parallel'),
    (
        Case('reduce_last_kbi_wrap_trn', 'reduce_last', q_type='kbi', overflow='WRAP', round_mode='TRN', seed=103),
        'io_stream',
    ),
    (Case('reduce_last_keepdims_kif_sat_rnd_hom', 'reduce_last_keepdims', **HOM, seed=153), 'io_stream'),
    (Case('reduce_last_mean_kif_sat_rnd_hom', 'reduce_last_mean', **HOM, seed=154), 'io_stream'),
    (Case('reduce_last_mean_kif_sat_rnd_hom', 'reduce_last_mean', **HOM, seed=154), 'io_parallel'),
    (Case('dense_multidim_kbi_wrap_trn_hom', 'dense_multidim', **KBI_WRAP_TRN, **HOM, seed=156), 'io_stream'),
    (Case('reduce_axes_kif_sat_rnd', 'reduce_axes', min_bits=1, seed=104), 'io_parallel'),
    (
        Case('reduce_axes_kif_satsym_rndconv', 'reduce_axes', overflow='SAT_SYM', round_mode='RND_CONV', seed=105),
        'io_parallel',
    ),
    (Case('reduce_scalar_kif_wrap_rnd', 'reduce_scalar', overflow='WRAP', min_bits=1, seed=106), 'io_parallel'),
    (
        Case('reduce_scalar_kbi_sat_trn', 'reduce_scalar', q_type='kbi', round_mode='TRN', min_bits=1, seed=107),
        'io_stream',
    ),
    (
        Case('affine_kbi_wrap_trn', 'affine_lut', q_type='kbi', overflow='WRAP', round_mode='TRN', min_bits=1, seed=93),
        'io_stream',
    ),
    (
        Case('affine_lut_kif_satsym_rndinf', 'affine_lut', overflow='SAT_SYM', round_mode='RND_INF', seed=96),
        'io_parallel',
    ),
    (
        Case('quantizer_only_kbi_wrap_trn', 'quantizer_only', q_type='kbi', overflow='WRAP', round_mode='TRN', seed=83),
        'io_stream',
    ),
    (
        Case('quantizer_only_kif_satsym_rndconv', 'quantizer_only', overflow='SAT_SYM', round_mode='RND_CONV', seed=84),
        'io_parallel',
    ),
    (Case('quantizer_tail_kif_sat_rnd_hom', 'quantizer_tail', homogeneous=True, seed=85), 'io_parallel'),
    (
        Case(
            'transformer_kbi_wrap_rndconv', 'transformer', q_type='kbi', overflow='WRAP', round_mode='RND_CONV', seed=62
        ),
        'io_parallel',
    ),
    (Case('transformer_qkv_kif_sat_rnd', 'transformer_qkv', min_bits=1, seed=123), 'io_parallel'),
    (
        Case(
            'transformer_qkv_kbi_wrap_trn',
            'transformer_qkv',
            q_type='kbi',
            overflow='WRAP',
            round_mode='TRN',
            min_bits=1,
            seed=124,
        ),
        'io_parallel',
    ),
    (
        Case(
            'transformer_causal_kbi_wrap_trn',
            'transformer_causal',
            q_type='kbi',
            overflow='WRAP',
            round_mode='TRN',
            min_bits=1,
            seed=125,
        ),
        'io_parallel',
    ),
    (Case('transformer_kv_kif_sat_rnd', 'transformer_kv', min_bits=1, seed=126), 'io_parallel'),
    (Case('transformer_window_kif_sat_rnd', 'transformer_window', min_bits=1, seed=129), 'io_parallel'),
    (
        Case(
            'transformer_window_kbi_wrap_trn',
            'transformer_window',
            q_type='kbi',
            overflow='WRAP',
            round_mode='TRN',
            min_bits=1,
            seed=128,
        ),
        'io_parallel',
    ),
    (Case('einsum_kbi_wrap_trn', 'einsum', q_type='kbi', overflow='WRAP', round_mode='TRN', seed=42), 'io_parallel'),
    (Case('merge_cnn_kif_sat_rnd_stream', 'merge_cnn', min_bits=1, seed=26), 'io_stream'),
    (
        Case('merge_cnn_kbi_wrap_trnzero', 'merge_cnn', q_type='kbi', overflow='WRAP', round_mode='TRN_ZERO', seed=30),
        'io_parallel',
    ),
    (
        Case('merge_mlp_kbi_wrap_rndinf', 'merge_mlp', q_type='kbi', overflow='WRAP', round_mode='RND_INF', seed=28),
        'io_parallel',
    ),
    (Case('lut_mlp_kif_satsym_rndzero', 'lut_mlp', overflow='SAT_SYM', round_mode='RND_ZERO', seed=33), 'io_parallel'),
    (Case('lut_conv1d_kif_sat_rnd', 'lut_conv1d', min_bits=1, seed=34), 'io_parallel'),
    (
        Case('simple_rnn_last_kbi_wrap_trn_stream', 'simple_rnn_last', **KBI_WRAP_TRN, seed=144),
        'io_stream',
    ),
    (
        Case('gru_last_kif_satsym_rndconv_stream', 'gru_last', overflow='SAT_SYM', round_mode='RND_CONV', seed=145),
        'io_stream',
    ),
    (Case('lif_last_kif_sat_rnd_stream', 'lif_last', min_bits=1, seed=136), 'io_stream'),
    (Case('snn_last_kbi_wrap_trn_stream', 'snn_last', min_bits=1, seed=149, **KBI_WRAP_TRN), 'io_stream'),
    (Case('table_conv_kif_sat_rnd_stream', 'table_conv', **TABLE), 'io_stream'),
    (Case('table_einsum_kbi_wrap_trn_stream', 'table_einsum', **KBI_WRAP_TRN, **TABLE), 'io_stream'),
    (Case('conv3d_stream_kbi_wrap_trn', 'conv3d_stream', **KBI_WRAP_TRN, min_bits=1, seed=146), 'io_stream'),
    (Case('softmax_hetero_kbi_wrap_trn', 'softmax_hetero', **KBI_WRAP_TRN, min_bits=1, seed=147), 'io_stream'),
    (Case('gru_tanh_kif_sat_rnd_stream', 'gru_tanh', min_bits=1, seed=137), 'io_stream'),
]


def _ids(param) -> str:
    case, io_type = param
    return f'{case.name}-{io_type}'


@pytest.mark.parametrize('param', CASES, ids=_ids)
def test_bit_exact(param, tmp_path):
    case, io_type = param
    model = build(case)
    assert_bit_exact(model, inputs(model, n=300), tmp_path / 'prj', io_type)


@pytest.mark.slow
@pytest.mark.parametrize('param', SLOW_CASES, ids=_ids)
def test_bit_exact_slow(param, tmp_path):
    case, io_type = param
    model = build(case)
    assert_bit_exact(model, inputs(model, n=300), tmp_path / 'prj', io_type)


@pytest.mark.parametrize(
    ('arch', 'io_type'),
    [('reduce_trailing_sum', 'io_stream'), ('reduce_last_keepdims', 'io_parallel'), ('dense_multidim', 'io_stream')],
)
def test_types_are_exact_when_hls4ml_replaced_every_node_we_made(arch, io_type, tmp_path):
    """hls4ml's rewrites drop our ``hgq_source_layer`` tags; the graph still gets our types (it once kept
    hls4ml's default ``ap_fixed<16,6>`` everywhere, and csim differed from Keras on almost every output)."""
    model = build(Case(arch, arch, **HOM, seed=151))
    hm = convert(model, tmp_path / 'prj', io_type=io_type)
    nodes = list(hm.graph.values())
    assert not any(isinstance(n, HGQQuantize) or n.get_attr('hgq_source_layer') for n in nodes), 'no tag is left'
    assert is_hgq_graph(hm)
    (port,) = (n for n in nodes if n.class_name == 'Input')
    k, i, f, _, _ = port.get_attr('hgq_fused_quantizer')
    p = port.get_output_variable().type.precision
    assert (p.width, p.integer, p.signed) == (k + i + f, k + i, bool(k))
