"""``HGQSoftmax``: HGQ2's table-based ``QSoftmax`` (last axis), exactly.

Per row: ``m = max(x)``; ``e_j = exp_table(m - x_j)`` (``exp_table(x_j)`` when not stable); ``s = sum(e)``;
``v = inv_table(s)``; ``y_j = e_j * v``. With a (static) mask, as HGQ2's masked ``QSoftmax``: the max and the sum
run over the kept positions only, masked positions are 0.
Both tables are HGQ2's own (quantized input, function, quantized output), tabulated by running its sub-layers on
every input code; every intermediate type is the exact range of what it holds, so each step equals Keras.
io_stream computes one row per pixel when every row uses the same tables and mask, else it buffers the whole tensor
around the io_parallel function (see :func:`~.codegen.buffered_stream_source`).
"""

from __future__ import annotations

from math import prod

import numpy as np

from ..graph import input_type, is_stream
from ..precision.fixed import NO_BITS, FixedType, frac_bits, union_type
from .codegen import ElementwiseLayer, GeneratedFunctionTemplate, pixel_loop
from .unary_lut import is_constant, lookup, table_decl


class HGQSoftmax(ElementwiseLayer):
    """Attributes: ``exp``/``inv`` dicts with ``kif``, ``round_mode``, ``overflow_mode``, ``tables``, ``table_id``;
    ``mask``: ``None`` or a boolean array of the input's shape (``False``: masked)."""


def kept(mask: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean array of ``shape``: the positions the softmax keeps (every one without a mask)."""
    return np.ones(shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool).reshape(shape)


def tables_type(tables: list[np.ndarray]) -> FixedType:
    """One type holding every entry of ``tables`` exactly."""
    values = np.concatenate(tables)
    f = frac_bits(values)
    return union_type(values.min(initial=0.0), values.max(initial=0.0), f.max(initial=NO_BITS))


def sum_type(exp: dict, n: int, mask: np.ndarray | None) -> FixedType:
    """Exact type of a row sum of the kept ones of ``n`` exp-table outputs."""
    ids = np.asarray(exp['table_id']).reshape(-1, n)
    keep = kept(mask, ids.shape)
    lo = (np.array([t.min() for t in exp['tables']])[ids] * keep).sum(axis=1)
    hi = (np.array([t.max() for t in exp['tables']])[ids] * keep).sum(axis=1)
    return union_type(lo, hi, np.full(lo.shape, tables_type(exp['tables']).fractional))


def rows_identical(exp: dict, inv: dict, n: int, mask: np.ndarray | None) -> bool:
    """Every row (of ``n`` elements) uses the same exponent and inverse tables, quantizers and mask."""

    def same(a: np.ndarray, width: int) -> bool:
        rows = np.asarray(a).reshape(-1, width)
        return bool((rows == rows[0]).all())

    return all(same(a, n) for a in (exp['table_id'], *exp['kif'], kept(mask, np.shape(exp['table_id'])))) and all(
        same(a, 1) for a in (inv['table_id'], *inv['kif'])
    )


def _element(part: dict, index: int) -> tuple[int, int, int, int]:
    """``(table id, k, i, f)`` of element ``index`` of a table part."""
    k, i, f = (int(np.asarray(a).flat[index]) for a in part['kif'])
    return int(np.asarray(part['table_id']).flat[index]), k, i, f


def diff_type(t: FixedType) -> FixedType:
    """Exact type of ``max(x) - x_j`` for ``x`` of type ``t``."""
    return union_type(0.0, t.max_value - t.min_value, t.fractional)


def row_body(
    exp: dict,
    inv: dict,
    types: dict[str, FixedType],
    row: int,
    keep: np.ndarray,
    src,
    dst,
    elem_t: str,
    stable: bool,
) -> list[str]:
    """C++ statements computing one row (``keep``: its kept positions) from ``src(j)`` into ``dst(j)``."""
    n = len(keep)
    js = [j for j in range(n) if keep[j]]
    zeros = [f'{dst(j)} = 0;' for j in range(n) if not keep[j]]
    if not js:  # every position masked: HGQ2's masked exponents are all 0, so is every output
        return zeros

    def look(part: dict, prefix: str, index: int, expr: str, expr_t: FixedType) -> str:
        t, *kif = _element(part, index)
        rnd, ovf = part['round_mode'], part['overflow_mode']
        return lookup(f'{prefix}{t}', part['tables'][t], tuple(kif), rnd, ovf, expr, expr_t)

    if stable:
        lines = [f'{elem_t} m = {src(js[0])};']
        lines += [f'if ({src(j)} > m) m = {src(j)};' for j in js[1:]]
        lines += [f'diff_t d{j} = m - {src(j)};' for j in js]
        lines += [f'exp_t e{j} = {look(exp, "te", row * n + j, f"d{j}", types["diff_t"])};' for j in js]
    else:
        lines = [f'exp_t e{j} = {look(exp, "te", row * n + j, src(j), types["input_t"])};' for j in js]
    lines.append('sum_t s = ' + ' + '.join(f'e{j}' for j in js) + ';')
    lines.append(f'inv_t v = {look(inv, "ti", row, "s", types["sum_t"])};')
    return lines + [f'{dst(j)} = e{j} * v;' for j in js] + zeros


class HGQSoftmaxFunctionTemplate(GeneratedFunctionTemplate):
    layer_class = HGQSoftmax
    prefix = 'hgq_softmax'

    def buffers_stream(self, node: HGQSoftmax) -> bool:
        """io_stream computes one row per pixel when every row is alike, else buffers the whole tensor."""
        exp, inv, mask = node.get_attr('exp'), node.get_attr('inv'), node.get_attr('mask')
        return is_stream(node) and not rows_identical(exp, inv, node.get_input_variable().shape[-1], mask)

    def source(self, node: HGQSoftmax, fn_name: str) -> str:
        exp, inv, mask = node.get_attr('exp'), node.get_attr('inv'), node.get_attr('mask')
        shape = node.get_input_variable().shape
        n, rows = shape[-1], prod(shape[:-1])
        keep = kept(mask, (rows, n))
        types = {
            'input_t': input_type(node),
            'diff_t': diff_type(input_type(node)),
            'exp_t': tables_type(exp['tables']),
            'sum_t': sum_type(exp, n, mask),
            'inv_t': tables_type(inv['tables']),
        }
        decls = [f'typedef {t.cpp()} {name};' for name, t in types.items() if name != 'input_t']
        stable = node.get_attr('stable')
        for prefix, part in (('te', exp), ('ti', inv)):
            decls += [table_decl(f'{prefix}{t}', tab) for t, tab in enumerate(part['tables']) if not is_constant(tab)]
        head = '\n    '.join(decls)
        if is_stream(node) and not self.buffers_stream(node):
            body = '\n        '.join(
                row_body(
                    exp, inv, types, 0, keep[0], 'x[{}]'.format, 'y[{}]'.format, 'typename input_t::value_type', stable
                )
            )
            return pixel_loop(fn_name, rows, body, f'{head}\n    ')
        blocks = []
        for r in range(rows):
            src, dst = (lambda j, r=r: f'in[{r * n + j}]'), (lambda j, r=r: f'out[{r * n + j}]')
            lines = row_body(exp, inv, types, r, keep[r], src, dst, 'input_t', stable)
            blocks.append('{\n        ' + '\n        '.join(lines) + '\n    }')
        body = '\n    '.join(blocks)
        return f"""
template <class input_t, class output_t>
void {fn_name}(input_t in[{rows * n}], output_t out[{rows * n}]) {{
    #pragma HLS INLINE
    {head}
    {body}
}}
"""
