"""Building blocks of the cost proxy's counts (the cost model is described in :mod:`hgq_hls4ml.cost.proxy`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hls4ml.model.layers import Layer

from ..graph import element_accumulators
from ..precision import interval as iv
from ..precision.fixed import frac_bits, union_type

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


def type_width(t: Any) -> int:
    return int(getattr(t.precision, 'width', 0))


def result_width(node: Layer) -> int:
    return type_width(node.get_output_variable().type)


def op_width(node: Layer) -> int | np.ndarray:
    """Width of the node's adders: its accumulator type, else its result type; per output element (as
    ``(positions, columns)``) for our layers with exact accumulators."""
    if (accumulators := element_accumulators(node)) is not None:
        widths = np.array([0 if t is None else t.width for t in accumulators])
        return widths.reshape(-1, node.get_output_variable().shape[-1])
    accum = node.get_attr('accum_t')
    return result_width(node) if accum is None else type_width(accum)


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


def range_widths(q: iv.QInterval) -> np.ndarray:
    """Width of the narrowest type holding each element's range (0 for constant zeros)."""
    flat = [union_type(lo, hi, f).width for lo, hi, f in zip(q.lo.ravel(), q.hi.ravel(), q.f.ravel())]
    return np.where(q.is_zero, 0, np.reshape(flat, q.shape))


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
