"""A resource proxy of a converted model, read from the types and constants of its hls4ml graph.

This is a proxy to compare conversions and models, not a promise of what synthesis reports. It assumes fully
parallel hardware (``io_parallel``, reuse factor 1: every operation is its own operator) and works on any graph
hls4ml made from an HGQ2 model, ours or upstream's.

Live widths. Each tensor element has a width (0: a constant zero). Our per-element layers (``HGQQuantize``,
``HGQUnaryLUT``) give each element the width of the narrowest type holding its proven range (the ranges of
:mod:`hgq_hls4ml.analysis.ranges`; e.g. a signed quantizer after a ReLU needs no sign bit); upstream's
``FixedPointQuantizer`` the width in its mask (which upstream's own range analysis narrows likewise). Data
movement (reshape, transpose, concatenation, broadcasting, stream repacking, cloning) keeps the widths and zero
padding adds zeros; every other node gives all its elements the width of its result type.

Constants. A non-zero constant ``c = m * 2**-f`` (``m`` odd) has ``bits(c) = bit_length(m) + (c < 0)``
significant bits and ``digits(c)`` non-zero digits in canonical signed-digit form. Zero constants cost nothing.

Per node:

* ``weights``, ``weight_bits``: the non-zero constants multiplied (Dense, Conv, EinsumDense kernels,
  BatchNormalization scales) and the sum of their ``bits`` (per-weight minimal bits, not the weight type's width).
* ``multiplies``: products of two live operands: a non-zero constant and a live input element (for convolutions:
  non-zero weights times output positions, less taps reading padding or zero-width inputs), or two live variables
  (element-wise ``Merge`` multiply, ``Einsum``). ``bops``: the sum of ``a * b`` over these products (``a`` the
  input width, ``b`` the constant's ``bits`` or the other input's width), the firmware counterpart of HGQ2's EBOPs.
* ``dsps``: one per product whose two operands are both wider than :data:`DSP_MIN_WIDTH` bits.
* ``luts``, the sum of:

  - products on LUTs: by a constant, shift-and-add, ``a * (digits(c) - 1)`` (powers of two are wiring; a negative
    constant is a subtraction in the adder tree); of two variables, ``a * b``;
  - adders: ``(terms - 1) * width`` per output, where ``terms`` counts the live products and a non-zero bias, and
    ``width`` is the accumulator type's (per output element for ``HGQDense``/``HGQConv1D``/``HGQConv2D``; the
    result type's where there is none). Element-wise add/subtract/average/maximum/minimum of two live elements,
    ReLU (or ThresholdedReLU at 0) of a live element and each step of max/average pooling (window taps - 1) cost
    ``width`` too;
  - tables (``HGQUnaryLUT``): each output bit of a non-constant element is a function of its ``a`` input bits,
    ``2**max(a - 6, 0)`` LUTs (:data:`LUT_INPUTS`), plus the element's input cast as below;
  - sums of tables (``HGQTableSum``): each term reading a non-constant table costs that table's type width times
    ``2**max(a - 6, 0)`` (``a``: the term's input bits) plus its input cast, and each output sums its terms (and
    a non-zero constant) with adders of its accumulator width;
  - requantisation: each element a quantizer (or a table's input cast) produces, or each output element of an
    arithmetic node whose result type rounds (not ``TRN``) or saturates (not ``WRAP``), costs its width once per
    non-default mode.

  ``HGQRecurrent`` counts one time step's products (by inline constants, or of two variables), adders (dot products,
  element-wise sums, gate complements, ReLU and spike comparisons, gate and threshold offsets, and the comparisons
  and multiplexers of activations computed by comparison), activation tables and casts as above, times the
  sequence length (the top-level pipeline unrolls the time loop); its weights are its kernels (a LIF
  layer's: its decay factors).

  Concatenate, reshape, transpose, broadcasting (``HGQBroadcast``), zero padding and inputs cost no LUTs. Other
  node classes (e.g. ``HGQSoftmax``, upstream's ``EinsumDense``) are reported with ``modelled=False`` and counted as
  zero.

* ``result_bits``: the live widths of the node's output elements, summed, for every node with a result of its
  own (data movement, whose elements are its input's, counts 0): for an input, its port (elements times the port
  type's width), what the electronics upstream must deliver.

Every count grows with every width, except at the DSP threshold, where a product moves from LUTs to a DSP.

Each layer family declares its widths and counts (:mod:`hgq_hls4ml.analysis.families`), from the building blocks in
:mod:`hgq_hls4ml.analysis.counts`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hls4ml.model.layers import Layer

from ..analysis.counts import result_width, type_width
from ..analysis.families import traits_of
from ..analysis.ranges import NodeRange, propagate
from ..analysis.traits import Floor
from ..graph import element_accumulators, input_nodes, is_hgq_graph
from .ebops import keras_ebops
from .report import CostReport, LayerCost


def element_widths(node: Layer, inputs: list[np.ndarray], ranges: dict[str, NodeRange]) -> np.ndarray:
    """Live width of each output element of ``node`` (see the module docstring)."""
    traits = traits_of(node)
    if traits is not None and traits.widths is not None:
        return traits.widths(node, inputs, ranges)
    return np.full(tuple(node.get_output_variable().shape), result_width(node), dtype=np.int64)


def accum_width(node: Layer) -> int | None:
    """The node's accumulator width: the widest of its per-element ones for our layers with exact accumulators
    (they have no layer-wide ``accum_t``), else hls4ml's ``accum_t``'s, if any."""
    if (accumulators := element_accumulators(node)) is not None:
        return max((t.width for t in accumulators if t is not None), default=None)
    accum = node.get_attr('accum_t')
    return None if accum is None else type_width(accum)


def moves_data(node: Layer) -> bool:
    """Whether the node only moves its input's elements (reshape, transpose, padding, repacking, cloning)."""
    traits = traits_of(node)
    return traits is not None and traits.floor_of(node) is Floor.MOVES


def node_counts(node: Layer, inputs: list[np.ndarray], out: np.ndarray) -> dict[str, Any]:
    """Counts of one node from the live widths of its inputs and its output."""
    traits = traits_of(node)
    if traits is None or traits.counts is None:
        return {'modelled': False}
    return traits.counts(node, inputs, out)


def layer_costs(hls_model: Any, ebops: dict[str, float] | None = None) -> list[LayerCost]:
    """One :class:`LayerCost` per graph node, in graph order; ``ebops`` is matched by node name."""
    nodes = list(hls_model.graph.values())
    ranges = propagate(hls_model) if is_hgq_graph(hls_model) else {}
    widths: dict[str, np.ndarray] = {}
    found = []
    for node in nodes:
        ins = [widths[n.name] for n in input_nodes(node)]
        out = widths[node.name] = element_widths(node, ins, ranges)
        counts = node_counts(node, ins, out)
        found.append(
            LayerCost(
                node.name,
                node.class_name,
                **{k: v if k == 'modelled' else int(v) for k, v in counts.items()},
                accum_width=accum_width(node),
                result_width=result_width(node),
                result_bits=0 if moves_data(node) else int(out.sum()),
                ebops=None if ebops is None else ebops.get(node.name),
            )
        )
    return found


def cost(hls_model: Any, keras_model: Any = None) -> CostReport:
    """The cost proxy of a converted hls4ml model; with ``keras_model``, HGQ2's EBOPs per layer side by side."""
    ebops = None if keras_model is None else keras_ebops(keras_model)
    return CostReport(layer_costs(hls_model, ebops), ebops)
