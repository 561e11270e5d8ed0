"""Exact value ranges of every tensor in an hls4ml graph built from an HGQ2 model.

``propagate(model)`` walks the graph in topological order and returns a :class:`QInterval` per node output,
derived from the quantizers' ranges and the actual weight values (interval arithmetic, per element).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch
from math import prod

import numpy as np
from hls4ml.model.layers import (
    Activation,
    BatchNormalization,
    Concatenate,
    Conv1D,
    Conv2D,
    Cropping1D,
    Cropping2D,
    Dense,
    Einsum,
    EinsumDense,
    GlobalPooling1D,
    GlobalPooling2D,
    Input,
    Layer,
    Merge,
    ParametrizedActivation,
    Pooling1D,
    Pooling2D,
    Reshape,
    Resize,
    Transpose,
    ZeroPadding1D,
    ZeroPadding2D,
)

from ..errors import UnsupportedLayerError
from ..layers.codegen import is_stream
from ..layers.exact_accum import HGQConv, HGQDense
from ..layers.quantize import HGQQuantize
from ..layers.recurrent import HGQRecurrent, output_range
from ..layers.softmax import HGQSoftmax, kept
from ..layers.table import HGQTableSum
from ..layers.unary_lut import HGQUnaryLUT, table_range
from ..layers.windows import PAD_SIDES, conv_patch_index, pool_index
from ..precision import interval as iv
from ..precision.fixed import NO_BITS, FixedType, frac_bits


def output_type(node: Layer) -> FixedType:
    p = node.get_output_variable().type.precision
    return FixedType(bool(p.signed), int(p.width), int(p.integer))


def input_nodes(node: Layer) -> list[Layer]:
    if isinstance(node, Input):
        return []
    model = node.model
    return [model.graph[name] if name in model.graph else _producer(model, name) for name in node.inputs]


def _producer(model, var_name: str) -> Layer:
    """The node producing output variable ``var_name`` (multi-output nodes such as Clone)."""
    for n in model.graph.values():
        if var_name in n.outputs:
            return n
    raise KeyError(var_name)


def output_nodes(node: Layer) -> list[Layer]:
    outs = set(node.outputs)
    return [n for n in node.model.graph.values() if outs & set(n.inputs)]


@singledispatch
def node_range(node: Layer, inputs: list[iv.QInterval]) -> iv.QInterval:
    raise UnsupportedLayerError([(node.name, node.class_name, 'no exact range rule for this hls4ml layer type')])


@node_range.register
def _(node: Input, inputs):
    return iv.from_type(output_type(node), tuple(node.get_output_variable().shape))


@node_range.register
def _(node: HGQQuantize, inputs):
    k, i, f = node.kif
    return iv.quantize(inputs[0], k, i, f, node.get_attr('round_mode'), node.get_attr('overflow_mode'))


def part_range(part: dict) -> iv.QInterval:
    """Per element: the extremes and the grid of the table it reads."""
    return table_range(part['tables'], part['table_id'])


@node_range.register
def _(node: HGQUnaryLUT, inputs):
    return part_range(node.attributes)


def input_indexed_tables(node: Layer, deferred: dict, x: iv.QInterval) -> dict:
    """Tables of the element-wise function ``deferred['function']`` (a Keras table layer's) indexed by the raw bits
    of its input's exact (proven) type, of at most ``deferred['max_bits']`` bits (the limit in force when the model
    was converted)."""
    from ..layers.unary_lut import build_tables

    t, limit = x.union_type(), deferred['max_bits']
    if t.width > limit:
        reason = (
            f'its exponent table reads a {t.width}-bit input (limit {limit} bits); '
            'quantize its input to fewer bits, use stable=True, or raise max_table_bits'
        )
        raise UnsupportedLayerError([(node.name, node.class_name, reason)])
    kif = tuple(np.full(x.shape, v) for v in t.kif)
    tables, ids = build_tables(deferred['function'], kif)
    return {'kif': kif, 'round_mode': 'TRN', 'overflow_mode': 'WRAP', 'tables': tables, 'table_id': ids}


@node_range.register
def _(node: HGQTableSum, inputs):
    varying, terms = node.varying(), table_range(node.tables, node.table_id)
    constant = node.constant_part()
    return iv.QInterval(
        constant + np.where(varying, terms.lo, 0.0).sum(axis=1),
        constant + np.where(varying, terms.hi, 0.0).sum(axis=1),
        np.maximum(np.max(np.where(varying, terms.f, NO_BITS), axis=1, initial=NO_BITS), frac_bits(constant)),
    ).reshape(tuple(node.get_output_variable().shape))


@node_range.register
def _(node: HGQSoftmax, inputs):
    if 'deferred' in node.get_attr('exp'):
        node.set_attr('exp', input_indexed_tables(node, node.get_attr('exp')['deferred'], inputs[0]))
    exp, inv, mask = node.get_attr('exp'), node.get_attr('inv'), node.get_attr('mask')
    e, v = part_range(exp), part_range(inv)
    y = iv.multiply(e, iv.QInterval(*(np.broadcast_to(a, e.shape) for a in (v.lo, v.hi, v.f))))
    keep = kept(mask, e.shape)
    return iv.QInterval(np.where(keep, y.lo, 0.0), np.where(keep, y.hi, 0.0), np.where(keep, y.f, NO_BITS))


@node_range.register
def _(node: HGQRecurrent, inputs):
    x = inputs[0]  # (time, features); one step's types hold every step's input
    x_all = iv.QInterval(x.lo.min(axis=0), x.hi.max(axis=0), x.f.max(axis=0))
    node.set_attr('hgq_input_range', x_all)
    return output_range(node.attributes, x_all)


@node_range.register(HGQDense)
@node_range.register
def _(node: Dense, inputs):
    out = iv.matmul(inputs[0], node.get_attr('weight').data)
    bias = node.get_attr('bias')
    return out if bias is None or bias.data is None else iv.add_constant(out, np.ravel(bias.data))


@node_range.register
def _(node: EinsumDense, inputs):
    if is_stream(node):
        reason = 'hls4ml implements EinsumDense for io_parallel only'
        raise UnsupportedLayerError([(node.name, node.class_name, reason)])
    equation, kernel, bias = node.get_attr('hgq_einsum')
    out = iv.einsum(equation, inputs[0], kernel)
    return out if bias is None else iv.add_constant(out, np.broadcast_to(bias, out.shape))


@node_range.register
def _(node: Einsum, inputs):
    if is_stream(node):
        raise UnsupportedLayerError([(node.name, node.class_name, 'hls4ml implements Einsum for io_parallel only')])
    out = iv.bilinear_einsum(node.get_attr('equation'), *inputs)
    return out.reshape(tuple(node.get_output_variable().shape))


@node_range.register(Conv1D)
@node_range.register(Conv2D)
@node_range.register(HGQConv)
def conv_range(node: Layer, inputs: list[iv.QInterval]) -> iv.QInterval:
    x = inputs[0]
    weight = node.get_attr('weight').data
    patches = x.take(conv_patch_index(node, x.shape[:-1]))
    out = iv.matmul(patches, weight.reshape(-1, weight.shape[-1]))
    bias = node.get_attr('bias')
    return out if bias is None or bias.data is None else iv.add_constant(out, np.ravel(bias.data))


@node_range.register
def _(node: BatchNormalization, inputs):
    x = inputs[0]
    n_filt = node.get_attr('n_filt')
    shape = (-1, n_filt) if n_filt and n_filt > 0 else (-1,)
    flat = x.reshape(shape)
    out = iv.add_constant(iv.scale(flat, np.ravel(node.get_attr('scale').data)), np.ravel(node.get_attr('bias').data))
    return out.reshape(x.shape)


@node_range.register
def _(node: Activation, inputs):
    act = node.get_attr('activation').lower()
    if act == 'linear':
        return inputs[0]
    if act == 'relu':
        return iv.relu(inputs[0])
    raise UnsupportedLayerError([(node.name, node.class_name, f'activation {act!r} has no exact fixed-point form')])


@node_range.register
def _(node: ParametrizedActivation, inputs):
    act, theta = node.get_attr('activation').lower(), float(node.get_attr('activ_param'))
    if act != 'thresholdedrelu' or theta != 0.0:
        raise UnsupportedLayerError([(node.name, node.class_name, f'{act}({theta}) has no exact fixed-point form')])
    return iv.relu(inputs[0])


@node_range.register
def _(node: Reshape, inputs):
    return inputs[0].reshape(tuple(node.get_output_variable().shape))


@node_range.register
def _(node: Transpose, inputs):
    return inputs[0].transpose(tuple(node.get_attr('perm')))


@node_range.register(ZeroPadding1D)
@node_range.register(ZeroPadding2D)
def _(node, inputs):
    x = inputs[0]
    pads = [(node.get_attr('pad_left'), node.get_attr('pad_right'))]
    if isinstance(node, ZeroPadding2D):
        pads.insert(0, (node.get_attr('pad_top'), node.get_attr('pad_bottom')))
    idx = np.pad(np.arange(prod(x.shape)).reshape(x.shape), [*pads, (0, 0)], constant_values=-1)
    return x.reshape((-1,)).take(idx)


_MERGE_OPS = {
    'add': iv.add,
    'subtract': lambda x, y: iv.add(x, iv.negate(y)),
    'multiply': iv.multiply,
    'maximum': iv.maximum,
    'minimum': iv.minimum,
}


@node_range.register
def _(node: Merge, inputs):
    op = node.get_attr('op')
    if op not in _MERGE_OPS or inputs[0].shape != inputs[1].shape:
        raise UnsupportedLayerError([(node.name, node.class_name, f'no exact range rule for merge {op!r}')])
    return _MERGE_OPS[op](*inputs)


@node_range.register
def _(node: Concatenate, inputs):
    axis = node.get_attr('axis')
    return iv.concatenate(inputs, axis - 1 if axis > 0 else axis)


def _pool(node: Layer, x: iv.QInterval, index: np.ndarray) -> iv.QInterval:
    if node.get_attr('pool_op') == 'Max':
        return iv.window_max(x, index)
    counts = np.maximum((index >= 0).sum(axis=-1), 1)  # hls4ml, like Keras, averages the unpadded elements only
    return iv.scale(iv.window_sum(x, index), 1.0 / counts)


@node_range.register(Pooling1D)
@node_range.register(Pooling2D)
def _(node, inputs):
    pads = [side for sides in PAD_SIDES.values() for side in sides if node.get_attr(f'pad_{side}', 0)]
    if is_stream(node) and pads:
        reason = (
            f"io_stream pooling with a padded border ({', '.join(pads)}): hls4ml's stream pooling supports no padding "
            "(its csim aborts); use padding='valid', or io_parallel"
        )
        raise UnsupportedLayerError([(node.name, node.class_name, reason)])
    x = inputs[0]
    return _pool(node, x, pool_index(node, x.shape[:-1], x.shape[-1]))


@node_range.register(GlobalPooling1D)
@node_range.register(GlobalPooling2D)
def _(node, inputs):
    x = inputs[0]
    n_pix, n_chan = prod(x.shape[:-1]), x.shape[-1]
    index = np.arange(n_pix)[None, :] * n_chan + np.arange(n_chan)[:, None]  # (channel, pixel)
    return _pool(node, x, index)


def pool_area(node: Layer) -> int:
    """Number of elements one pooling window reduces."""
    if isinstance(node, GlobalPooling1D):
        return node.get_attr('n_in')
    if isinstance(node, GlobalPooling2D):
        return node.get_attr('in_height') * node.get_attr('in_width')
    return node.get_attr('pool_width') * (node.get_attr('pool_height') or 1)


def accum_range(node: Layer, raw: iv.QInterval, inputs: list[iv.QInterval]) -> iv.QInterval:
    """What the node's accumulator holds: its result, and for pooling also the window values (max; io_stream casts
    them to the accumulator type) or the undivided sum (average)."""
    op = node.get_attr('pool_op')
    if op is None:
        return raw
    x = inputs[0]
    if op == 'Max':
        return iv.QInterval(
            np.array([x.lo.min(), raw.lo.min()]),
            np.array([x.hi.max(), raw.hi.max()]),
            np.array([x.f.max(), raw.f.max()]),
        )
    n = pool_area(node)
    return iv.QInterval(np.minimum(raw.lo * n, raw.lo), np.maximum(raw.hi * n, raw.hi), raw.f)


def _spatial_take(x: iv.QInterval, rows: list[np.ndarray]) -> iv.QInterval:
    """Gather pixels by per-axis index lists (all channels)."""
    flat = np.arange(prod(x.shape)).reshape(x.shape)
    return x.reshape((-1,)).take(flat[np.ix_(*rows, np.arange(x.shape[-1]))])


@node_range.register(Cropping1D)
@node_range.register(Cropping2D)
def _(node, inputs):
    x = inputs[0]
    sides = [('left', 'right')] if len(x.shape) == 2 else [('top', 'bottom'), ('left', 'right')]
    rows = [np.arange(node.get_attr(f'crop_{a}'), n - node.get_attr(f'crop_{b}')) for (a, b), n in zip(sides, x.shape)]
    return _spatial_take(x, rows)


@node_range.register
def _(node: Resize, inputs):
    x = inputs[0]
    out_shape = tuple(node.get_output_variable().shape)
    if node.get_attr('algorithm') != 'nearest' or any(o % i for o, i in zip(out_shape[:-1], x.shape[:-1])):
        raise UnsupportedLayerError([(node.name, node.class_name, 'only nearest upsampling by integer factors')])
    rows = [np.arange(o) // (o // i) for o, i in zip(out_shape[:-1], x.shape[:-1])]
    return _spatial_take(x, rows)


def _passthrough(node: Layer, inputs: list[iv.QInterval]) -> iv.QInterval:
    """Shape-only nodes (stream repacking, cloning): the values are the input's."""
    return inputs[0].reshape(tuple(node.get_output_variable().shape))


