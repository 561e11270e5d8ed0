"""A resource proxy of a converted model, read from the types and constants of its hls4ml graph.

This is a proxy to compare conversions and models, not a promise of what synthesis reports. It assumes fully
parallel hardware (``io_parallel``, reuse factor 1: every operation is its own operator) and works on any graph
hls4ml made from an HGQ2 model, ours or upstream's.

Live widths. Each tensor element has a width (0: a constant zero). Our per-element layers (``HGQQuantize``,
``HGQUnaryLUT``) give each element the width of the narrowest type holding its proven range (the ranges of
:mod:`hgq_hls4ml.passes.ranges`; e.g. a signed quantizer after a ReLU needs no sign bit); upstream's
``FixedPointQuantizer`` the width in its mask (which upstream's own range analysis narrows likewise). Data
movement (reshape, transpose, concatenation, stream repacking, cloning) keeps the widths and zero padding adds
zeros; every other node gives all its elements the width of its result type.

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

  Concatenate, reshape, transpose, zero padding and inputs are free. Other node classes (e.g. ``HGQSoftmax``,
  upstream's ``EinsumDense``) are reported with ``modelled=False`` and counted as zero.

Every count grows with every width, except at the DSP threshold, where a product moves from LUTs to a DSP.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

import numpy as np
from hls4ml.model.layers import (
    Activation,
    BatchNormalization,
    Concatenate,
    Conv1D,
    Conv2D,
    Dense,
    Einsum,
    EinsumDense,
    GlobalPooling1D,
    GlobalPooling2D,
    Input,
    Layer,
    Merge,
    Pooling1D,
    Pooling2D,
    Reshape,
    Transpose,
    ZeroPadding1D,
    ZeroPadding2D,
)

from ..hls4ml_api import FixedPointQuantizer
from ..layers import ExactAccumulators, HGQConv, HGQDense, HGQQuantize, HGQRecurrent, HGQTableSum, HGQUnaryLUT
from ..layers.activation_table import LUT_INPUTS
from ..layers.recurrent import CONSTANTS, final_step
from ..layers.unary_lut import is_constant, table_type
from ..layers.windows import conv_patch_index, pool_index
from ..passes.ranges import PASSTHROUGH_CLASSES, NodeRange, input_nodes, propagate
from ..precision.fixed import frac_bits, union_type
from .ebops import keras_ebops
from .report import CostReport, LayerCost

#: A product goes to a DSP when both operands are wider than this many bits.
DSP_MIN_WIDTH = 10

Counts = dict[str, Any]


def csd_digits(m: np.ndarray) -> np.ndarray:
    """Non-zero digits of each non-negative integer in canonical signed-digit (non-adjacent) form."""
    m = np.asarray(m, dtype=np.int64).copy()
    digits = np.zeros_like(m)
    while (m != 0).any():
        odd = (m & 1) == 1
        digits += odd
        m = np.where(odd, m - (2 - (m & 3)), m) >> 1  # ...01 -> subtract 1, ...11 -> add 1
    return digits


def constant_bits(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``bits`` and CSD ``digits`` of each constant (0 and 0 for zeros)."""
    v = np.asarray(values, dtype=np.float64)
    live = v != 0
    m = np.where(live, np.abs(v) * np.exp2(np.where(live, frac_bits(v), 0)), 0.0).astype(np.int64)
    return np.frexp(m)[1] + (v < 0), csd_digits(m)


def _width(t: Any) -> int:
    return int(getattr(t.precision, 'width', 0))


def result_width(node: Layer) -> int:
    return _width(node.get_output_variable().type)


def op_width(node: Layer) -> int | np.ndarray:
    """Width of the node's adders: its accumulator type, else its result type; per output element (as
    ``(positions, columns)``) for our layers with exact accumulators."""
    if isinstance(node, ExactAccumulators):
        widths = np.array([0 if t is None else t.width for t in node.accumulators])
        return widths.reshape(-1, node.get_output_variable().shape[-1])
    accum = node.get_attr('accum_t')
    return result_width(node) if accum is None else _width(accum)


def accum_width(node: Layer) -> int | None:
    """The node's accumulator width: the widest of its per-element ones for our layers with exact accumulators
    (they have no layer-wide ``accum_t``), else hls4ml's ``accum_t``'s, if any."""
    if isinstance(node, ExactAccumulators):
        return max((t.width for t in node.accumulators if t is not None), default=None)
    accum = node.get_attr('accum_t')
    return None if accum is None else _width(accum)


