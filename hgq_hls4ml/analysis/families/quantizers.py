"""Model inputs, HGQ2 quantizers (``HGQQuantize``) and upstream's ``FixedPointQuantizer`` (cost only)."""

from __future__ import annotations

import numpy as np
from hls4ml.model.layers import Input

from ...graph import output_type
from ...hls4ml_api import FixedPointQuantizer
from ...layers.element_quantizer import HGQQuantize
from ...precision import interval as iv
from ..counts import mode_count, range_widths
from ..traits import Declarations, LayerTraits, elementwise_sources


def output_shape(node) -> tuple[int, ...]:
    return tuple(node.get_output_variable().shape)


def ranged_widths(node, inputs, ranges) -> np.ndarray:
    """Per element: the width of the narrowest type holding its proven range."""
    return range_widths(ranges[node.name].out).reshape(output_shape(node))


def _input_range(node, inputs):
    return iv.from_type(output_type(node), output_shape(node))


def _quantize_range(node: HGQQuantize, inputs):
    k, i, f = node.kif
    return iv.quantize(inputs[0], k, i, f, node.get_attr('round_mode'), node.get_attr('overflow_mode'))


def _quantize_counts(node: HGQQuantize, inputs, out):
    return {'luts': out.sum() * mode_count(node.get_attr('round_mode'), node.get_attr('overflow_mode'))}


def _upstream_widths(node: FixedPointQuantizer, inputs, ranges):
    shape = output_shape(node)
    return np.broadcast_to(np.asarray(node.mask_kbi[1]), (1, *shape))[0].astype(np.int64)


def _upstream_counts(node: FixedPointQuantizer, inputs, out):
    return {'luts': out.sum() * mode_count(node.get_attr('RND'), node.get_attr('SAT'))}


TRAITS: Declarations = {
    Input: LayerTraits(range=_input_range, counts=lambda node, inputs, out: {}, fuses_quantizer=True),
    HGQQuantize: LayerTraits(
        range=_quantize_range, counts=_quantize_counts, widths=ranged_widths, quantizer_sources=elementwise_sources
    ),
    FixedPointQuantizer: LayerTraits(range=None, counts=_upstream_counts, widths=_upstream_widths),
}
