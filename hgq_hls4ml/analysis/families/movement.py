"""Data movement: ``Reshape``, ``Transpose``, ``Concatenate``, zero padding, cropping, nearest upsampling, our
``HGQBroadcast``, and the backend's stream ``Repack`` and ``Clone`` nodes. Values move unchanged, so flooring commutes
with all of them."""

from __future__ import annotations

from math import prod

import numpy as np
from hls4ml.model.layers import (
    Concatenate,
    Cropping1D,
    Cropping2D,
    Reshape,
    Resize,
    Transpose,
    ZeroPadding1D,
    ZeroPadding2D,
)

from ...errors import UnsupportedLayerError
from ...layers.broadcast import HGQBroadcast, broadcast_index
from ...precision import interval as iv
from ..traits import Declarations, Floor, LayerTraits


def _shape(node) -> tuple[int, ...]:
    return tuple(node.get_output_variable().shape)


def _concat_axis(node) -> int:
    axis = node.get_attr('axis')
    return axis - 1 if axis > 0 else axis  # hls4ml counts the batch axis


def _paddings(node) -> list[tuple[int, int]]:
    pads = [(node.get_attr('pad_left'), node.get_attr('pad_right'))]
    if isinstance(node, ZeroPadding2D):
        pads.insert(0, (node.get_attr('pad_top'), node.get_attr('pad_bottom')))
    return [*pads, (0, 0)]


def _pad_range(node, inputs):
    x = inputs[0]
    idx = np.pad(np.arange(prod(x.shape)).reshape(x.shape), _paddings(node), constant_values=-1)
    return x.reshape((-1,)).take(idx)


def _spatial_take(x: iv.QInterval, rows: list[np.ndarray]) -> iv.QInterval:
    """Gather pixels by per-axis index lists (all channels)."""
    flat = np.arange(prod(x.shape)).reshape(x.shape)
    return x.reshape((-1,)).take(flat[np.ix_(*rows, np.arange(x.shape[-1]))])


def _crop_range(node, inputs):
    x = inputs[0]
    sides = [('left', 'right')] if len(x.shape) == 2 else [('top', 'bottom'), ('left', 'right')]
    rows = [np.arange(node.get_attr(f'crop_{a}'), n - node.get_attr(f'crop_{b}')) for (a, b), n in zip(sides, x.shape)]
    return _spatial_take(x, rows)


def _resize_range(node, inputs):
    x = inputs[0]
    out_shape = _shape(node)
    if node.get_attr('algorithm') != 'nearest' or any(o % i for o, i in zip(out_shape[:-1], x.shape[:-1])):
        raise UnsupportedLayerError([(node.name, node.class_name, 'only nearest upsampling by integer factors')])
    rows = [np.arange(o) // (o // i) for o, i in zip(out_shape[:-1], x.shape[:-1])]
    return _spatial_take(x, rows)


def _broadcast(node: HGQBroadcast, inputs, *_):
    """Values (or widths) of the input, each output element its own input element's (Keras broadcasting)."""
    x = inputs[0]
    return x.reshape((-1,)).take(broadcast_index(x.shape or (1,), node.out_shape))


def _free(node, inputs, out):
    return {}


def _reshaped(node, inputs, *_):
    """Values (or widths) of the only input, in the output's shape."""
    return inputs[0].reshape(_shape(node))


_PASSTHROUGH = LayerTraits(range=_reshaped, floor=Floor.MOVES, counts=_free, widths=_reshaped)
_PADDING = LayerTraits(
    range=_pad_range,
    floor=Floor.MOVES,
    counts=_free,
    widths=lambda node, inputs, ranges: np.pad(inputs[0], _paddings(node)),
)

TRAITS: Declarations = {
    Reshape: _PASSTHROUGH,
    Transpose: LayerTraits(
        range=lambda node, inputs: inputs[0].transpose(tuple(node.get_attr('perm'))),
        floor=Floor.MOVES,
        counts=_free,
        widths=lambda node, inputs, ranges: inputs[0].transpose(tuple(node.get_attr('perm'))),
    ),
    Concatenate: LayerTraits(
        range=lambda node, inputs: iv.concatenate(inputs, _concat_axis(node)),
        floor=Floor.CAST_COMMUTES,  # hls4ml copies each element into the result type
        counts=_free,
        widths=lambda node, inputs, ranges: np.concatenate(inputs, axis=_concat_axis(node)),
    ),
    ZeroPadding1D: _PADDING,
    ZeroPadding2D: _PADDING,
    Cropping1D: LayerTraits(range=_crop_range, floor=Floor.MOVES),
    Cropping2D: LayerTraits(range=_crop_range, floor=Floor.MOVES),
    Resize: LayerTraits(range=_resize_range, floor=Floor.MOVES),
    HGQBroadcast: LayerTraits(range=_broadcast, floor=Floor.MOVES, counts=_free, widths=_broadcast),
    'Repack': _PASSTHROUGH,
    'Clone': _PASSTHROUGH,
}