def _mode_name(mode: Any) -> str:
    """``'RND'`` from a string, an hls4ml mode enum or ``None`` (``''``)."""
    return str(getattr(mode, 'name', mode or '')).upper()


def mode_count(rounding: Any, overflow: Any) -> int:
    """Non-default modes of a cast: rounding other than TRN, overflow other than WRAP."""
    return int(_mode_name(rounding) not in ('', 'TRN')) + int(_mode_name(overflow) not in ('', 'WRAP'))


def requant_luts(node: Layer, n_elements: int) -> int:
    p = node.get_output_variable().type.precision
    modes = mode_count(getattr(p, 'rounding_mode', None), getattr(p, 'saturation_mode', None))
    return modes * n_elements * result_width(node)


def range_widths(r: NodeRange) -> np.ndarray:
    """Width of the narrowest type holding each element's range (0 for constant zeros)."""
    q = r.out
    flat = [union_type(lo, hi, f).width for lo, hi, f in zip(q.lo.ravel(), q.hi.ravel(), q.f.ravel())]
    return np.where(q.is_zero, 0, np.reshape(flat, q.shape))


@singledispatch
def element_widths(node: Layer, inputs: list[np.ndarray], ranges: dict[str, NodeRange]) -> np.ndarray:
    """Live width of each output element of ``node`` (see the module docstring)."""
    shape = tuple(node.get_output_variable().shape)
    if node.class_name in PASSTHROUGH_CLASSES:
        return inputs[0].reshape(shape)
    return np.full(shape, result_width(node), dtype=np.int64)


@element_widths.register(HGQQuantize)
@element_widths.register(HGQUnaryLUT)
@element_widths.register(HGQTableSum)
def _(node, inputs, ranges):
    return range_widths(ranges[node.name]).reshape(tuple(node.get_output_variable().shape))


@element_widths.register
def _(node: FixedPointQuantizer, inputs, ranges):
    shape = tuple(node.get_output_variable().shape)
    return np.broadcast_to(np.asarray(node.mask_kbi[1]), (1, *shape))[0].astype(np.int64)


@element_widths.register
def _(node: Reshape, inputs, ranges):
    return inputs[0].reshape(tuple(node.get_output_variable().shape))


@element_widths.register
def _(node: Transpose, inputs, ranges):
    return inputs[0].transpose(tuple(node.get_attr('perm')))


@element_widths.register
def _(node: Concatenate, inputs, ranges):
    axis = node.get_attr('axis')
    return np.concatenate(inputs, axis=axis - 1 if axis > 0 else axis)


@element_widths.register(ZeroPadding1D)
@element_widths.register(ZeroPadding2D)
def _(node, inputs, ranges):
    pads = [(node.get_attr('pad_left'), node.get_attr('pad_right'))]
    if isinstance(node, ZeroPadding2D):
        pads.insert(0, (node.get_attr('pad_top'), node.get_attr('pad_bottom')))
    return np.pad(inputs[0], [*pads, (0, 0)])


