"""Element-wise tracing of one time step: every value's exact range, the C++ statement computing it and the
operators it needs, from one description."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ...precision import interval as iv
from ...precision.fixed import FixedType, element_type, union_type
from ..activation_table import ActivationTable, ByRuns, ByTable, lookup_values, lookups_range
from ..element_quantizer import element_cast
from ..unary_lut import is_constant, literal, lookup, table_decl
from .spec import QuantizerSpec


@dataclass(frozen=True)
class Vec:
    """Per-element C++ expressions (a variable, or the literal ``0`` for a constant zero), their ranges and
    declared types (``None``: a literal or an ``auto`` cast)."""

    names: list[str]
    range: iv.QInterval
    types: list[FixedType | None]

    def __getitem__(self, s: slice) -> Vec:
        return Vec(self.names[s], iv.QInterval(self.range.lo[s], self.range.hi[s], self.range.f[s]), self.types[s])


def concat(a: Vec, b: Vec) -> Vec:
    """``a`` then ``b``, as one vector."""
    return Vec(a.names + b.names, iv.concatenate([a.range, b.range], 0), a.types + b.types)


def comparison_tree(src: str, t: str, r: ByRuns) -> str:
    """C++ expression of type ``t`` giving run ``r``'s value for input ``src`` (a balanced tree of comparisons)."""

    def tree(lo: int, hi: int) -> str:
        if hi - lo == 1:
            return f'{t}({literal(r.values[lo])})'
        mid = (lo + hi) // 2
        return f'({src} >= {typed_literal(r.starts[mid])} ? {tree(mid, hi)} : {tree(lo, mid)})'

    return tree(0, r.starts.size)


def typed_literal(value: float) -> str:
    """A constant as an ``ap_fixed`` of its exact type."""
    return f'{iv.constant(np.array([value])).union_type().cpp()}({float(value)!r})'


def width(rng: iv.QInterval, j: int) -> int:
    """Bits of element ``j``'s exact type (0 for a constant zero)."""
    return 0 if rng.is_zero[j] else union_type(rng.lo[j], rng.hi[j], rng.f[j]).width


