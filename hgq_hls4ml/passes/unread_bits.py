"""Pass ``hgq_unread_bits``: results keep only the fractional bits their consumers' quantizers read.

A quantizer rounding ``RND`` to ``f`` fractional bits reads only bits down to ``f + 1`` (``floor(x * 2**f + 1/2)``
depends on nothing lower), one truncating (``TRN``) only bits down to ``f``; its overflow acts on the rounded value.
So a layer whose result reaches only such quantizers, directly or through operations that commute with flooring
(ReLU, max pooling, data movement), can floor its result to those bits (an ``AP_TRN`` result type) without changing
any quantized value. The node gets ``hgq_truncate_frac``, which :mod:`.ranges` applies to its output range, so the
result type narrows and every type downstream follows. Other rounding modes need every bit and stop the search.
"""

from __future__ import annotations

import numpy as np
from hls4ml.model.layers import (
    Activation,
    BatchNormalization,
    Concatenate,
    Conv1D,
    Conv2D,
    Cropping1D,
    Cropping2D,
    Dense,
    Einsum,
    EinsumDense,
    GlobalPooling1D,
    GlobalPooling2D,
    Layer,
    Merge,
    Pooling1D,
    Pooling2D,
    Reshape,
    Resize,
    Transpose,
    ZeroPadding1D,
    ZeroPadding2D,
)

from ..layers.exact_accum import HGQConv, HGQDense
from ..layers.quantize import HGQQuantize
from .base import HGQModelPass
from .ranges import PASSTHROUGH_CLASSES, fused_quantizer, input_nodes, output_nodes, truncated_frac

#: Layers whose C++ writes each result element by one cast of an exact intermediate value (so AP_TRN floors it).
CAST_RESULT = (
    HGQConv,
    HGQDense,
    Dense,
    Conv1D,
    Conv2D,
    BatchNormalization,
    EinsumDense,
    Einsum,
    Merge,
    Pooling1D,
    Pooling2D,
    GlobalPooling1D,
    GlobalPooling2D,
)
#: Data movement: flooring before or after is the same.
MOVES = (Reshape, Transpose, Concatenate, ZeroPadding1D, ZeroPadding2D, Cropping1D, Cropping2D, Resize)
#: Extra fractional bit a rounding mode reads below the quantizer's LSB (modes not listed read every bit).
READ_BELOW_LSB = {'TRN': 0, 'RND': 1}


def floor_commutes(node: Layer) -> bool:
    """``node(floor(x)) == floor(node(x))`` element by element (monotone, maps the grid to itself, keeps 0)."""
    if isinstance(node, Activation):
        return node.get_attr('activation').lower() in ('relu', 'linear')
    if isinstance(node, (Pooling1D, Pooling2D, GlobalPooling1D, GlobalPooling2D)):
        return node.get_attr('pool_op') == 'Max'
    return isinstance(node, MOVES) or node.class_name in PASSTHROUGH_CLASSES


def quantizer_reads(f: int, round_mode: str) -> int | None:
    extra = READ_BELOW_LSB.get(round_mode)
    return None if extra is None else f + extra


def frac_read(node: Layer) -> int | None:
    """Fractional bits of ``node``'s result that any consumer can observe, or ``None`` for all of them."""
    consumers = output_nodes(node)
    if not consumers or set(node.outputs) & set(node.model.outputs):
        return None
    reads = []
    for c in consumers:
        if isinstance(c, HGQQuantize):
            k, i, f = (np.asarray(a).ravel() for a in c.kif)
            live = f[k + i + f > 0]
            if not live.size:  # every element is a constant zero: nothing is read
                continue
            read = quantizer_reads(int(live.max()), c.get_attr('round_mode'))
        elif not floor_commutes(c):
            return None
        elif fused_quantizer(c) is not None:
            _, _, f, rnd, _ = fused_quantizer(c)
            read = quantizer_reads(f, rnd)
        else:
            read = frac_read(c)
        if read is None:
            return None
        reads.append(read)
    return max(reads, default=None)


def truncatable(node: Layer) -> bool:
    if fused_quantizer(node) is not None:
        return False
    return isinstance(node, CAST_RESULT) or (isinstance(node, Activation) and floor_commutes(node))


def floored_frac(node: Layer) -> int | None:
    """The fractional bits ``node``'s output is floored to by this pass (its own or, through operations that commute
    with flooring, its inputs'), or ``None``: where set, the output equals the Keras value floored to them."""
    own = truncated_frac(node)
    if own is not None or not floor_commutes(node) or fused_quantizer(node) is not None:
        return own
    inner = [floored_frac(n) for n in input_nodes(node)]
    return None if None in inner or not inner else min(inner)


class DropUnreadBits(HGQModelPass):
    optional = True

    def run(self, model) -> None:
        for node in model.graph.values():
            if truncatable(node) and (kept := frac_read(node)) is not None:
                node.set_attr('hgq_truncate_frac', kept)
