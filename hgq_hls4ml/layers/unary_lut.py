"""``HGQUnaryLUT``: HGQ2's ``QUnaryFunctionLUT`` as exact per-element lookup tables.

Each element's input quantizer is applied by an ``ap_fixed`` cast (HGQ2's rounding and overflow); the raw bits of
that value index a table holding exactly what Keras outputs for it (activation, then the element's output
quantizer). Elements with the same input type and the same entries share one table; constant elements need none.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np

from ..graph import input_type
from ..precision import interval as iv
from ..precision.fixed import FixedType, element_type, frac_bits
from .codegen import FROM_RAW, ElementwiseLayer, GeneratedFunctionTemplate, element_source
from .element_quantizer import element_cast

#: Values per call of a Keras layer while tabulating it (bounds the memory of a table build).
TABULATE_CHUNK = 2**18


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


def build_tables(
    fn: Callable[[np.ndarray], np.ndarray], kif: tuple[np.ndarray, ...]
) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct tables and the table index of each element of a tensor whose elements have the input types ``kif``
    (arrays of the tensor's shape): entry ``c`` of an element's table is ``fn`` at the value of raw code ``c``.

    ``fn`` maps a float32 batch of such tensors to outputs of the same shape, element by element; it is called on
    every code of every element, a batch of rows at a time.
    """
    k, i, f = kif
    shape = k.shape
    sizes = 2 ** np.maximum(k + i + f, 0).ravel()
    columns = [np.empty(n) for n in sizes]
    step = max(1, TABULATE_CHUNK // max(k.size, 1))
    for r0 in range(0, int(sizes.max(initial=1)), step):
        rows = np.arange(r0, min(r0 + step, int(sizes.max(initial=1))))
        grid = code_values(k, i, f, rows).astype(np.float32)
        out = np.asarray(fn(grid.reshape(-1, *shape)), dtype=np.float64).reshape(grid.shape)
        for j in np.flatnonzero(sizes > r0):
            columns[j][r0 : r0 + rows.size] = out[: sizes[j] - r0, j]
    tables: dict[bytes, int] = {}
    unique: list[np.ndarray] = []
    ids = []
    for table in columns:
        key = table.tobytes()
        if key not in tables:
            tables[key] = len(unique)
            unique.append(table)
        ids.append(tables[key])
    return unique, np.array(ids, dtype=np.int64).reshape(shape)


def table_type(table: np.ndarray) -> FixedType:
    """The narrowest type holding every entry of ``table``."""
    return iv.constant(table).union_type()


def table_range(tables: list[np.ndarray], ids: np.ndarray) -> iv.QInterval:
    """Per element: the extremes and the grid of the table it reads (``ids``: each element's table)."""
    ids = np.asarray(ids)
    lo, hi = (np.array([fn(t) for t in tables], dtype=np.float64)[ids] for fn in (np.min, np.max))
    return iv.QInterval(lo, hi, np.array([np.max(frac_bits(t)) for t in tables])[ids])


def literal(v: float) -> str:
    return repr(float(v))


def is_constant(table: np.ndarray) -> bool:
    return bool(np.ptp(table) == 0)


#: Unsigned C++ integer types by the widths they hold: tables store raw codes (g++ compiles integer arrays far
#: faster than arrays of ``ap_fixed`` built from ``double`` literals).
RAW_TYPES = ((8, 'unsigned char'), (16, 'unsigned short'), (32, 'unsigned int'), (64, 'unsigned long long'))


def raw_codes(table: np.ndarray) -> np.ndarray:
    """Each entry's raw two's-complement bits in :func:`table_type` of the table."""
    t = table_type(table)
    return np.round(np.asarray(table, dtype=np.float64) * 2.0**t.fractional).astype(np.int64) % 2**t.width


def table_decl(name: str, table: np.ndarray) -> str:
    """``static const`` array of the raw codes of ``table`` (read back by :func:`lookup`)."""
    ctype = next(c for bits, c in RAW_TYPES if table_type(table).width <= bits)
    return f'static const {ctype} {name}[{table.size}] = {{{", ".join(map(str, raw_codes(table)))}}};'


def lookup(
    name: str, table: np.ndarray, kif: tuple[int, int, int], rnd: str, ovf: str, src: str, src_type: FixedType
) -> str:
    """Entry ``code`` of the table declared by :func:`table_decl` as ``name``, in :func:`table_type`, ``code`` being
    the raw bits of ``src`` quantized to ``kif`` (a literal for constant tables)."""
    if is_constant(table):
        return literal(table[0])
    width = element_type(*kif, rnd, ovf).width
    index = f'ap_uint<{width}>({element_cast(*kif, rnd, ovf, src, src_type)}.range({width - 1}, 0))'
    return f'{FROM_RAW}<{table_type(table).cpp()}>({name}[{index}])'


class HGQUnaryLUTFunctionTemplate(GeneratedFunctionTemplate):
    layer_class = HGQUnaryLUT
    prefix = 'hgq_lut'

    def source(self, node: HGQUnaryLUT, fn_name: str) -> str:
        rnd, ovf = node.get_attr('round_mode'), node.get_attr('overflow_mode')
        k, i, f = (np.asarray(a).ravel().tolist() for a in node.kif)
        ids = node.table_id.ravel().tolist()
        used = sorted(t for t in set(ids) if not is_constant(node.tables[t]))
        src_type = input_type(node)
        declarations = ''.join(f'\n{table_decl(f"{fn_name}_t{t}", node.tables[t])}' for t in used)

        def stmt(key: Hashable, src: str, dst: str) -> str:
            t, *kif = key
            return f'{dst} = {lookup(f"{fn_name}_t{t}", node.tables[t], tuple(kif), rnd, ovf, src, src_type)};'

        return element_source(node, fn_name, list(zip(ids, k, i, f)), stmt, declarations)
