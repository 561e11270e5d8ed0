"""Bad input gets one clear error, raised before any file is written."""

import keras
import numpy as np
import pytest
from hgq.layers import (
    QGRU,
    QLIF,
    QAdd,
    QAveragePooling1D,
    QAveragePooling3D,
    QDense,
    QGlobalMaxPooling1D,
    QMultiHeadAttention,
    QSimpleRNN,
    QSimpleSNN,
    QSoftmax,
    QSum,
)

from hgq_hls4ml import convert
from hgq_hls4ml.errors import ModelInputError, OutputDirError, UnsupportedLayerError
from hgq_hls4ml.handlers.merge import broadcast_shape
from hgq_hls4ml.layers import HGQBroadcast


def _built(inp, out) -> keras.Model:
    model = keras.Model(inp, out)
    model(np.zeros((1, *inp.shape[1:]), dtype='float32'))
    return model


def _sign(v):
    return keras.ops.sign(v)


def test_every_unsupported_layer_is_listed_at_once_and_nothing_is_written(tmp_path):
    inp = keras.Input((4, 8))
    x, _ = QMultiHeadAttention(num_heads=2, key_dim=4)(inp, inp, return_attention_scores=True)  # option refused
    x = QSoftmax(axis=0)(x)  # over the batch axis
    x = keras.layers.LayerNormalization()(x)
    x = QLIF(8, return_sequences=True, spike_grad=_sign)(x)  # supported class, unsupported option
    x = QAveragePooling1D(2, data_format='channels_first')(x)  # supported class, unsupported option
    x = QGlobalMaxPooling1D(keepdims=True)(x)
    model = _built(inp, QDense(2, activation='tanh')(x))
    with pytest.raises(UnsupportedLayerError) as err:
        convert(model, tmp_path / 'prj')
    found = {(name, cls) for name, cls, _ in err.value.problems}
    classes = {cls for _, cls in found}
    assert {
        'QMultiHeadAttention',
        'QSoftmax',
        'LayerNormalization',
        'QLIF',
        'QAveragePooling1D',
        'QGlobalMaxPooling1D',
        'QDense',
    } <= classes
    message = str(err.value)
    assert 'firmware pooling is channels_last' in message and 'keepdims=True' in message
    assert "activation 'tanh'" in message
    assert 'return_attention_scores is not supported' in message and 'include the batch axis' in message
    assert "only HGQ2's atan surrogate (or surrogate_disable=True)" in message
    assert not (tmp_path / 'prj').exists()


def test_a_model_changed_after_a_conversion_is_checked_again(tmp_path):
    """The whole-model check runs once per conversion, through hls4ml's own API too: a layer made unsupported after
    a conversion that passed is refused at the next one, even where the first layer converted is unchanged."""
    import hls4ml

    inp = keras.Input((4,))
    model = _built(inp, QDense(3)(QDense(4)(inp)))
    convert(model, tmp_path / 'a')
    model.layers[-1].activation = keras.activations.tanh
    with pytest.raises(UnsupportedLayerError, match=r"\(QDense\): activation 'tanh' is computed in floating point"):
        hls4ml.converters.convert_from_keras_model(model, output_dir=str(tmp_path / 'b'), backend='Vitis')


def test_attention_mask_from_the_data_is_refused(tmp_path):
    inp, mask = keras.Input((4, 8)), keras.Input((4, 4), dtype='bool')
    model = keras.Model([inp, mask], QMultiHeadAttention(num_heads=2, key_dim=4, fuse='qkv')(inp, attention_mask=mask))
    model([np.zeros((1, 4, 8), dtype='float32'), np.ones((1, 4, 4), dtype='bool')])
    with pytest.raises(UnsupportedLayerError, match='attention_mask is not supported: it depends on the input data'):
        convert(model, tmp_path / 'prj')


