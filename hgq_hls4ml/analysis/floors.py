"""How a node relates to flooring its result, as its family declares (:class:`~.traits.Floor`), and the bits a
graph's results are floored to by ``hgq_unread_bits`` (read by the pass and by ``verify``)."""

from __future__ import annotations

from hls4ml.model.layers import Layer

from ..graph import fused_quantizer, input_nodes, truncated_frac
from .families import traits_of
from .traits import Floor


def floor_of(node: Layer) -> Floor:
    traits = traits_of(node)
    return Floor.OPAQUE if traits is None else traits.floor_of(node)


def floor_commutes(node: Layer) -> bool:
    """``node(floor(x)) == floor(node(x))`` element by element (monotone, maps the grid to itself, keeps 0)."""
    return floor_of(node) in (Floor.CAST_COMMUTES, Floor.MOVES)


def floored_frac(node: Layer) -> int | None:
    """The fractional bits ``node``'s output is floored to by this pass (its own or, through operations that commute
    with flooring, its inputs'), or ``None``: where set, the output equals the Keras value floored to them."""
    own = truncated_frac(node)
    if own is not None or not floor_commutes(node) or fused_quantizer(node) is not None:
        return own
    inner = [floored_frac(n) for n in input_nodes(node)]
    return None if None in inner or not inner else min(inner)
