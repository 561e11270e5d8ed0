"""Seeded HGQ2 test models with randomised heterogeneous bit-widths (including zero-bit weights)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import keras
import numpy as np
from hgq.config import QuantizerConfig, QuantizerConfigScope
from hgq.layers import (
    QGRU,
    QLIF,
    QAdd,
    QAffinedUnaryFunctionLUT,
    QAveragePooling1D,
    QAveragePooling2D,
    QAveragePooling3D,
    QAveragePow2,
    QBatchNormalization,
    QConv1D,
    QConv2D,
    QConv3D,
    QConvT1D,
    QConvT2D,
    QDense,
    QDenseT,
    QDot,
    QEinsum,
    QEinsumDense,
    QEinsumDenseBatchnorm,
    QEinsumDenseT,
    QGlobalAveragePooling1D,
    QGlobalAveragePooling2D,
    QGlobalAveragePooling3D,
    QGlobalMaxPooling1D,
    QGlobalMaxPooling2D,
    QGlobalMaxPooling3D,
    QLinformerAttention,
    QLinformerAttentionT,
    QMaximum,
    QMaxPooling1D,
    QMaxPooling2D,
    QMaxPooling3D,
    QMeanPow2,
    QMinimum,
    QMultiHeadAttention,
    QMultiHeadAttentionT,
    QMultiply,
    QSimpleRNN,
    QSimpleSNN,
    QSoftmax,
    QSubtract,
    QSum,
    QUnaryFunctionLUT,
)
from hgq.layers.rnn.gru import QGRUCell
from hgq.layers.snn import QLIFCell
from hgq.quantizer import Quantizer


@dataclass(frozen=True)
class Case:
    """One model family and its quantizer settings."""

    name: str
    arch: str
    q_type: str = 'kif'
    overflow: str = 'SAT'
    round_mode: str = 'RND'
    max_bits: int = 6
    min_bits: int = 0
    homogeneous: bool = False
    seed: int = 0


def _trunk(arch: str):
    if arch == 'mlp':
        inp = keras.Input((10,))
        x = QDense(12, activation='relu')(inp)
        x = QDense(8)(x)
        return inp, QDense(3)(x)
    if arch == 'mlp_bn':
        inp = keras.Input((8,))
        x = QDense(10)(inp)
        x = QBatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        return inp, QDense(4)(x)
    if arch == 'inner_quantizers':  # SAT quantizer on the input, the scope's modes on every later quantizer
        inp = keras.Input((8,))
        x = Quantizer(QuantizerConfig('kif', 'datalane', overflow_mode='SAT', round_mode='RND'))(inp)
        x = QDense(10, enable_iq=False, activation='relu')(x)
        return inp, QDense(3)(QDense(6)(x))
    if arch == 'quantizer_mlp':
        inp = keras.Input((6,))
        x = Quantizer()(inp)
        x = QDense(5, enable_iq=False, activation='relu')(x)
        return inp, QDense(2)(x)
    if arch == 'quantizer_only':  # a model of one standalone heterogeneous quantizer
        inp = keras.Input((3, 4))
        return inp, Quantizer()(inp)
    if arch == 'quantizer_tail':  # a quantizer after a reshape, as the model output
        inp = keras.Input((6,))
        x = keras.layers.Reshape((2, 3))(QDense(6)(Quantizer()(inp)))
        return inp, Quantizer()(x)
    if arch == 'conv1d':
        inp = keras.Input((12, 2))
        x = QConv1D(3, 3, activation='relu')(inp)
        x = keras.layers.Flatten()(x)
        return inp, QDense(4)(x)
    if arch == 'conv2d':
        inp = keras.Input((6, 6, 2))
        x = QConv2D(3, 3, activation='relu', padding='same')(inp)
        x = QConv2D(2, 2, strides=2)(x)
        x = keras.layers.Reshape((-1,))(x)
        return inp, QDense(3)(x)
    if arch.startswith('conv2d_size'):  # one 'same' convolution, the input size in the name (generated code size)
        n = int(arch.removeprefix('conv2d_size'))
        inp = keras.Input((n, n, 2))
        x = QConv2D(3, 3, padding='same')(inp)
        return inp, QDense(2)(keras.layers.Flatten()(x))
    if arch == 'conv3d':  # our 3D convolution; 3D poolings as hls4ml 2D/global 1D poolings
        inp = keras.Input((4, 5, 5, 2))
        x = QConv3D(3, (2, 3, 3), activation='relu', padding='same')(inp)
        a = QMaxPooling3D(2, padding='same')(x)
        a = QConv3D(4, 2, strides=(1, 2, 1))(a)
        b = QAveragePooling3D(2, strides=(2, 1, 2))(x)
        x = keras.layers.Concatenate()([QGlobalMaxPooling3D()(a), QGlobalAveragePooling3D()(b)])
        return inp, QDense(3)(x)
    if arch == 'conv3d_stream':  # our 3D convolutions alone (io_stream pooling has no padding)
        inp = keras.Input((3, 4, 4, 2))
        x = QConv3D(3, (2, 3, 3), activation='relu', padding='same')(inp)
        x = QConv3D(2, 2, strides=(1, 2, 2))(x)
        return inp, QDense(3)(keras.layers.Flatten()(x))
    if arch == 'wide':  # 16+ bit input quantizer, 1-2 bit weights, small fan-in: exact in float32 too
        inp = keras.Input((4,))
        return inp, QDense(3)(inp)
    if arch == 'merge_cnn':  # residual add, max/avg pooling, multiply/maximum, global pools, concatenate
        inp = keras.Input((8, 8, 2))
        a = QConv2D(4, 3, padding='same', activation='relu')(inp)
        x = QAdd()([a, QConv2D(4, 1)(inp)])
        x = QMaxPooling2D(2, padding='same')(x)
        y = QAveragePooling2D(2)(x)
        z = QMultiply()([QConv2D(2, 1)(y), QConv2D(2, 1)(y)])
        w = QMaximum()([z, QConv2D(2, 1)(y)])
        c = keras.layers.Concatenate()([QGlobalAveragePooling2D()(w), QGlobalMaxPooling2D()(w)])
        return inp, QDense(3)(c)
    if arch == 'merge_mlp':  # subtract, minimum, 3-input average, dot
        inp = keras.Input((6,))
        a, b, c = (QDense(4)(inp) for _ in range(3))
        d = QSubtract()([a, b])
        e = QAveragePow2()([d, b, c])
        f = QMinimum()([e, d])
        dot = QDot()([QDense(4)(f), QDense(4)(f)])
        return inp, keras.layers.Concatenate()([QDense(2)(f), dot])
    if arch == 'merge_broadcast':  # Keras broadcasting: (16, 8) with (1, 8), (8,) and (16, 1), both operand orders
        inp = keras.Input((16, 8))
        a = QDense(8)(inp)
        s = QAveragePooling1D(16)(a)  # (1, 8): a summary added back, as in particle-flow taggers
        x = QAdd()([a, s])
        x = QSubtract()([s, x])
        c = QDense(1)(x)  # (16, 1)
        v = QDense(8)(QGlobalAveragePooling1D()(x))  # (8,): one rank fewer
        y = QMinimum()([c, v])  # both operands broadcast, to (16, 8)
        z = QAveragePow2()([s, v, x])  # (1, 8) + (8,) stays (1, 8) until x broadcasts it
        return inp, QAdd()([y, z])
    if arch == 'merge_broadcast_3d':  # (2, 3, 4) with (1, 3, 1) (two axes broadcast) and with (4,) (two ranks fewer)
        inp = keras.Input((2, 3, 4))
        x = QDense(4)(inp)
        t = QSum(axes=(1, 3), keepdims=True)(x)  # (1, 3, 1)
        y = QMultiply()([x, t])
        z = QMaximum()([t, y])
        v = QDense(4)(keras.layers.Flatten()(z))  # (4,)
        return inp, QSubtract()([v, z])
    if arch == 'pool1d':
        inp = keras.Input((20, 3))
        x = QConv1D(4, 3, activation='relu')(inp)
        x = QMaxPooling1D(3, strides=2)(x)
        x = QAveragePooling1D(2)(x)
        c = keras.layers.Concatenate()([QGlobalMaxPooling1D()(x), QGlobalAveragePooling1D()(x)])
        return inp, QDense(3)(c)
    if arch == 'avgpool_same':  # padded borders whose windows still average a power-of-two number of elements
        inp = keras.Input((5, 8, 3))
        x = QAveragePooling2D((2, 4), strides=(2, 4), padding='same')(inp)
        return inp, QAveragePooling1D(2, strides=3, padding='same')(keras.layers.Reshape((6, 3))(x))
    if arch == 'avgpool_odd':  # padded windows of 2, 3, 6 and 8 elements, each read by a quantizer
        inp = keras.Input((5, 8, 3))
        x = QAveragePooling2D((2, 4), strides=(3, 2), padding='same')(inp)
        x = QDense(4)(keras.layers.Reshape((8, 3))(x))
        return inp, QDense(3)(QAveragePooling1D(3, strides=2, padding='same')(x))
    if arch == 'avgpool_border3':  # HGQ2's own test model: border windows of 3 elements, the quotient the output
        inp = keras.Input((5, 8))
        return inp, QAveragePooling1D(4, strides=3, padding='same')(inp)
    if arch == 'avgpool3':  # valid windows of 3 and a global average over 3 positions
        inp = keras.Input((9, 3))
        x = QAveragePooling1D(3)(inp)
        return inp, QDense(2)(keras.layers.Concatenate()([QGlobalAveragePooling1D()(x), keras.layers.Flatten()(x)]))
    if arch == 'lut_mlp':  # tables on the model input and between dense layers
        inp = keras.Input((6,))
        x = QDense(8)(QUnaryFunctionLUT('tanh')(inp))
        return inp, QDense(3)(QUnaryFunctionLUT('sigmoid')(x))
    if arch == 'lut_conv1d':
        inp = keras.Input((8, 3))
        x = QConv1D(4, 3)(QUnaryFunctionLUT('tanh')(inp))
        x = QUnaryFunctionLUT(keras.ops.exp)(x)
        return inp, QDense(3)(keras.layers.Flatten()(x))
    if arch == 'affine_lut':  # tables of x * scale + bias on the model input and as the model output
        inp = keras.Input((2, 4))
        x = QDense(4)(QAffinedUnaryFunctionLUT('tanh')(inp))
        return inp, QAffinedUnaryFunctionLUT(keras.ops.exp)(x)
    if arch == 'reduce_last':  # sums and a mean over the last axis, keepdims both ways
        inp = keras.Input((3, 8))
        x = QDense(6)(inp)
        a = QSum(axes=-1, scale=0.5, keepdims=True)(x)
        return inp, keras.layers.Concatenate()([keras.layers.Flatten()(a), QMeanPow2(axes=-1)(x)])
    if arch == 'reduce_axes':  # reductions over a leading axis, over non-adjacent axes and over every axis
        inp = keras.Input((4, 3, 5))
        a = keras.layers.Flatten()(QSum(axes=1, keepdims=True)(inp))
        b = QMeanPow2(axes=(1, 3))(inp)
        c = keras.layers.Flatten()(QSum(axes=(1, 2, 3), keepdims=True)(inp))
        return inp, keras.layers.Concatenate()([keras.layers.Concatenate()([a, b]), c])
    if arch == 'reduce_scalar':  # a mean over every axis without keepdims: one value per sample
        inp = keras.Input((3, 4))
        return inp, QMeanPow2(axes=(1, 2))(inp)
    # Alone in a model with a folded (homogeneous) input quantizer, a reduction over trailing axes leaves no node
    # our handlers made: hls4ml turns its Dense into a convolution and, in io_stream, its reshapes into repacks
    if arch == 'reduce_trailing_sum':
        inp = keras.Input((2, 3, 4))
        return inp, QSum(axes=(-2, -1))(inp)
    if arch == 'reduce_trailing_mean':
        inp = keras.Input((2, 3, 4))
        return inp, QMeanPow2(axes=(-2, -1))(inp)
    if arch == 'reduce_last_mean':
        inp = keras.Input((2, 3, 4))
        return inp, QMeanPow2(axes=-1)(inp)
    if arch == 'reduce_last_keepdims':  # no reshape at all, in io_parallel too
        inp = keras.Input((3, 4))
        return inp, QSum(axes=-1, keepdims=True)(inp)
    if arch == 'dense_multidim':  # the same for one QDense on a (rows, features) input
        inp = keras.Input((3, 4))
        return inp, QDense(5)(inp)
    if arch == 'einsum':  # token-wise projection, then a contraction over tokens and features
        inp = keras.Input((4, 6))
        x = QEinsumDense('bsi,ij->bsj', output_shape=(4, 5), bias_axes='j', activation='relu')(inp)
        x = QEinsumDense('bsj,sjk->bk', output_shape=(3,), bias_axes='k')(x)
        return inp, QDense(2)(x)
    if arch == 'einsum_last_axis':  # per-token products over the last axis, batch-normalised: Dense in io_stream too
        inp = keras.Input((6, 3))
        x = QEinsumDenseBatchnorm('bnc,cC->bnC', output_shape=(6, 8), bias_axes='C', activation='relu')(inp)
        x = QEinsumDense('bnc,cC->bnC', output_shape=(6, 4))(x)
        return inp, QEinsumDense('bc,cC->bC', output_shape=4, bias_axes='C')(keras.layers.Flatten()(x))
    if arch == 'softmax_axes':  # softmax over a middle axis, and over two non-adjacent axes without stability
        inp = keras.Input((3, 4, 5))
        a = QSoftmax(axis=1, enable_iq=True)(inp)
        b = QSoftmax(axis=(1, 3), stable=False, enable_iq=True)(inp)
        return inp, keras.layers.Concatenate()([a, b])
    if arch == 'softmax_all':  # one softmax over every axis of a (4, 4) input
        inp = keras.Input((4, 4))
        return inp, QSoftmax(axis=(-2, -1), enable_iq=True)(inp)
    if arch == 'attention_2d':  # attention over two sequence axes: the softmax normalises a 2D window of keys
        q, k, v = keras.Input((2, 4, 8)), keras.Input((2, 4, 9)), keras.Input((2, 4, 10))
        return [q, k, v], QMultiHeadAttention(num_heads=1, key_dim=8)(q, k, v)
    if arch == 'softmax_unstable':  # stable=False: the exponent table reads the (quantized) input directly
        inp = keras.Input((3, 6))
        x = QSoftmax(stable=False)(Quantizer()(QDense(5)(inp)))
        return inp, QDense(2)(keras.layers.Flatten()(x))
    if arch == 'softmax_hetero':  # every row its own exponent and inverse tables (io_stream buffers the tensor)
        inp = keras.Input((3, 6))
        x = QSoftmax(allow_heterogeneous_table=True)(QDense(5)(inp))
        return inp, QDense(2)(keras.layers.Flatten()(x))
    if arch == 'softmax':  # row-wise softmax over token features (HGQ2's exponent and inverse tables)
        inp = keras.Input((3, 6))
        x = QSoftmax()(QDense(5)(inp))
        return inp, QDense(2)(keras.layers.Flatten()(x))
    if arch == 'transformer':  # embedding, 2-head attention with softmax, residual add, pooling, dense head
        inp = keras.Input((4, 6))
        x = QEinsumDense('bsi,ij->bsj', output_shape=(4, 8), bias_axes='j')(inp)
        x = QAdd()([x, QMultiHeadAttention(num_heads=2, key_dim=4)(x, x)])
        return inp, QDense(3)(QGlobalAveragePooling1D()(x))
    if arch == 'transformer_qkv':  # fused self-attention: one input quantizer shared by the Q, K and V projections
        inp = keras.Input((4, 6))
        x = QEinsumDense('bsi,ij->bsj', output_shape=(4, 8), bias_axes='j')(inp)
        x = QAdd()([x, QMultiHeadAttention(num_heads=2, key_dim=4, fuse='qkv')(x)])
        return inp, QDense(3)(QGlobalAveragePooling1D()(x))
    if arch == 'transformer_causal':  # fused self-attention with a causal mask (stable softmax over the past only)
        inp = keras.Input((5, 6))
        x = QEinsumDense('bsi,ij->bsj', output_shape=(5, 8), bias_axes='j')(inp)
        x = QAdd()([x, QMultiHeadAttention(num_heads=2, key_dim=4, fuse='qkv')(x, use_causal_mask=True)])
        return inp, QDense(3)(keras.layers.Flatten()(x))
    if arch == 'transformer_kv':  # cross-attention: queries from the first tokens, fused keys/values from all
        inp = keras.Input((5, 6))
        x = QEinsumDense('bsi,ij->bsj', output_shape=(5, 8), bias_axes='j')(inp)
        q = keras.layers.Cropping1D((0, 1))(x)
        x = QAdd()([q, QMultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, fuse='kv')(q, x)])
        return inp, QDense(3)(QGlobalAveragePooling1D()(x))
    if arch == 'transformer_window':  # fused keys/values, causal and sliding-window masks on a 4 x 6 score matrix
        inp = keras.Input((6, 6))
        x = QEinsumDense('bsi,ij->bsj', output_shape=(6, 8), bias_axes='j')(inp)
        q = keras.layers.Cropping1D((1, 1))(x)
        mha = QMultiHeadAttention(num_heads=2, key_dim=3, fuse='kv', sliding_window=3)
        return inp, QDense(3)(keras.layers.Flatten()(mha(q, x, use_causal_mask=True)))
    if arch == 'einsum2':  # a bilinear einsum of two projections
        inp = keras.Input((4, 6))
        a = QEinsumDense('bsi,ij->bsj', output_shape=(4, 3))(inp)
        b = QEinsumDense('bsi,ij->bsj', output_shape=(4, 3))(inp)
        x = QEinsum('bsj,btj->bst')([a, b])
        return inp, QDense(2)(keras.layers.Flatten()(x))
    if arch == 'linformer':  # batch-normalised einsum embedding, Linformer attention (projected keys and values)
        inp = keras.Input((8, 6))
        x = QEinsumDenseBatchnorm('bsi,ij->bsj', output_shape=(8, 8), bias_axes='j')(inp)
        x = QAdd()([x, QLinformerAttention(num_heads=2, key_dim=4, lin_kv_proj_dim=4)(x, x)])
        return inp, QDense(3)(QGlobalAveragePooling1D()(x))
    if arch == 'reshaping2d':  # zero padding, cropping and nearest upsampling between convolutions
        inp = keras.Input((6, 6, 2))
        x = keras.layers.ZeroPadding2D(((1, 0), (0, 1)))(QConv2D(3, 3)(inp))
        x = keras.layers.UpSampling2D(2)(keras.layers.Cropping2D(((0, 1), (1, 0)))(x))
        return inp, QDense(2)(keras.layers.Flatten()(QConv2D(2, 3, strides=2)(x)))
    if arch == 'reshaping1d':
        inp = keras.Input((10, 2))
        x = keras.layers.ZeroPadding1D((2, 1))(QConv1D(3, 3)(inp))
        x = keras.layers.UpSampling1D(2)(keras.layers.Cropping1D((1, 2))(x))
        return inp, QDense(2)(keras.layers.Flatten()(x))
    if arch == 'simple_rnn_seq':  # every time step is a model output; the state quantizer is on
        inp = keras.Input((6, 3))
        return inp, QSimpleRNN(5, return_sequences=True, enable_sq=True)(inp)
    if arch == 'simple_rnn_last':  # stacked: a relu sequence, then the last state of a reversed pass
        inp = keras.Input((5, 3))
        x = QSimpleRNN(4, return_sequences=True, activation='relu')(inp)
        return inp, QDense(3)(QSimpleRNN(4, go_backwards=True, use_bias=False)(x))
    if arch == 'gru_seq':  # reset gate after the recurrent product (Keras default); every time step an output
        inp = keras.Input((6, 3))
        return inp, QGRU(4, return_sequences=True)(inp)
    if arch == 'gru_last':  # reset gate before the recurrent product, reversed, last state only
        inp = keras.Input((5, 3))
        return inp, QDense(3)(QGRU(4, reset_after=False, go_backwards=True)(inp))
    if arch == 'gru_tanh':  # Keras's float tanh and sigmoid inside the cell, exact by tables; every step an output
        inp = keras.Input((5, 3))
        return inp, QGRU(4, activation='tanh', recurrent_activation='sigmoid', return_sequences=True)(inp)
    if arch == 'simple_rnn_tanh':  # float tanh after the pre-activation quantizer, the state quantizer on it
        inp = keras.Input((5, 3))
        return inp, QDense(3)(QSimpleRNN(4, activation='tanh', enable_sq=True)(inp))
    if arch == 'rnn_cells':  # Keras's plain RNN around HGQ2 cells: a LIF sequence, a reversed GRU with float tanh
        inp = keras.Input((5, 3))
        lif = keras.layers.RNN(QLIFCell(4, beta=0.5, threshold=0.75), return_sequences=True)(QDense(4)(inp))
        gru = keras.layers.RNN(QGRUCell(3, activation='tanh'), go_backwards=True)(inp)
        return inp, keras.layers.Concatenate()([keras.layers.Flatten()(lif), gru])
    if arch == 'table_mlp':  # per-element table output quantizers, batch norm, a relu, then a dense head
        inp = keras.Input((5,))
        x = QDenseT(6, toq_conf=QuantizerConfig(place='datalane'), batch_norm=True)(inp)
        x = QDenseT(4, n_hl=2, d_hl=4, subnn_activation='relu', toq_conf=QuantizerConfig(place='datalane'))(x)
        return inp, QDense(3, activation='relu')(x)
    if arch == 'table_conv':  # strided/padded 2D and 1D table convolutions between quantized convolutions
        inp = keras.Input((5, 5, 2))
        x = QConvT2D(3, 3, padding='same', strides=2, subnn_activation='tanh')(inp)
        x = keras.layers.Reshape((9, 3))(x)
        x = QConvT1D(2, 3, padding='same', toq_conf=QuantizerConfig(place='datalane'))(x)
        return inp, QDense(3)(keras.layers.Flatten()(x))
    if arch == 'table_einsum':  # a contraction over tokens and features, and a token-wise projection
        inp = keras.Input((3, 4))
        x = QEinsumDenseT('bsi,ij->bsj', output_shape=(3, 5), bias_axes='j', batch_norm=True)(inp)
        return inp, QEinsumDenseT('bsj,sjk->bk', output_shape=(3,), bias_axes='k')(x)
    if arch == 'table_attention':  # table-projection attention and table-projection Linformer attention
        inp = keras.Input((4, 4))
        x = keras.layers.Flatten()(QMultiHeadAttentionT(num_heads=2, key_dim=2, d_hl=4)(inp, inp))
        y = keras.layers.Flatten()(QLinformerAttentionT(num_heads=1, key_dim=2, lin_kv_proj_dim=2, d_hl=4)(inp, inp))
        return inp, QDense(3)(keras.layers.Concatenate()([x, y]))
    if arch == 'lif_seq':  # per-unit decay and threshold, subtractive reset, every time step an output
        inp = keras.Input((8, 3))
        lif = QLIF(4, beta=[0.5, 0.75, 1.0, 0.25], threshold=[0.5, 1.0, 0.75, 1.5], return_sequences=True)
        return inp, lif(QDense(4)(inp))
    if arch == 'lif_last':  # scalar decay and threshold (off the membrane's grid), reset to zero, reversed, last step
        inp = keras.Input((8, 3))
        lif = QLIF(5, beta=0.75, threshold=0.3, reset_mechanism='zero', go_backwards=True)
        return inp, QDense(3)(lif(QDense(5)(inp)))
    if arch == 'snn_seq':  # no reset, per-unit thresholds and graded spikes, output quantizer, no surrogate, reversed
        inp = keras.Input((6, 3))
        snn = QSimpleSNN(
            4,
            threshold=[0.7, 1.3, 0.2, 2.0],
            reset_mechanism='none',
            graded_spikes_factor=[1.0, 0.5, 1.5, 2.0],
            enable_oq=True,
            surrogate_disable=True,
            go_backwards=True,
            return_sequences=True,
        )
        return inp, snn(QDense(4)(inp))
    if arch == 'snn_last':  # subtractive reset, no state quantizer: the membrane's range followed over the sequence
        inp = keras.Input((6, 3))
        return inp, QDense(3)(QSimpleSNN(4, threshold=1.5, enable_sq=False)(QDense(4)(inp)))
    raise ValueError(arch)


def _randomise_bits(model: keras.Model, case: Case, rng: np.random.Generator) -> None:
    """Assign random integer bit-widths to every quantizer variable (``b``/``f`` widths, ``i`` integers)."""
    for w in model.weights:
        leaf = w.path.rsplit('/', 1)[-1]
        shape = tuple(w.shape)
        if leaf in ('b', 'f'):
            if case.homogeneous:
                val = np.full(shape, rng.integers(case.min_bits + 1, case.max_bits + 1))
            else:
                val = rng.integers(case.min_bits, case.max_bits + 1, shape)
            w.assign(val.astype(w.dtype))
        elif leaf == 'i':
            lo, hi = -1, 3
            val = np.full(shape, rng.integers(lo, hi + 1)) if case.homogeneous else rng.integers(lo, hi + 1, shape)
            w.assign(val.astype(w.dtype))


def _randomise_tables(model: keras.Model, rng: np.random.Generator) -> None:
    """Trained-like table sub-networks (unit-scale weights) and batch normalisation statistics."""
    for w in model.weights:
        leaf, shape = w.path.rsplit('/', 1)[-1], tuple(w.shape)
        if re.search(r'/sequential(_\d+)?/', w.path) and leaf in ('kernel', 'bias'):
            w.assign(rng.normal(0.0, 1.0, shape).astype(w.dtype))
        elif leaf in ('moving_variance', 'bn_gamma') or w.path.endswith('batch_normalization/gamma'):
            w.assign(rng.uniform(0.5, 2.0, shape).astype(w.dtype))
        elif leaf in ('moving_mean', 'bn_beta') or w.path.endswith('batch_normalization/beta'):
            w.assign(rng.normal(0.0, 0.5, shape).astype(w.dtype))


def build(case: Case) -> keras.Model:
    rng = np.random.default_rng(case.seed)
    keras.utils.set_random_seed(case.seed)
    with (
        QuantizerConfigScope(
            place='datalane', default_q_type=case.q_type, overflow_mode=case.overflow, round_mode=case.round_mode
        ),
        QuantizerConfigScope(place=('weight', 'bias'), default_q_type='kbi'),
        QuantizerConfigScope(
            place='table', default_q_type=case.q_type, overflow_mode=case.overflow, round_mode=case.round_mode
        ),
    ):
        inp, out = _trunk(case.arch)
        model = keras.Model(inp, out, name=case.name)
    zeros = [np.zeros((1, *t.shape[1:]), dtype=np.float32) for t in model.inputs]
    model(zeros if len(zeros) > 1 else zeros[0])
    _randomise_bits(model, case, rng)
    if case.arch.startswith('table'):
        _randomise_tables(model, rng)
    for layer in model.layers:
        if isinstance(layer, QAffinedUnaryFunctionLUT):
            layer.scale.assign(rng.uniform(0.5, 2.0, 1))
            layer.bias.assign(rng.uniform(-1.0, 1.0, 1))
    if case.arch == 'wide':
        for w in model.weights:
            leaf = w.path.rsplit('/', 1)[-1]
            if 'q_dense_iq' in w.path or '_iq' in w.path:
                if leaf in ('b', 'f'):
                    w.assign(np.full(tuple(w.shape), 16 if leaf == 'f' else 18).astype(w.dtype))
            elif leaf == 'b':
                w.assign(rng.integers(0, 3, tuple(w.shape)).astype(w.dtype))
    return model


def inputs(model: keras.Model, n: int = 400, scale: float = 4.0, seed: int = 1) -> np.ndarray | list[np.ndarray]:
    """Samples well beyond the quantizers' ranges, plus exact grid points and ties (a list for several inputs)."""
    rng = np.random.default_rng(seed)
    xs = []
    for t in model.inputs:
        x = rng.normal(0, scale, (n, *t.shape[1:]))
        x[: n // 4] = np.round(x[: n // 4] * 8) / 16  # exact half-LSB ties for many grids
        xs.append(x.astype(np.float32))
    return xs if len(xs) > 1 else xs[0]


#: Fewest distinct values a bit-exact test's model may output on the test's inputs: with fewer, it tests nothing.
MIN_DISTINCT = 11


def keras_outputs(model: keras.Model, x: np.ndarray | list[np.ndarray]) -> np.ndarray:
    """Keras's outputs on ``x`` (one row per sample, every output concatenated), after the degenerate-model guard.

    A model whose outputs take fewer than :data:`MIN_DISTINCT` distinct values (stuck at zero, saturated, a few
    levels) tests nothing: the test fails as a "degenerate test model". A spiking layer last in the model (``QLIF``,
    ``QSimpleSNN``) outputs spike trains, 0 and a few spike heights by construction; there the samples' trains must
    be at least :data:`MIN_DISTINCT` different ones.
    """
    n = len(x[0] if isinstance(x, (list, tuple)) else x)
    out = model.predict(x, verbose=0)
    outs = out if isinstance(out, (list, tuple)) else [out]
    rows = np.concatenate([np.asarray(o, dtype=np.float64).reshape(n, -1) for o in outs], axis=1)
    if isinstance(model.layers[-1], (QLIF, QSimpleSNN)):
        found, what = np.unique(rows, axis=0).shape[0], 'distinct spike trains'
    else:
        found, what = np.unique(rows).size, 'distinct output values'
    assert found >= MIN_DISTINCT, (
        f'degenerate test model {model.name}: {found} {what} on {n} samples, at least {MIN_DISTINCT} needed'
    )
    return rows


def firmware_mismatches(hls_model, x: np.ndarray | list[np.ndarray], reference: np.ndarray) -> int:
    """Output elements of the compiled firmware (``hls_model.predict`` on the float32 inputs, its raw float64 output)
    that differ from Keras's ``reference`` (one row per sample), counted here, independently of ``verify``.

    Equal means equal in float64, except for a firmware value that float32 cannot hold (more than 24 significant
    bits, e.g. an average over 3 elements that no quantizer reads): Keras can only return it rounded to float32, so
    that rounding must equal Keras's value.
    """
    xs = x if isinstance(x, (list, tuple)) else [x]
    args = [np.asarray(a, dtype=np.float32).astype(np.float64) for a in xs]
    out = hls_model.predict(args[0] if len(args) == 1 else args)
    outs = out if isinstance(out, (list, tuple)) else [out]
    raw = np.concatenate([np.asarray(o, dtype=np.float64).reshape(len(args[0]), -1) for o in outs], axis=1)
    assert raw.shape == reference.shape, f'firmware output shape {raw.shape}, Keras {reference.shape}'
    as_f32 = raw.astype(np.float32).astype(np.float64)
    equal = (raw == reference) | ((as_f32 != raw) & (as_f32 == reference))
    return int((~equal).sum())


def assert_bit_exact(
    model: keras.Model,
    x: np.ndarray | list[np.ndarray],
    out_dir=None,
    io_type: str = 'io_parallel',
    *,
    hls_model=None,
    what: str = '',
) -> None:
    """The check of every test comparing C simulation with Keras: the guard of :func:`keras_outputs`, then
    ``hgq_hls4ml.verify`` finds the firmware's outputs equal to Keras's on every element, and so does this helper's
    own comparison of the firmware's raw outputs (:func:`firmware_mismatches`), so that a bug in ``verify`` cannot
    hide a mismatch; the batched C simulation (``hm.predict``, on several threads) equals hls4ml's per-sample path
    bit for bit.

    Without ``hls_model``, the model is converted into ``out_dir`` with ``io_type`` (as ``verify`` would); with it (a
    model converted otherwise: through hls4ml's own API, with a configuration), that one is compiled and run
    (hls4ml's ``predict``). ``what`` adds to the failure message.
    """
    from hgq_hls4ml import convert, verify

    reference = keras_outputs(model, x)
    if hls_model is None:
        assert out_dir is not None, 'assert_bit_exact converts the model: give it out_dir'
        hls_model = convert(model, out_dir, io_type=io_type, trace=True)
    else:
        io_type = hls_model.config.get_config_value('IOType')
    report = verify(model, x, hls_model=hls_model)
    label = f'{model.name} ({io_type}){" " + what if what else ""}'
    assert report.bit_exact, f'{label}:\n{report}'
    assert report.n_elements == reference.size
    bad = firmware_mismatches(hls_model, x, reference)
    assert bad == 0, f'{label}: {bad}/{reference.size} raw firmware outputs differ from Keras (verify said:\n{report})'
    assert_batch_equals_per_sample(hls_model, x)


def assert_batch_equals_per_sample(hls_model, x: np.ndarray | list[np.ndarray]) -> None:
    """The batched C simulation on three threads gives hls4ml's per-sample path's outputs bit for bit."""
    from hgq_hls4ml import hls4ml_api
    from hgq_hls4ml.csim.batch import has_batch_entry

    assert has_batch_entry(hls_model), 'the library has no batch entry point'
    xs = [np.asarray(a, dtype=np.float64) for a in (x if isinstance(x, (list, tuple)) else [x])]
    arg = xs if len(xs) > 1 else xs[0]
    per_sample = hls4ml_api.upstream_predict(hls_model, arg)
    batched = hls_model.predict(arg, threads=3)
    for a, b in zip(*(v if isinstance(v, list) else [v] for v in (per_sample, batched))):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), 'batched != per-sample csim'