def test_merge_with_broadcast_shapes_converts(tmp_path):
    """Shapes Keras broadcasts were refused once ('firmware merges need equal shapes'); now the smaller operand goes
    through an ``HGQBroadcast`` (bit-exactness: the ``merge_broadcast`` cases of ``test_layer_families``)."""
    inp = keras.Input((4,))
    a, b = QDense(4)(inp), QDense(1)(inp)
    hm = convert(_built(inp, QAdd(name='q_add')([a, b])), tmp_path / 'prj')
    (moved,) = (n for n in hm.graph.values() if isinstance(n, HGQBroadcast))
    assert moved.name == 'q_add_broadcast1' and tuple(moved.get_output_variable().shape) == (4,)
    (merge,) = (n for n in hm.graph.values() if n.class_name == 'Merge')
    assert moved.outputs[0] in merge.inputs


def test_merge_of_shapes_that_do_not_broadcast_is_an_error():
    """Keras refuses them when the model is built; the handler's own check agrees."""
    inp = keras.Input((4,))
    with pytest.raises(ValueError, match='Inputs have incompatible shapes'):
        QAdd()([QDense(4)(inp), QDense(3)(inp)])
    assert broadcast_shape([(4,), (3,)]) is None
    assert broadcast_shape([(2, 1, 4), (3, 1)]) == (2, 3, 4)


def test_reduction_over_the_batch_axis_is_refused(tmp_path):
    inp = keras.Input((4,))
    model = _built(inp, QSum(axes=(0, 1), name='q_sum')(QDense(3)(inp)))
    with pytest.raises(UnsupportedLayerError, match=r'q_sum \(QSum\): axes=\(0, 1\) include the batch axis'):
        convert(model, tmp_path / 'prj')


def test_three_input_concatenate_is_refused(tmp_path):
    inp = keras.Input((4,))
    model = _built(inp, keras.layers.Concatenate()([QDense(2)(inp), QDense(2)(inp), QDense(2)(inp)]))
    with pytest.raises(UnsupportedLayerError, match='3 inputs; firmware concatenation takes two'):
        convert(model, tmp_path / 'prj')


@pytest.mark.parametrize(
    'obj, match',
    [
        (object(), 'expected a keras.Model, got builtins.object'),
        ('model.keras', 'expected a keras.Model, got builtins.str'),
    ],
)
def test_not_a_model(obj, match, tmp_path):
    with pytest.raises(ModelInputError, match=match):
        convert(obj, tmp_path / 'prj')


def test_model_without_hgq_layers(tmp_path):
    inp = keras.Input((4,))
    model = _built(inp, keras.layers.Dense(2)(inp))
    with pytest.raises(ModelInputError, match='has no HGQ2 layer'):
        convert(model, tmp_path / 'prj')


def test_dynamic_input_shape(tmp_path):
    inp = keras.Input((None, 4))
    model = keras.Model(inp, QDense(2)(keras.layers.GlobalMaxPooling1D()(inp)))
    with pytest.raises(ModelInputError, match=r'every non-batch dimension\s+must be fixed'):
        convert(model, tmp_path / 'prj')


def test_missing_output_parent(tmp_path):
    inp = keras.Input((4,))
    model = _built(inp, QDense(2)(inp))
    with pytest.raises(OutputDirError, match='parent directory .* does not exist'):
        convert(model, tmp_path / 'missing' / 'prj')


def test_lookup_table_needs_bounded_input_and_fixed_point_output(tmp_path):
    from hgq.config import QuantizerConfig
    from hgq.layers import QUnaryFunctionLUT

    inp = keras.Input((4,))
    x = QUnaryFunctionLUT('tanh', enable_iq=False)(QDense(4)(inp))
    wide = QuantizerConfig('kif', 'datalane', i0=4, f0=14)
    x = QUnaryFunctionLUT('sigmoid', iq_conf=wide)(x)
    model = _built(inp, QUnaryFunctionLUT(keras.ops.exp, enable_oq=False)(x))
    with pytest.raises(UnsupportedLayerError) as err:
        convert(model, tmp_path / 'prj')
    message = str(err.value)
    assert 'enable_iq=False' in message and 'enable_oq=False' in message
    assert 'a table would need 2**19 entries (limit 2**16)' in message


