"""Max and average pooling: ``Pooling1D/2D`` and ``GlobalPooling1D/2D``."""

from __future__ import annotations

import numpy as np
from hls4ml.model.layers import GlobalPooling1D, GlobalPooling2D, Layer, Pooling1D, Pooling2D, Reshape

from ...errors import UnsupportedLayerError
from ...layers.windows import PAD_SIDES, average_counts, pool_windows
from ...precision import interval as iv
from ..counts import op_width, requant_luts
from ..graph import is_stream, output_nodes
from ..traits import Declarations, Floor, LayerTraits

POOLING = (Pooling1D, Pooling2D, GlobalPooling1D, GlobalPooling2D)


def pads(node: Layer) -> list[str]:
    """The padded sides of a pooling node's border."""
    return [side for sides in PAD_SIDES.values() for side in sides if node.get_attr(f'pad_{side}', 0)]


def feeds_padded_max_pooling(node: Layer) -> bool:
    """Whether an io_parallel max pooling with padding reads the node's output (through in-place reshapes). hls4ml
    pads with the input type's MSB set: the most negative value of a signed type, a large one of an unsigned type."""
    if is_stream(node):
        return False
    for c in output_nodes(node):
        if isinstance(c, Reshape) and feeds_padded_max_pooling(c):
            return True
        if isinstance(c, (Pooling1D, Pooling2D)) and c.get_attr('pool_op') == 'Max' and pads(c):
            return True
    return False


def _range(node, inputs):
    if is_stream(node) and pads(node):
        reason = (
            f"io_stream pooling with a padded border ({', '.join(pads(node))}): hls4ml's stream pooling supports no "
            "padding (its csim aborts); use padding='valid', or io_parallel"
        )
        raise UnsupportedLayerError([(node.name, node.class_name, reason)])
    x = inputs[0]
    index = pool_windows(node, x.shape)
    if node.get_attr('pool_op') == 'Max':
        return iv.window_max(x, index)
    return iv.average(iv.window_sum(x, index), average_counts(index), node.get_attr('hgq_average_arithmetic'))


def _accum(node, raw: iv.QInterval, inputs: list[iv.QInterval]) -> iv.QInterval:
    """The window values (max; io_stream casts them to the accumulator type) or the sum and the average (average,
    divided in place)."""
    x = inputs[0]
    if node.get_attr('pool_op') == 'Max':
        return iv.QInterval(
            np.array([x.lo.min(), raw.lo.min()]),
            np.array([x.hi.max(), raw.hi.max()]),
            np.array([x.f.max(), raw.f.max()]),
        )
    return iv.hull(iv.window_sum(x, pool_windows(node, x.shape)), raw)  # the sum, then the average in place


def _floor(node) -> Floor:
    return Floor.CAST_COMMUTES if node.get_attr('pool_op') == 'Max' else Floor.CAST


def _window_counts(node, inputs, out):
    a = inputs[0]
    taps = (np.append(a.ravel(), 0)[pool_windows(node, a.shape)] > 0).sum(axis=-1)
    return {'luts': np.maximum(taps - 1, 0).sum() * op_width(node) + requant_luts(node, out.size)}


_POOLING = LayerTraits(range=_range, floor=_floor, counts=_window_counts, accum=_accum)

TRAITS: Declarations = dict.fromkeys(POOLING, _POOLING)
