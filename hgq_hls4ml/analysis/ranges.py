"""Exact value ranges of every tensor in an hls4ml graph built from an HGQ2 model.

``propagate(model)`` walks the graph in topological order and returns a :class:`NodeRange` per node, derived from
the quantizers' ranges and the actual constants (interval arithmetic, per element) by each layer type's range rule
(:mod:`.families`). It reads the graph and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hls4ml.model.layers import Input, Layer

from ..errors import UnsupportedLayerError
from ..graph import fused_quantizer, input_nodes, truncated_frac
from ..precision import interval as iv
from .families import traits_of


@dataclass(frozen=True)
class NodeRange:
    """``raw``: what the node's arithmetic produces; ``out``: after a quantizer fused into the node, if any."""

    raw: iv.QInterval
    out: iv.QInterval


def node_range(node: Layer, inputs: list[iv.QInterval]) -> iv.QInterval:
    """The range of what ``node``'s arithmetic produces from inputs in ``inputs``."""
    traits = traits_of(node)
    if traits is None or traits.range is None:
        raise UnsupportedLayerError([(node.name, node.class_name, 'no exact range rule for this hls4ml layer type')])
    return traits.range(node, inputs)


def _node_ranges(node: Layer, inputs: list[iv.QInterval]) -> NodeRange:
    fused = fused_quantizer(node)
    if isinstance(node, Input) and fused is not None:
        k, i, f, _, ovf = fused
        out = iv.from_kif(*(np.full(tuple(node.get_output_variable().shape), v) for v in (k, i, f)), ovf)
        return NodeRange(out, out)
    raw = node_range(node, inputs)
    if not isinstance(node, Input):  # a port's range is its type's (up to every float32), read only by quantizers
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


def accum_range(node: Layer, raw: iv.QInterval, inputs: list[iv.QInterval]) -> iv.QInterval:
    """What the node's ``accum_t`` must hold: its raw result, unless its family says otherwise."""
    traits = traits_of(node)
    return raw if traits is None or traits.accum is None else traits.accum(node, raw, inputs)
