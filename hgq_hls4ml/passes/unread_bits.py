"""Pass ``hgq_unread_bits``: results keep only the fractional bits their consumers' quantizers read.

A quantizer rounding ``RND`` to ``f`` fractional bits reads only bits down to ``f + 1`` (``floor(x * 2**f + 1/2)``
depends on nothing lower), one truncating (``TRN``) only bits down to ``f``; its overflow acts on the rounded value.
So a layer whose result reaches only such quantizers, directly or through operations that commute with flooring
(ReLU, max pooling, data movement), can floor its result to those bits (an ``AP_TRN`` result type) without changing
any quantized value. The node gets ``hgq_truncate_frac``, which :mod:`hgq_hls4ml.analysis.ranges` applies to its
output range, so the result type narrows and every type downstream follows. Other rounding modes need every bit and
stop the search. Which layers cast or commute with flooring is declared per family (:class:`~..analysis.traits.Floor`).
"""

from __future__ import annotations

import numpy as np
from hls4ml.model.layers import Layer

from ..analysis.floors import floor_commutes, floor_of
from ..analysis.traits import Floor
from ..graph import fused_quantizer, output_nodes
from ..layers.element_quantizer import HGQQuantize
from .base import HGQModelPass

#: Extra fractional bit a rounding mode reads below the quantizer's LSB (modes not listed read every bit).
READ_BELOW_LSB = {'TRN': 0, 'RND': 1}


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
    """Whether an ``AP_TRN`` result type floors ``node``'s result (one cast of an exact value per element)."""
    return fused_quantizer(node) is None and floor_of(node) in (Floor.CAST, Floor.CAST_COMMUTES)


class DropUnreadBits(HGQModelPass):
    optional = True

    def run(self, model) -> None:
        for node in model.graph.values():
            if truncatable(node) and (kept := frac_read(node)) is not None:
                node.set_attr('hgq_truncate_frac', kept)