class Step:
    """Builds one time step: the ranges of every value, (in order) the C++ statements computing them, and the
    operators they need (for the cost proxy): ``products`` ``(a, c, b)`` of an ``a``-bit variable and a constant
    ``c`` (``b = 0``) or a ``b``-bit variable (``c = None``), ``adders`` (widths), ``casts`` ``(width, rounding,
    overflow)`` and ``lookups`` ``(input width, output width)``; ``tables`` declares the lookup tables (once, before
    the time loop)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tables: list[str] = []
        self.products: list[tuple[int, float | None, int]] = []
        self.adders: list[int] = []
        self.casts: list[tuple[int, str, str]] = []
        self.lookups: list[tuple[int, int]] = []

    def declare(self, prefix: str, rng: iv.QInterval, expr: Callable[[int, str], str]) -> Vec:
        """``T prefix_j = expr(j, T);`` with ``T`` the exact type of element ``j``'s range (zeros stay literals)."""
        iv.check_exact(rng, f'recurrent step value {prefix!r}')
        names, types = [], []
        for j in range(rng.shape[0]):
            if rng.is_zero[j]:
                names.append('0')
                types.append(None)
                continue
            t = union_type(rng.lo[j], rng.hi[j], rng.f[j])
            self.lines.append(f'{t.cpp()} {prefix}_{j} = {expr(j, t.cpp())};')
            names.append(f'{prefix}_{j}')
            types.append(t)
        return Vec(names, rng, types)

    def dot(self, prefix: str, x: Vec, w: np.ndarray, bias: np.ndarray) -> Vec:
        """``x @ w + bias``, each output accumulated in its exact type (partial sums may wrap; the result is exact)."""
        rng = iv.add_constant(iv.matmul(x.range, w), bias)
        out = self.declare(prefix, rng, lambda j, _: typed_literal(bias[j]) if bias[j] else '0')
        for j, name in enumerate(out.names):
            if name == '0':
                continue
            live = [i for i, xi in enumerate(x.names) if xi != '0' and w[i, j] != 0]
            self.lines += [f'{name} += {x.names[i]} * {typed_literal(w[i, j])};' for i in live]
            self.products += [(width(x.range, i), float(w[i, j]), 0) for i in live]
            self.adders += [width(rng, j)] * max(len(live) - (bias[j] == 0), 0)
        return out

    def binary(self, prefix: str, a: Vec, b: Vec, op: str) -> Vec:
        """Element-wise ``a + b`` or ``a * b`` in the exact type of the result."""
        rng = iv.add(a.range, b.range) if op == '+' else iv.multiply(a.range, b.range)
        if op == '+':  # adding a constant zero is the other operand
            if all(n == '0' for n in b.names):
                return a
            if all(n == '0' for n in a.names):
                return b

        def expr(j: int, _: str) -> str:
            x, y = a.names[j], b.names[j]
            if op == '+':
                if '0' in (x, y):
                    return y if x == '0' else x
                self.adders.append(width(rng, j))
                return f'{x} + {y}'
            self.products.append((width(a.range, j), None, width(b.range, j)))
            return f'{x} * {y}'

        return self.declare(prefix, rng, expr)

    def one_minus(self, prefix: str, a: Vec) -> Vec:
        """Element-wise ``1 - a``."""
        rng = iv.add_constant(iv.negate(a.range), np.ones(a.range.shape))
        one = typed_literal(1.0)

        def expr(j: int, _: str) -> str:
            if a.names[j] == '0':
                return one
            self.adders.append(width(rng, j))
            return f'{one} - {a.names[j]}'

        return self.declare(prefix, rng, expr)

    def scale(self, prefix: str, a: Vec, c: np.ndarray) -> Vec:
        """Element-wise ``a * c`` for constants ``c``."""

        def expr(j: int, _: str) -> str:
            self.products.append((width(a.range, j), float(c[j]), 0))
            return f'{a.names[j]} * {typed_literal(c[j])}'

        return self.declare(prefix, iv.scale(a.range, c), expr)

    def offset(self, prefix: str, a: Vec, c: np.ndarray) -> Vec:
        """Element-wise ``a + c`` for constants ``c``."""
        rng = iv.add_constant(a.range, c)

        def expr(j: int, _: str) -> str:
            if a.names[j] == '0' or c[j] == 0:
                return typed_literal(c[j]) if a.names[j] == '0' else a.names[j]
            self.adders.append(width(rng, j))
            return f'{a.names[j]} + {typed_literal(c[j])}'

        return self.declare(prefix, rng, expr)

    def spike(self, prefix: str, mem: Vec, threshold: np.ndarray) -> tuple[list[str], Vec, Vec]:
        """``mem > threshold`` per element (``bool`` C++ names, or ``true``/``false`` when the range decides), and
        ``mem`` with its range narrowed to the values that fire and to those that do not."""
        f = np.where(mem.range.is_zero, 0, mem.range.f).astype(np.float64)
        below_top = np.floor(threshold * 2.0**f) / 2.0**f  # the largest grid value <= threshold
        fires, silent = mem.range.hi > threshold, mem.range.lo <= threshold
        names = []
        for j, name in enumerate(mem.names):
            if fires[j] and silent[j]:
                self.lines.append(f'const bool {prefix}_{j} = {name} > {typed_literal(threshold[j])};')
                self.adders.append(width(mem.range, j))  # a comparison
                names.append(f'{prefix}_{j}')
            else:
                names.append('true' if fires[j] else 'false')
        lo, hi = mem.range.lo, mem.range.hi
        above = iv.QInterval(np.where(fires & silent, np.maximum(lo, below_top + 2.0**-f), lo), hi, mem.range.f)
        below = iv.QInterval(lo, np.where(fires & silent, np.minimum(hi, below_top), hi), mem.range.f)
        return names, Vec(mem.names, above, mem.types), Vec(mem.names, below, mem.types)

    def select(self, prefix: str, cond: list[str], a: Vec, b: Vec) -> Vec:
        """Element-wise ``cond ? a : b``."""
        on, off = np.array([c == 'true' for c in cond]), np.array([c == 'false' for c in cond])
        both = iv.hull(a.range, b.range)

        def pick(field: str) -> np.ndarray:
            return np.where(on, getattr(a.range, field), np.where(off, getattr(b.range, field), getattr(both, field)))

        rng = iv.QInterval(pick('lo'), pick('hi'), pick('f'))

        def expr(j: int, t: str) -> str:
            if cond[j] in ('true', 'false'):
                return (a if cond[j] == 'true' else b).names[j]
            return f'{cond[j]} ? {t}({a.names[j]}) : {t}({b.names[j]})'

        return self.declare(prefix, rng, expr)

    def activation(self, prefix: str, a: Vec, name: str) -> Vec:
        """Activation ``name`` computed exactly: ``a`` itself if linear, else ReLU's ``max(a, 0)``."""
        if name == 'linear':
            return a
        rng = iv.relu(a.range)
        self.adders += [width(rng, j) for j in range(len(a.names)) if a.names[j] != '0']  # a comparison each
        return self.declare(prefix, rng, lambda j, t: f'{a.names[j]} > 0 ? {t}({a.names[j]}) : {t}(0)')

    def table(self, prefix: str, a: Vec, act: ActivationTable) -> Vec:
        """Element-wise Keras function ``act``, exact (:mod:`.activation_table`): a lookup table read by the raw bits
        of the saturated input, or a comparison tree over the inputs where the output changes."""
        lookups = act.lookups(iv.exact_kif(a.range))
        outputs = [lookup_values(lk) for lk in lookups]
        rng = lookups_range(lookups)
        names: dict[bytes, str] = {}
        for lk in lookups:
            if isinstance(lk, ByTable) and not is_constant(lk.table) and lk.table.tobytes() not in names:
                names[lk.table.tobytes()] = f'{prefix}_t{len(names)}'
                self.tables.append(table_decl(names[lk.table.tobytes()], lk.table))

        def expr(j: int, t: str) -> str:
            lk, src = lookups[j], a.names[j]
            if is_constant(outputs[j]):
                return literal(outputs[j][0])
            if isinstance(lk, ByTable):
                self.lookups.append((sum(lk.kif), width(rng, j)))
                return lookup(names[lk.table.tobytes()], lk.table, lk.kif, 'TRN', 'SAT', src, a.types[j])
            self.adders += [width(a.range, j), width(rng, j)] * (lk.starts.size - 1)  # comparisons and multiplexers
            return comparison_tree(src, t, lk)

        return self.declare(prefix, rng, expr)

    def quantize(self, prefix: str, a: Vec, q: QuantizerSpec) -> Vec:
        """HGQ2 quantizer ``q`` (then its affine map, if any) on every element."""
        k, i, f = q.kif
        rnd, ovf = q.round_mode, q.overflow_mode
        rng = iv.quantize(a.range, k, i, f, rnd, ovf)
        names, types = [], []
        for j in range(len(k)):
            dead = a.names[j] == '0' or element_type(k[j], i[j], f[j]) is None
            if dead:
                names.append('0')
            else:
                cast = element_cast(k[j], i[j], f[j], rnd, ovf, a.names[j], a.types[j])
                self.lines.append(f'auto {prefix}_{j} = {cast};')
                self.casts.append((int(k[j] + i[j] + f[j]), rnd, ovf))
                names.append(f'{prefix}_{j}')
            types.append(None)
        out = Vec(names, rng, types)
        if q.affine is None:
            return out
        scale, shift = q.affine
        rng = iv.add_constant(iv.scale(rng, np.full(rng.shape, scale)), np.full(rng.shape, shift))
        tail = f' + {typed_literal(shift)}' if shift else ''

        def affine(j: int, _: str) -> str:  # the power-of-two scale is wiring
            if out.names[j] == '0':
                return typed_literal(shift)
            if shift:
                self.adders.append(width(rng, j))
            return f'{out.names[j]} * {typed_literal(scale)}{tail}'

        return self.declare(f'{prefix}_aff', rng, affine)