def test_recurrent_options_without_exact_firmware_are_refused(tmp_path):
    inp, h0 = keras.Input((5, 3)), keras.Input((4,))
    a = QSimpleRNN(4, activation='tanh', return_sequences=True)(inp)
    b, _ = QGRU(4, recurrent_activation='softmax', return_state=True)(inp)
    c = QSimpleRNN(4)(a, initial_state=h0)
    with pytest.raises(UnsupportedLayerError) as err:
        convert(keras.Model([inp, h0], keras.layers.Concatenate()([c, b])), tmp_path / 'prj')
    message = str(err.value)
    assert "activation 'tanh' with enable_sq=False: its float32 output feeds the recurrent product" in message
    assert "recurrent_activation 'softmax' is not a known element-wise Keras activation" in message
    assert 'return_state=True: the firmware layer has one output' in message
    assert 'called with initial_state: the firmware starts every sequence from a zero state' in message
    one = keras.Input((5, 3), batch_size=1)
    with pytest.raises(UnsupportedLayerError, match='stateful=True: the firmware keeps no state between inputs'):
        convert(keras.Model(one, QGRU(4, stateful=True)(one)), tmp_path / 'prj')
    assert not (tmp_path / 'prj').exists()


def test_plain_rnn_around_a_keras_cell_is_refused(tmp_path):
    inp = keras.Input((5, 3))
    model = _built(inp, keras.layers.RNN(keras.layers.GRUCell(4), name='rnn')(QDense(3)(inp)))
    with pytest.raises(UnsupportedLayerError) as err:
        convert(model, tmp_path / 'prj')
    ((name, cls, reason),) = err.value.problems
    assert (name, cls) == ('rnn', 'RNN') and reason.startswith('its cell GRUCell is not one HGQ2 cell (QSimpleRNNCell')


def test_spiking_options_without_exact_firmware_are_refused(tmp_path):
    inp = keras.Input((5, 3))
    with pytest.warns(UserWarning, match='Inhibition'):
        x = QLIF(3, inhibition=True, return_sequences=True)(inp)
    model = _built(inp, QSimpleSNN(3, spike_grad=_sign)(x))
    with pytest.raises(UnsupportedLayerError) as err:
        convert(model, tmp_path / 'prj')
    assert {cls for _, cls, _ in err.value.problems} == {'QLIF', 'QSimpleSNN'}
    assert 'inhibition=True: the winner-take-all' in str(err.value) and 'spike_grad=' in str(err.value)
    assert not (tmp_path / 'prj').exists()


@pytest.mark.parametrize(
    ('options', 'what'),
    [
        ({'threshold': 0.3}, 'reset membrane'),  # float32 rounds mem - 0.3
        ({'beta': 0.75, 'enable_sq': False}, 'decayed membrane'),  # its bits grow every step
    ],
    ids=['subtract_threshold', 'decay_without_sq'],
)
def test_spiking_arithmetic_float32_rounds_is_refused(options, what, tmp_path):
    inp = keras.Input((40, 3))
    with pytest.raises(UnsupportedLayerError, match=f'the {what} of unit 0 needs .* beyond float32') as err:
        convert(_built(inp, QLIF(3, name='lif', **options)(inp)), tmp_path / 'prj')
    assert err.value.problems[0][:2] == ('lif', 'QLIF')


def test_einsum_dense_in_io_stream_with_distributed_arithmetic_is_refused(tmp_path):
    """A product over the last axis is a Dense, with hls4ml's DA kernel in io_stream too; another einsum is hls4ml's
    io_parallel kernel behind our buffered adapter, which has no DA form."""
    from hgq.layers import QEinsumDense

    inp = keras.Input((4, 6))
    model = _built(inp, QEinsumDense('bsi,sij->bj', output_shape=(5,), name='contract')(inp))
    config = {'Model': {'Strategy': 'distributed_arithmetic', 'Precision': 'fixed<-1,0>', 'ReuseFactor': 1}}
    match = r"contract \(QEinsumDense\): Strategy 'distributed_arithmetic': in io_stream an einsum product"
    with pytest.raises(UnsupportedLayerError, match=match):
        convert(model, tmp_path / 'prj', io_type='io_stream', hls_config=config)
    assert not (tmp_path / 'prj').exists()