PASSTHROUGH_CLASSES = ('Repack', 'Clone')


@dataclass(frozen=True)
class NodeRange:
    """``raw``: what the node's arithmetic produces; ``out``: after a quantizer fused into the node, if any."""

    raw: iv.QInterval
    out: iv.QInterval


def fused_quantizer(node: Layer) -> tuple[int, int, int, str, str] | None:
    """``(k, i, f, round_mode, overflow_mode)`` of a quantizer folded into ``node``'s result type."""
    return node.get_attr('hgq_fused_quantizer')


def truncated_frac(node: Layer) -> int | None:
    """Fractional bits the node's result keeps (floored) because no consumer reads lower bits, if set."""
    return node.get_attr('hgq_truncate_frac')


def _node_ranges(node: Layer, inputs: list[iv.QInterval]) -> NodeRange:
    fused = fused_quantizer(node)
    if isinstance(node, Input) and fused is not None:
        k, i, f, _, ovf = fused
        out = iv.from_kif(*(np.full(tuple(node.get_output_variable().shape), v) for v in (k, i, f)), ovf)
        return NodeRange(out, out)
    rule = _passthrough if node.class_name in PASSTHROUGH_CLASSES else node_range
    raw = rule(node, inputs)
    iv.check_exact(raw, f'layer {node.name!r} ({node.class_name})')
    if fused is None:
        kept = truncated_frac(node)
        return NodeRange(raw, raw if kept is None else iv.truncate(raw, kept))
    k, i, f, rnd, ovf = fused
    return NodeRange(raw, iv.quantize(raw, k, i, f, rnd, ovf))


def propagate(model) -> dict[str, NodeRange]:
    """Ranges of every node's output, keyed by node name (graph order is topological)."""
    ranges: dict[str, NodeRange] = {}
    for node in model.graph.values():
        ranges[node.name] = _node_ranges(node, [ranges[n.name].out for n in input_nodes(node)])
    return ranges
