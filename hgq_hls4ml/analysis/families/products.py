"""Products with constants or of two tensors: ``Dense``, ``Conv1D/2D``, ``EinsumDense``, ``Einsum`` and
``BatchNormalization`` (hls4ml's classes), and our exact-accumulator ``HGQDense`` and ``HGQConv1D/2D/3D``.

A ``Dense``/``Conv1D/2D`` built with ``Strategy: distributed_arithmetic`` has no multipliers: it is costed from its
adder graph, traced again with the package hls4ml built it with (:mod:`hgq_hls4ml.da`): ``adders`` and LUTs
(the package's estimate) at every output position, and ``adder_depth``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hls4ml.model.layers import BatchNormalization, Conv1D, Conv2D, Dense, Einsum, EinsumDense

from ...da import DA_CONSTANTS, adder_graph, input_kif, is_da
from ...layers.exact_accum import HGQConv, HGQDense
from ...layers.windows import conv_patch_index
from ...precision import interval as iv
from ..counts import constant_counts, requant_luts, variable_counts
from ..traits import Declarations, Floor, LayerTraits


def _with_bias(node, out: iv.QInterval) -> iv.QInterval:
    bias = node.get_attr('bias')
    bias = _constants(node)[1] if bias is None and is_da(node) else None if bias is None else bias.data
    return out if bias is None else iv.add_constant(out, np.ravel(bias))


def _constants(node) -> tuple[np.ndarray, np.ndarray | None]:
    """Kernel and bias in Keras's layout, whatever the strategy (hls4ml's resource kernels transpose ``weight``); a
    DA node's as kept before hls4ml deleted them."""
    if node.get_attr('weight_data') is None and is_da(node):
        kernel, bias = node.get_attr(DA_CONSTANTS)
    else:
        kernel, bias = node.get_attr('weight_data'), node.get_attr('bias_data')
    return np.asarray(kernel, dtype=np.float64), bias


def _da_counts(node, inputs, w, bias, out):
    """A distributed-arithmetic kernel: no multiplier, the adder graph of da4ml/alkaid at every position."""
    counts = constant_counts(node, 'pi,io->po', inputs, w, bias, out)
    graph = adder_graph(w, bias, *input_kif(node, w.shape[0]))
    positions = inputs.shape[0]
    counts.update(
        multiplies=0,
        dsps=0,
        adders=graph.adders * positions,
        adder_depth=graph.depth,
        luts=round(graph.cost) * positions + requant_luts(node, out.size),
    )
    return counts


def _products(node, inputs, w, bias, out):
    if is_da(node):
        return _da_counts(node, inputs, w, bias, out)
    return constant_counts(node, 'pi,io->po', inputs, w, bias, out)


def _range_kernel(node) -> np.ndarray:
    """The kernel the firmware multiplies by, in Keras's layout (``weight``, unless hls4ml's resource kernels
    transposed it or its DA templates deleted it)."""
    weight = node.get_attr('weight')
    if weight is None or node.get_attr('_weights_transposed', False):
        return _constants(node)[0]
    return weight.data


def _dense_range(node, inputs):
    return _with_bias(node, iv.matmul(inputs[0], _range_kernel(node)))


def _dense_counts(node, inputs, out):
    w, bias = _constants(node)
    return _products(node, inputs[0].reshape(-1, w.shape[0]), w, bias, out)


def _conv_range(node, inputs):
    x = inputs[0]
    weight = _range_kernel(node)
    patches = x.take(conv_patch_index(node, x.shape[:-1]))
    return _with_bias(node, iv.matmul(patches, weight.reshape(-1, weight.shape[-1])))


def _conv_counts(node, inputs, out):
    a = inputs[0]
    w, bias = _constants(node)
    w = w.reshape(-1, w.shape[-1])
    patches = np.append(a.ravel(), 0)[conv_patch_index(node, a.shape[:-1])].reshape(-1, w.shape[0])
    return _products(node, patches, w, bias, out)


def _einsum_dense_range(node, inputs):
    equation, kernel, bias = node.get_attr('hgq_einsum')
    out = iv.einsum(equation, inputs[0], kernel)
    return out if bias is None else iv.add_constant(out, np.broadcast_to(bias, out.shape))


def _einsum_dense_counts(node, inputs, out):
    if node.get_attr('hgq_einsum') is None:  # upstream's EinsumDense keeps no HGQ2 equation
        return {'modelled': False}
    equation, kernel, bias = node.get_attr('hgq_einsum')
    counts = constant_counts(node, equation, inputs[0], np.asarray(kernel, dtype=np.float64), bias, out)
    if is_da(node):  # hls4ml traces one adder graph per in-place index and keeps only their summed cost
        counts.update(multiplies=0, dsps=0, luts=round(node.get_attr('da_kernel_cost')) + requant_luts(node, out.size))
    return counts


def _einsum_range(node, inputs):
    out = iv.bilinear_einsum(node.get_attr('equation'), *inputs)
    return out.reshape(tuple(node.get_output_variable().shape))


def _batchnorm_range(node, inputs):
    x = inputs[0]
    n_filt = node.get_attr('n_filt')
    flat = x.reshape((-1, n_filt) if n_filt and n_filt > 0 else (-1,))
    out = iv.add_constant(iv.scale(flat, np.ravel(node.get_attr('scale').data)), np.ravel(node.get_attr('bias').data))
    return out.reshape(x.shape)


def _batchnorm_counts(node, inputs, out):
    scale, bias = (np.ravel(node.get_attr(name).data) for name in ('scale', 'bias'))
    return constant_counts(node, 'pc,c->pc', inputs[0].reshape(-1, scale.size), scale, bias, out)


_DENSE = LayerTraits(range=_dense_range, floor=Floor.CAST, counts=_dense_counts, fuses_quantizer=True)
_CONV = LayerTraits(range=_conv_range, floor=Floor.CAST, counts=_conv_counts, fuses_quantizer=True)

TRAITS: Declarations = {
    Dense: _DENSE,
    HGQDense: replace(_DENSE, exact_accumulators=True),
    Conv1D: _CONV,
    Conv2D: _CONV,
    HGQConv: replace(_CONV, exact_accumulators=True),
    EinsumDense: LayerTraits(range=_einsum_dense_range, floor=Floor.CAST, counts=_einsum_dense_counts),
    Einsum: LayerTraits(
        range=_einsum_range,
        floor=Floor.CAST,
        counts=lambda node, inputs, out: variable_counts(node, node.get_attr('equation'), *inputs, out),
    ),
    BatchNormalization: LayerTraits(
        range=_batchnorm_range, floor=Floor.CAST, counts=_batchnorm_counts, fuses_quantizer=True
    ),
}
