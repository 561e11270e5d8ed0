"""``HGQUnaryLUT``: HGQ2's ``QUnaryFunctionLUT`` as exact per-element lookup tables.

Each element's input quantizer is applied by an ``ap_fixed`` cast (HGQ2's rounding and overflow); the raw bits of
that value index a table holding exactly what Keras outputs for it (activation, then the element's output
quantizer). Elements with the same input type and the same entries share one table; constant elements need none.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from ..precision.fixed import FixedType, element_type
from .codegen import ElementwiseLayer, GeneratedFunctionTemplate, element_source, is_stream
from .quantize import element_cast, input_type

#: Largest input width a table is built for (2**16 entries per table).
MAX_TABLE_BITS = 16


class HGQUnaryLUT(ElementwiseLayer):
    """``out[j] = tables[table_id[j]][code of in[j] after its quantizer]``."""

    @property
    def tables(self) -> list[np.ndarray]:
        return self.attributes['tables']

    @property
    def table_id(self) -> np.ndarray:
        return self.attributes['table_id']


def element_codes(k: int, i: int, f: int) -> np.ndarray:
    """Every value of the (k, i, f) element type, in raw two's-complement code order (``[0.0]`` if it has no bits)."""
    t = element_type(k, i, f)
    if t is None:
        return np.zeros(1)
    codes = np.arange(2**t.width, dtype=np.float64)
    if t.signed:
        codes = np.where(codes >= 2 ** (t.width - 1), codes - 2**t.width, codes)
    return codes * 2.0**-t.fractional


def literal(v: float) -> str:
    return repr(float(v))


def is_constant(table: np.ndarray) -> bool:
    return bool(np.ptp(table) == 0)


def table_decl(ctype: str, name: str, table: np.ndarray) -> str:
    return f'static const {ctype} {name}[{table.size}] = {{{", ".join(map(literal, table))}}};'


def lookup(
    name: str, table: np.ndarray, kif: tuple[int, int, int], rnd: str, ovf: str, src: str, src_type: FixedType
) -> str:
    """``name[code]``, ``code`` being the raw bits of ``src`` quantized to ``kif`` (a literal for constant tables)."""
    if is_constant(table):
        return literal(table[0])
    width = element_type(*kif, rnd, ovf).width
    return f'{name}[ap_uint<{width}>({element_cast(*kif, rnd, ovf, src, src_type)}.range({width - 1}, 0))]'


class HGQUnaryLUTFunctionTemplate(GeneratedFunctionTemplate):
    layer_class = HGQUnaryLUT
    prefix = 'hgq_lut'

    def source(self, node: HGQUnaryLUT, fn_name: str) -> str:
        rnd, ovf = node.get_attr('round_mode'), node.get_attr('overflow_mode')
        k, i, f = (np.asarray(a).ravel().tolist() for a in node.kif)
        ids = node.table_id.ravel().tolist()
        value_t = 'typename output_t::value_type' if is_stream(node) else 'output_t'
        used = sorted(t for t in set(ids) if not is_constant(node.tables[t]))
        src_type = input_type(node)
        preamble = ''.join(f'{table_decl(value_t, f"t{t}", node.tables[t])}\n    ' for t in used)

        def stmt(key: Hashable, src: str, dst: str) -> str:
            t, *kif = key
            return f'{dst} = {lookup(f"t{t}", node.tables[t], tuple(kif), rnd, ovf, src, src_type)};'

        return element_source(node, fn_name, list(zip(ids, k, i, f)), stmt, preamble)
