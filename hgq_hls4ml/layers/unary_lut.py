"""``HGQUnaryLUT``: HGQ2's ``QUnaryFunctionLUT`` as exact per-element lookup tables.

Each element's input quantizer is applied by an ``ap_fixed`` cast (HGQ2's rounding and overflow); the raw bits of
that value index a table holding exactly what Keras outputs for it (activation, then the element's output
quantizer). Elements with the same input type and the same entries share one table; constant elements need none.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from ..precision.fixed import FixedType, element_type
from .codegen import ElementwiseLayer, GeneratedFunctionTemplate, element_source, is_stream
from .quantize import element_cast, input_type

#: Default largest input width a table is built for (2**16 entries per table); see :func:`table_limit`.
MAX_TABLE_BITS = 16
_TABLE_BITS: ContextVar[int] = ContextVar('hgq_max_table_bits', default=MAX_TABLE_BITS)


def max_table_bits() -> int:
    """The largest table input width in force: :data:`MAX_TABLE_BITS`, or the one :func:`table_limit` set."""
    return _TABLE_BITS.get()


@contextmanager
def table_limit(bits: int) -> Iterator[None]:
    """Convert with tables of up to ``2**bits`` entries inside this block (``hgq_hls4ml.convert(...,
    max_table_bits=bits)`` does this for its own call)."""
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 0:
        raise ValueError(f'max_table_bits must be a non-negative integer; got {bits!r}')
    token = _TABLE_BITS.set(bits)
    try:
        yield
    finally:
        _TABLE_BITS.reset(token)


class TableData:
    """Mixin: the layer's distinct ``tables`` and the table each element or term reads (``table_id``)."""

    attributes: dict

    @property
    def tables(self) -> list[np.ndarray]:
        return self.attributes['tables']

    @property
    def table_id(self) -> np.ndarray:
        return self.attributes['table_id']


class HGQUnaryLUT(TableData, ElementwiseLayer):
    """``out[j] = tables[table_id[j]][code of in[j] after its quantizer]``."""


def code_values(k: np.ndarray, i: np.ndarray, f: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Value of raw two's-complement code ``rows[r]`` of each (k, i, f) element type, shape ``(rows, elements)``;
    ``0.0`` past an element's ``2**width`` codes (an element without bits has the one code ``0.0``)."""
    k, i, f = (np.asarray(a, dtype=np.int64).ravel() for a in (k, i, f))
    width = np.maximum(k + i + f, 0)
    r = np.asarray(rows, dtype=np.float64)[:, None]
    signed_code = np.where((k > 0) & (r >= 2.0 ** (width - 1)), r - 2.0**width, r)
    return np.where(r < 2.0**width, signed_code * 2.0 ** -np.where(width > 0, f, 0), 0.0)


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
