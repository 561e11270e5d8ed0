"""Pass ``hgq_exact_types``: every result, accumulator, weight and bias type from exact ranges.

Result and accumulator types are the narrowest that hold the proven range of the layer's output (per element,
unioned over the tensor), so nothing overflows and no bit is wasted; a quantizer folded into the layer makes the
result type that quantizer's. Weight, bias and scale types are the narrowest that hold the constants exactly.
"""

from __future__ import annotations

import warnings

import numpy as np
from hls4ml.model.layers import Input, Layer
from hls4ml.model.types import FixedPrecisionType, NamedType

from ..analysis.families import traits_of
from ..analysis.families.pooling import POOLING, feeds_padded_max_pooling
from ..analysis.graph import fused_quantizer, input_nodes
from ..analysis.ranges import NodeRange, accum_range, propagate
from ..errors import Float32Warning
from ..hls4ml_api import set_output_variable_type
from ..layers import ExactAccumulators
from ..layers.windows import pool_windows
from ..precision import interval as iv
from ..precision.fixed import FixedType, coarsen_types, rounding_safe_source, union_type
from ..precision.float32 import sum_is_exact
from .base import HGQModelPass

#: Constant arrays of hls4ml layers whose types follow their values.
CONSTANT_ARRAYS = ('weight', 'bias', 'scale')


def hls_precision(t: FixedType) -> FixedPrecisionType:
    return FixedPrecisionType(t.width, t.integer, t.signed, t.rounding, t.overflow)


def result_type(node: Layer, r: NodeRange) -> FixedType:
    """The output type: the exact range of the result, or of a folded quantizer's output.

    A folded quantizer's rounding and overflow act on assignment, so its type is the quantizer's; where its overflow
    provably never acts, only the rounding matters and the integer bits shrink to the proven range.
    """
    fused = fused_quantizer(node)
    if fused is None:
        return r.out.union_type()
    k, i, f, rnd, ovf = fused
    quantizer_t = FixedType(bool(k), k + i + f, k + i, rnd, ovf)
    if iv.overflow_free(r.raw, k, i, f, rnd, ovf).all():
        narrow = r.out.union_type().with_modes(rnd, 'WRAP')
        if narrow.width < quantizer_t.width:
            return narrow
    return quantizer_t


#: Most distinct accumulator types per layer: each costs the C++ compiler a template instantiation, so rarer
#: types are widened into a few shared ones (each still holds every range it serves).
MAX_ACCUMULATOR_TYPES = 4


def element_accumulators(
    raw: iv.QInterval, result: FixedType, terms: np.ndarray, limit: int = MAX_ACCUMULATOR_TYPES
) -> list[FixedType | None]:
    """Per output element: an accumulator holding its range (``None`` if constantly zero), the narrowest one
    possible among at most ``limit`` types; ``terms`` (per element) weighs the adders a wider type costs."""
    exact = [
        None if lo == hi == 0 else union_type(lo, hi, f)
        for lo, hi, f in zip(raw.lo.ravel(), raw.hi.ravel(), raw.f.ravel())
    ]
    counts: dict[FixedType, int] = {}
    for t, n in zip(exact, np.ravel(terms)):
        if t is not None:
            counts[t] = counts.get(t, 0) + max(int(n), 1)
    shared = coarsen_types(counts, limit)
    return [t and (rounding_safe_source(shared[t], result) or shared[t]) for t in exact]


def live_taps(index: np.ndarray, x: iv.QInterval) -> np.ndarray:
    """A patch index with the taps reading constantly-zero input elements removed (``-1``, like padding)."""
    dead = np.append(x.is_zero.ravel(), True)[index]  # index -1 reads the appended True
    return np.where(dead, -1, index)


def live_terms(node: Layer, index: np.ndarray) -> np.ndarray:
    """Products summed into each output element: live taps with a non-zero weight (position-major, like the output)."""
    w = np.asarray(node.get_attr('weight').data, dtype=np.float64).reshape(index.shape[1], -1)
    return ((index >= 0).astype(np.int64) @ (w != 0).astype(np.int64)).ravel()


def set_output_types(node: Layer, t: FixedType) -> None:
    named = NamedType(f'{node.name}_t', hls_precision(t))
    node.set_attr('result_t', named)
    set_output_variable_type(node, named)


def set_scalar_types(node: Layer) -> None:
    """Types of the scalar constants the node's family names (a model-level ``Precision`` would give them its own)."""
    traits = traits_of(node)
    if traits is None or traits.constants is None:
        return
    for name, value in traits.constants(node).items():
        t = iv.constant(np.array([value])).union_type()
        node.set_attr(f'{name}_t', NamedType(f'{node.name}_{name}_t', hls_precision(t)))


def set_constant_types(node: Layer) -> None:
    for name in CONSTANT_ARRAYS:
        var = node.get_attr(name)
        if var is None or getattr(var, 'data', None) is None:
            continue
        t = iv.constant(np.asarray(var.data)).union_type()
        named = NamedType(f'{node.name}_{name}_t', hls_precision(t))
        node.set_attr(f'{name}_t', named)
        var.type = named
        var.update_precision(named.precision)


def signed(t: FixedType) -> FixedType:
    """``t`` with a sign bit (the same values)."""
    return t if t.signed else FixedType(True, t.width + 1, t.integer + 1, t.rounding, t.overflow)


def warn_inexact_float32_sums(node: Layer, x: iv.QInterval) -> None:
    """Warn where Keras's float32 window sums of an average may round (its summation order is the backend's), so
    that the firmware's exact sums may differ from them."""
    if node.get_attr('pool_op') != 'Average':
        return
    magnitude = np.maximum(np.abs(x.lo), np.abs(x.hi))
    bound = iv.window_sum(iv.QInterval(magnitude, magnitude, x.f), pool_windows(node, x.shape))
    inexact = ~sum_is_exact(bound.hi, bound.f)
    if inexact.any():
        warnings.warn(
            f"{node.name}: {int(inexact.sum())} of its {inexact.size} window sums may need more than float32's 24 "
            "significant bits, so Keras's float32 sums may round where the firmware's are exact; narrow the input "
            "quantizers' bits (or use fewer elements per window) for bit-exact firmware",
            Float32Warning,
            stacklevel=2,
        )


class ExactTypes(HGQModelPass):
    def run(self, model) -> None:
        ranges = propagate(model)
        for node in model.graph.values():
            r = ranges[node.name]
            result = result_type(node, r)
            if not isinstance(node, Input):
                padded = fused_quantizer(node) is None and feeds_padded_max_pooling(node)  # see fuse_quantizers
                set_output_types(node, signed(result) if padded else result)
            if isinstance(node, POOLING):
                warn_inexact_float32_sums(node, ranges[input_nodes(node)[0].name].out)
            if 'accum_t' in node.attributes:
                acc = accum_range(node, r.raw, [ranges[n.name].out for n in input_nodes(node)]).union_type()
                acc = rounding_safe_source(acc, result) or acc  # see rounding_safe_source: an ap_types assertion
                node.set_attr('accum_t', NamedType(f'{node.name}_accum_t', hls_precision(acc)))
            if isinstance(node, ExactAccumulators):
                terms = np.ones(r.raw.lo.size, dtype=np.int64)
                if node.get_attr('hgq_patch_index') is not None:  # dense and convolutions
                    (src,) = input_nodes(node)
                    index = live_taps(node.patch_index, ranges[src.name].out)
                    node.set_attr('hgq_patch_index', index)
                    terms = live_terms(node, index)
                node.set_attr('hgq_accumulators', element_accumulators(r.raw, result, terms))
            set_constant_types(node)
            set_scalar_types(node)