def product_counts(
    equation: str, a: np.ndarray, b: np.ndarray, b_lut: np.ndarray, bias: Any, width: int | np.ndarray
) -> Counts:
    """Costs of ``einsum(equation, x, y) + bias``: ``a`` and ``b`` are the operands' live widths (``b``: a constant's
    ``bits``), ``b_lut`` the LUTs per input bit of one product on LUTs (a constant's ``digits - 1``, else ``b``);
    ``width``: the adders' width, for all outputs or per output (broadcast against the output)."""

    def total(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.einsum(equation, x.astype(np.int64), y.astype(np.int64))

    wide_a, wide_b = a > DSP_MIN_WIDTH, b > DSP_MIN_WIDTH
    products = total(a > 0, b > 0)
    adders = np.maximum(products + (np.broadcast_to(bias, products.shape) != 0) - 1, 0)
    return {
        'multiplies': products.sum(),
        'bops': total(a, b).sum(),
        'dsps': total(wide_a, wide_b).sum(),
        'luts': total(a, b_lut).sum() - total(a * wide_a, b_lut * wide_b).sum() + (adders * width).sum(),
    }


def constant_counts(node: Layer, equation: str, a: np.ndarray, w: np.ndarray, bias: Any, out: np.ndarray) -> Counts:
    """Costs of a layer computing ``einsum(equation, x, w) + bias`` with constants ``w``, plus its result cast."""
    bits, digits = constant_bits(w)
    counts = product_counts(equation, a, bits, np.maximum(digits - 1, 0), 0.0 if bias is None else bias, op_width(node))
    counts.update(weights=(w != 0).sum(), weight_bits=bits.sum())
    counts['luts'] += requant_luts(node, out.size)
    return counts


def variable_counts(node: Layer, equation: str, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> Counts:
    """Costs of a layer computing ``einsum(equation, x, y)`` of two variable tensors, plus its result cast."""
    counts = product_counts(equation, a, b, b, 0.0, op_width(node))
    counts['luts'] += requant_luts(node, out.size)
    return counts


@singledispatch
def node_counts(node: Layer, inputs: list[np.ndarray], out: np.ndarray) -> Counts:
    """Counts of one node from the live widths of its inputs and its output."""
    return {'modelled': False}


@node_counts.register(Input)
@node_counts.register(Reshape)
@node_counts.register(Transpose)
@node_counts.register(Concatenate)
@node_counts.register(ZeroPadding1D)
@node_counts.register(ZeroPadding2D)
def _(node, inputs, out):
    return {}


@node_counts.register
def _(node: HGQQuantize, inputs, out):
    return {'luts': out.sum() * mode_count(node.get_attr('round_mode'), node.get_attr('overflow_mode'))}


@node_counts.register
def _(node: FixedPointQuantizer, inputs, out):
    return {'luts': out.sum() * mode_count(node.get_attr('RND'), node.get_attr('SAT'))}


@node_counts.register
def _(node: HGQUnaryLUT, inputs, out):
    k, i, f = (np.asarray(x).reshape(out.shape) for x in node.kif)
    a = np.maximum(k + i + f, 0)
    varying = ~np.array([is_constant(t) for t in node.tables])[np.asarray(node.table_id).reshape(out.shape)]
    tables = out * 2 ** np.maximum(a - LUT_INPUTS, 0)
    cast = a * mode_count(node.get_attr('round_mode'), node.get_attr('overflow_mode'))
    return {'luts': ((tables + cast) * varying).sum()}


@node_counts.register
def _(node: HGQRecurrent, inputs, out):
    attrs = node.attributes
    _, step, _, _ = final_step(attrs)
    n = node.get_attr('n_timesteps')
    a = np.array([p[0] for p in step.products], dtype=np.int64)
    const = np.array([p[1] is not None for p in step.products], dtype=bool)
    bits, digits = constant_bits(np.array([p[1] or 0.0 for p in step.products]))
    b = np.where(const, bits, [p[2] for p in step.products]).astype(np.int64)
    b_lut = np.where(const, np.maximum(digits - 1, 0), b)
    dsp = (a > DSP_MIN_WIDTH) & (b > DSP_MIN_WIDTH)
    casts = sum(w * mode_count(rnd, ovf) for w, rnd, ovf in step.casts)
    casts += sum(a * mode_count('TRN', 'SAT') + b * 2 ** max(a - LUT_INPUTS, 0) for a, b in step.lookups)
    w = np.concatenate([np.ravel(attrs[k]) for k in CONSTANTS[attrs['cell']] if attrs[k] is not None] or [np.zeros(0)])
    return {
        'multiplies': a.size * n,
        'bops': (a * b).sum() * n,
        'dsps': dsp.sum() * n,
        'luts': ((a * b_lut)[~dsp].sum() + sum(step.adders) + casts) * n,
        'weights': (w != 0).sum(),
        'weight_bits': constant_bits(w)[0].sum(),
    }


@node_counts.register
def _(node: HGQTableSum, inputs, out):
    k, i, f = node.kif
    a = np.maximum(k + i + f, 0)
    varying = node.varying()
    width = np.array([table_type(t).width for t in node.tables])[node.table_id]
    cast = a * mode_count(node.get_attr('round_mode'), node.get_attr('overflow_mode'))
    terms = varying.sum(axis=1) + (node.constant_part() != 0)
    adders = np.maximum(terms - 1, 0) * op_width(node).ravel()
    return {'luts': ((width * 2 ** np.maximum(a - LUT_INPUTS, 0) + cast) * varying).sum() + adders.sum()}


@node_counts.register(HGQDense)
@node_counts.register
def _(node: Dense, inputs, out):
    w = np.asarray(node.get_attr('weight_data'), dtype=np.float64)  # Keras layout, whatever the strategy
    return constant_counts(node, 'pi,io->po', inputs[0].reshape(-1, w.shape[0]), w, node.get_attr('bias_data'), out)


@node_counts.register(Conv1D)
@node_counts.register(Conv2D)
@node_counts.register(HGQConv)
def _(node, inputs, out):
    a = inputs[0]
    w = np.asarray(node.get_attr('weight_data'), dtype=np.float64)
    w = w.reshape(-1, w.shape[-1])
    patches = np.append(a.ravel(), 0)[conv_patch_index(node, a.shape[:-1])].reshape(-1, w.shape[0])
    return constant_counts(node, 'pi,io->po', patches, w, node.get_attr('bias_data'), out)


@node_counts.register
def _(node: BatchNormalization, inputs, out):
    scale, bias = (np.ravel(node.get_attr(name).data) for name in ('scale', 'bias'))
    return constant_counts(node, 'pc,c->pc', inputs[0].reshape(-1, scale.size), scale, bias, out)


@node_counts.register
def _(node: EinsumDense, inputs, out):
    if node.get_attr('hgq_einsum') is None:  # upstream's EinsumDense keeps no HGQ2 equation
        return {'modelled': False}
    equation, kernel, bias = node.get_attr('hgq_einsum')
    return constant_counts(node, equation, inputs[0], np.asarray(kernel, dtype=np.float64), bias, out)


@node_counts.register
def _(node: Einsum, inputs, out):
    return variable_counts(node, node.get_attr('equation'), *inputs, out)


@node_counts.register
def _(node: Merge, inputs, out):
    op = node.get_attr('op')
    a, b = (x.ravel() for x in inputs)
    if op == 'multiply':
        return variable_counts(node, 'i,i->i', a, b, out)
    if op in ('add', 'subtract', 'average', 'maximum', 'minimum'):
        return {'luts': ((a > 0) & (b > 0)).sum() * op_width(node) + requant_luts(node, out.size)}
    return {'modelled': False}


@node_counts.register
def _(node: Activation, inputs, out):
    act = node.get_attr('activation').lower()
    if act == 'linear':
        return {}
    if act == 'relu' or (act == 'thresholdedrelu' and float(node.get_attr('activ_param')) == 0.0):
        live = (inputs[0] > 0).sum()
        return {'luts': live * result_width(node) + requant_luts(node, out.size)}
    return {'modelled': False}


@node_counts.register(Pooling1D)
@node_counts.register(Pooling2D)
def _(node, inputs, out):
    a = inputs[0]
    index = pool_index(node, a.shape[:-1], a.shape[-1])
    taps = (np.append(a.ravel(), 0)[index] > 0).sum(axis=-1)
    return {'luts': np.maximum(taps - 1, 0).sum() * op_width(node) + requant_luts(node, out.size)}


@node_counts.register(GlobalPooling1D)
@node_counts.register(GlobalPooling2D)
def _(node, inputs, out):
    a = inputs[0]
    taps = (a.reshape(-1, a.shape[-1]) > 0).sum(axis=0)
    return {'luts': np.maximum(taps - 1, 0).sum() * op_width(node) + requant_luts(node, out.size)}


def layer_costs(hls_model: Any, ebops: dict[str, float] | None = None) -> list[LayerCost]:
    """One :class:`LayerCost` per graph node, in graph order; ``ebops`` is matched by node name."""
    nodes = list(hls_model.graph.values())
    ranges = propagate(hls_model) if any(n.get_attr('hgq_source_layer') for n in nodes) else {}  # ours
    widths: dict[str, np.ndarray] = {}
    found = []
    for node in nodes:
        ins = [widths[n.name] for n in input_nodes(node)]
        out = widths[node.name] = element_widths(node, ins, ranges)
        counts = {} if node.class_name in PASSTHROUGH_CLASSES else node_counts(node, ins, out)
        found.append(
            LayerCost(
                node.name,
                node.class_name,
                **{k: v if k == 'modelled' else int(v) for k, v in counts.items()},
                accum_width=accum_width(node),
                result_width=result_width(node),
                ebops=None if ebops is None else ebops.get(node.name),
            )
        )
    return found


def cost(hls_model: Any, keras_model: Any = None) -> CostReport:
    """The cost proxy of a converted hls4ml model; with ``keras_model``, HGQ2's EBOPs per layer side by side."""
    ebops = None if keras_model is None else keras_ebops(keras_model)
    return CostReport(layer_costs(hls_model, ebops), ebops)
