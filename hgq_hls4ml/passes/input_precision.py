"""Pass ``hgq_input_precision``: choose the input port type so that converting a float32 sample to it loses
nothing any downstream quantizer could see.

Where the first quantizer was folded into the input (``hgq_fuse_quantizers``) the port *is* the quantized type.
Otherwise the port keeps every bit a quantizer reads: all integer bits plus a sign, and for rounding modes that
need to see below the kept LSB, :data:`FLOAT32_GUARD_BITS` more fractional bits (every float32 value near a
rounding tie is then exact; smaller ones cannot change a rounding decision).
"""

from __future__ import annotations

import numpy as np
from hls4ml.model.layers import Input, Layer, Reshape, Transpose
from hls4ml.model.types import FixedPrecisionType

from ..analysis.graph import fused_quantizer, output_nodes
from ..errors import UnsupportedLayerError
from ..layers import HGQBroadcast, HGQQuantize, HGQTableSum, HGQUnaryLUT
from ..precision.fixed import FLOAT32_GUARD_BITS, FixedType
from .base import HGQModelPass

#: Layers that move values unchanged: the quantizers reading through them read the input's values.
SHAPE_ONLY = (Reshape, Transpose, HGQBroadcast)


#: Our layers that quantize what they read (attributes ``kif``, ``round_mode``, ``overflow_mode``).
QUANTIZING = (HGQQuantize, HGQUnaryLUT, HGQTableSum)


def reading_quantizers(node: Layer) -> list[HGQQuantize | HGQUnaryLUT | HGQTableSum]:
    """Quantizing layers that read ``node``'s output, directly or through shape-only layers."""
    found = []
    for n in output_nodes(node):
        if isinstance(n, QUANTIZING):
            found.append(n)
        elif isinstance(n, SHAPE_ONLY) or n.class_name in ('Repack', 'Clone'):
            found += reading_quantizers(n)
        else:
            raise UnsupportedLayerError(
                [(n.name, n.class_name, f'reads model input {node.name!r} without an input quantizer')]
            )
    return found


def port_type(quantizers: list[HGQQuantize | HGQUnaryLUT | HGQTableSum]) -> FixedType:
    """Signed TRN/TRN_ZERO type wide enough for every quantizer reading the input."""
    integer, frac = 1, 0
    modes_round, modes_ovf = set(), set()
    for q in quantizers:
        k, i, f = (np.asarray(a) for a in q.kif)
        alive = (k + i + f) > 0
        if not alive.any():
            continue
        integer = max(integer, int(np.max((k + i)[alive])) + 1)
        frac = max(frac, int(np.max(f[alive])))
        modes_round.add(q.get_attr('round_mode'))
        modes_ovf.add(q.get_attr('overflow_mode'))
        if q.get_attr('overflow_mode') == 'WRAP_SM':
            reason = (
                'WRAP_SM quantizer on the model input: a finite input port saturates or wraps far-out inputs first, '
                "which changes HGQ2's WRAP_SM result; quantize the input with WRAP or SAT"
            )
            raise UnsupportedLayerError([(q.get_attr('hgq_source_layer') or q.name, q.class_name, reason)])
    if modes_round - {'TRN', 'TRN_ZERO'}:
        frac += FLOAT32_GUARD_BITS
    rounding = 'TRN_ZERO' if modes_round == {'TRN_ZERO'} else 'TRN'
    # Wrapping quantizers see the input modulo their period, which a wrapping port preserves; saturating ones
    # need the port to saturate too. (With both kinds on one input, values beyond the port range saturate.)
    overflow = 'WRAP' if modes_ovf <= {'WRAP'} else 'SAT'
    return FixedType(True, integer + frac, integer, rounding, overflow)


def set_port_type(node: Input, t: FixedType) -> None:
    var = node.get_output_variable()
    var.type.precision = FixedPrecisionType(t.width, t.integer, t.signed, t.rounding, t.overflow)


class InputPrecision(HGQModelPass):
    def run(self, model) -> None:
        for node in model.graph.values():
            if not isinstance(node, Input):
                continue
            fused = fused_quantizer(node)
            if fused is not None:
                k, i, f, rnd, ovf = fused
                t = FixedType(bool(k), k + i + f, k + i, rnd, ovf)
            else:
                t = port_type(reading_quantizers(node))
            set_port_type(node, t)
