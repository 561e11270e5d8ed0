"""What the analyses know of one hls4ml layer type: :class:`LayerTraits`, declared per family in :mod:`.families`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
from hls4ml.model.layers import Layer

from ..precision import interval as iv

#: ``(node, input ranges) -> output range``: the exact range of what the node's arithmetic produces.
RangeRule = Callable[[Layer, list[iv.QInterval]], iv.QInterval]
#: ``(node, input live widths, output live widths) -> counts`` (see :mod:`hgq_hls4ml.cost.proxy`).
CountRule = Callable[[Layer, list[np.ndarray], np.ndarray], dict[str, Any]]
#: ``(node, input live widths, ranges) -> live width per output element``.
WidthRule = Callable[[Layer, list[np.ndarray], dict], np.ndarray]
#: ``(node, raw output range, input ranges) -> range the accumulator holds``.
AccumRule = Callable[[Layer, iv.QInterval, list[iv.QInterval]], iv.QInterval]
#: ``(node, its input's final range) -> attributes its C++ needs from it`` (written by ``hgq_materialize``).
MaterializeRule = Callable[[Layer, iv.QInterval], dict[str, Any]]


class Floor(Enum):
    """How a node relates to flooring its result (what :mod:`hgq_hls4ml.passes.unread_bits` may do)."""

    #: Each result element is one cast of an exact intermediate value, so an ``AP_TRN`` result type floors it.
    CAST = 'cast'
    #: A cast as above that also commutes with flooring: ``node(floor(x)) == floor(node(x))`` (ReLU, max pooling).
    CAST_COMMUTES = 'cast, commutes'
    #: Data movement: commutes with flooring, and has no cast of its own.
    MOVES = 'moves'
    #: Neither (tables, and anything whose result depends on every input bit).
    OPAQUE = 'opaque'


@dataclass(frozen=True)
class LayerTraits:
    """Everything the analyses know of a layer type."""

    #: ``None``: no exact range rule (the layer is refused where a range is needed).
    range: RangeRule | None
    #: Its relation to flooring, or a function of the node giving it.
    floor: Floor | Callable[[Layer], Floor] = Floor.OPAQUE
    #: The cost proxy's counts; ``None``: not modelled (reported as such, counted as zero).
    counts: CountRule | None = None
    #: Live widths of its output elements; ``None``: every element has the width of the result type.
    widths: WidthRule | None = None
    #: The range its ``accum_t`` must hold; ``None``: the raw output range.
    accum: AccumRule | None = None
    #: A homogeneous quantizer reading only this node can fold into its result type (an ``ap_fixed`` assignment).
    fuses_quantizer: bool = False
    #: Scalar constants of the node whose C++ type ``<name>_t`` must hold them exactly, by name (besides its
    #: ``weight``, ``bias`` and ``scale`` arrays, typed for every node).
    constants: Callable[[Layer], dict[str, float]] | None = None
    #: Each output element is summed in a type of its own (``accumulators``, set by ``hgq_exact_types``), not in one
    #: layer-wide ``accum_t`` (:class:`~hgq_hls4ml.layers.exact_accum.ExactAccumulators`).
    exact_accumulators: bool = False
    #: What its C++ needs from its input's final range; ``None``: nothing.
    materialize: MaterializeRule | None = None
    #: A layer quantizing what it reads, element by element (attributes ``kif``, ``round_mode``,
    #: ``overflow_mode``): the flat index of the input element each of its quantizer elements reads (``-1``:
    #: padding). ``None``: it does not quantize its input (read by :mod:`hgq_hls4ml.analysis.port`).
    quantizer_sources: Callable[[Layer], np.ndarray] | None = None

    def floor_of(self, node: Layer) -> Floor:
        return self.floor(node) if callable(self.floor) else self.floor


def elementwise_sources(node: Layer) -> np.ndarray:
    """:attr:`LayerTraits.quantizer_sources` of a layer whose quantizer element ``j`` reads input element ``j``."""
    return np.arange(np.size(node.kif[0]))


#: Declarations by hls4ml class, or by class name for backend classes made at run time (``Repack``, ``Clone``).
Declarations = dict[type | str, LayerTraits]