@pytest.mark.parametrize('pool', ['QMaxPooling1D', 'QMaxPooling2D'])
def test_padded_pooling_in_io_stream_is_refused(pool, tmp_path):
    """hls4ml's stream pooling asserts zero padding (csim would abort); io_parallel pads exactly."""
    import hgq.layers

    shape = (5, 2) if pool.endswith('1D') else (5, 5, 2)
    inp = keras.Input(shape)
    model = _built(inp, getattr(hgq.layers, pool)(2, padding='same', name='pool')(inp))
    with pytest.raises(UnsupportedLayerError, match=r'pool \(Pooling[12]D\): io_stream pooling with a padded border'):
        convert(model, tmp_path / 'prj', io_type='io_stream')
    assert not (tmp_path / 'prj').exists()
    convert(model, tmp_path / 'par')


@pytest.mark.parametrize('pool', ['QMaxPooling2D', 'QAveragePooling2D', 'QAveragePooling3D'])
def test_overlapping_2d_pooling_in_io_stream_is_refused(pool, tmp_path):
    """hls4ml's 2D stream pooling asserts strides equal to the pool size (csim would abort the Python process);
    3D pooling is built from 2D poolings; io_parallel and 1D stream pooling take any stride."""
    import hgq.layers

    shape = (6, 6, 2) if pool.endswith('2D') else (4, 6, 6, 2)
    inp = keras.Input(shape)
    model = _built(inp, getattr(hgq.layers, pool)(2, strides=1, name='pool')(inp))
    with pytest.raises(UnsupportedLayerError, match=r'pool\S* \(\w*Pooling2D\): io_stream 2D pooling whose strides'):
        convert(model, tmp_path / 'prj', io_type='io_stream')
    assert not (tmp_path / 'prj').exists()
    convert(model, tmp_path / 'par')


def _stream_functions(arch: str, tmp_path) -> dict[str, str]:
    """The C++ generated for each recurrent, table, 3D convolution and softmax node (by name) of test model
    ``arch`` converted in io_stream."""
    from .models import Case, build

    hm = convert(build(Case(arch, arch, min_bits=1, max_bits=4, seed=7)), tmp_path / arch, io_type='io_stream')
    classes = ('HGQRecurrent', 'HGQTableSum', 'HGQConv3D', 'HGQSoftmax')
    nodes = [n for n in hm.graph.values() if n.class_name in classes]
    return {n.name: next(str(v) for k, v in n.attributes.items() if k.endswith('_codegen')) for n in nodes}


@pytest.mark.parametrize('arch', ['gru_seq', 'table_mlp', 'conv3d_stream', 'softmax_hetero'])
def test_io_parallel_layers_convert_in_io_stream_through_the_buffered_adapter(arch, tmp_path):
    """Recurrent, table and 3D convolution layers, and a softmax whose rows differ, are accepted in io_stream: their
    io_parallel function runs on the whole buffered tensor (bit-exactness: test_layer_families)."""
    sources = _stream_functions(arch, tmp_path)
    assert sources
    for source in sources.values():
        assert '(hls::stream<input_t> &in, hls::stream<output_t> &out' in source
        assert '_parallel<typename input_t::value_type, typename output_t::value_type>(x, y' in source


def test_softmax_with_identical_rows_streams_row_by_row(tmp_path):
    (source,) = _stream_functions('softmax', tmp_path).values()
    assert 'hls::stream<input_t> &in' in source and '_parallel' not in source


def test_softmax_options_without_exact_firmware_are_refused(tmp_path):
    from hgq.layers import QSoftmax

    inp = keras.Input((4, 6))
    model = _built(inp, QSoftmax(axis=0)(QDense(6)(inp)))  # any other axes convert (test_layer_families)
    with pytest.raises(UnsupportedLayerError, match='include the batch axis; firmware normalises within one sample'):
        convert(model, tmp_path / 'prj')


def test_unstable_softmax_on_a_wide_input_is_refused(tmp_path):
    from hgq.layers import QSoftmax

    inp = keras.Input((4, 6))
    model = _built(inp, QSoftmax(stable=False)(QDense(6)(inp)))  # an unquantized 17+ bit accumulator
    with pytest.raises(UnsupportedLayerError, match=r'exponent table reads a \d+-bit input \(limit 16 bits\)'):
        convert(model, tmp_path / 'prj')


def test_wrap_sm_without_an_exact_cast_is_refused(tmp_path):
    from hgq.config import QuantizerConfig

    inp = keras.Input((4,))
    unsigned = QuantizerConfig('kif', 'datalane', k0=False, overflow_mode='WRAP_SM', round_mode='RND')
    x = QDense(4, activation='relu')(inp)
    model = _built(inp, QDense(2, iq_conf=unsigned)(x))
    with pytest.raises(UnsupportedLayerError, match='WRAP_SM on .* unsigned or 1-bit RND_CONV element'):
        convert(model, tmp_path / 'prj')


def test_wrap_sm_on_the_model_input_takes_a_port_holding_every_float32(tmp_path):
    """No finite port narrower than float32's range keeps HGQ2's WRAP_SM result (it depends on the unwrapped
    input); the conversion says so and names the way to a narrower port."""
    from hgq.config import QuantizerConfig

    from hgq_hls4ml.errors import InputPortWarning

    inp = keras.Input((4,))
    model = _built(inp, QDense(2, iq_conf=QuantizerConfig('kif', 'datalane', overflow_mode='WRAP_SM'))(inp))
    with pytest.warns(InputPortWarning, match='holding every float32.*input_precision'):
        hm = convert(model, tmp_path / 'prj')
    port = next(iter(hm.graph.values())).get_output_variable().type.precision
    assert port.integer == 129 and port.signed


def _table_model():
    from hgq.config import QuantizerConfig
    from hgq.layers import QDenseT

    inp = keras.Input((4,))
    wide = QuantizerConfig('kif', 'datalane', i0=4, f0=12)  # 1 + 4 + 12 = 17-bit inputs
    return _built(inp, QDenseT(3, iq_conf=wide, name='wide_tables')(inp))


def test_table_layer_beyond_the_table_size_limit_is_refused(tmp_path):
    with pytest.raises(UnsupportedLayerError) as err:
        convert(_table_model(), tmp_path / 'prj')
    message = str(err.value)
    assert 'wide_tables' in message and 'QDenseT' in message
    assert 'a table would need 2**17 entries (limit 2**16)' in message and 'max_table_bits' in message
    with pytest.raises(UnsupportedLayerError, match=r'2\*\*17 entries \(limit 2\*\*12\)'):
        convert(_table_model(), tmp_path / 'prj', max_table_bits=12)
    assert not (tmp_path / 'prj').exists()


def test_table_limit_is_configurable(tmp_path):
    from hgq_hls4ml import table_limit
    from hgq_hls4ml.options import MAX_TABLE_BITS, max_table_bits

    with table_limit(17):
        assert max_table_bits() == 17
    assert max_table_bits() == MAX_TABLE_BITS
    with pytest.raises(ValueError, match='non-negative integer'):
        convert(_table_model(), tmp_path / 'prj', max_table_bits=-1)


def test_3d_average_over_odd_windows_is_refused(tmp_path):
    """3D pooling runs as two nested 2D poolings: nested averages over 3 elements would round in between."""
    inp = keras.Input((6, 6, 6, 2))
    model = _built(inp, QAveragePooling3D(3, name='avg3d')(inp))
    match = r'avg3d \(QAveragePooling3D\): 3D average over windows of 27 elements'
    with pytest.raises(UnsupportedLayerError, match=match):
        convert(model, tmp_path / 'prj')
    assert not (tmp_path / 'prj').exists()
