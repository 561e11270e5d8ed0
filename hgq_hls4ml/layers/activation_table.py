"""Exact element-wise functions over proven fixed-point ranges: Keras's float32 activation inside a cell (and the
quantizer after it), by lookup table or by comparisons.

Each element's function is evaluated by Keras on every code of its exact input type, then takes the cheaper of two
exact forms (by the LUT estimate below): a *table* indexed by the raw bits of the input saturated to the narrowest
type beyond which the function is constant, or *runs*: the input values where the output changes, compared in a
balanced tree (cheaper for a wide input and few distinct outputs, e.g. a quantized ``tanh``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import UnsupportedLayerError
from ..options import max_table_bits
from ..precision import interval as iv
from .unary_lut import build_tables, code_values, table_range, table_type

#: Widest input tabulated in full (2**20 entries per element) unless ``max_table_bits`` is larger.
MAX_TABULATED_BITS = 20
#: Inputs of one FPGA LUT: a table of ``a`` input bits needs ``2**(a - 6)`` of them per output bit.
LUT_INPUTS = 6


@dataclass(frozen=True)
class ByTable:
    """``table`` indexed by the raw bits of the input saturated to ``kif``."""

    kif: tuple[int, int, int]
    table: np.ndarray


@dataclass(frozen=True)
class ByRuns:
    """Output ``values[r]`` from input ``starts[r]`` on, up to the next start (``starts[0]``: the lowest input)."""

    starts: np.ndarray
    values: np.ndarray


Lookup = ByTable | ByRuns


def lookup_values(lk: Lookup) -> np.ndarray:
    """Every output the lookup can give."""
    return lk.table if isinstance(lk, ByTable) else lk.values


def lookups_range(lookups: list[Lookup]) -> iv.QInterval:
    """Per element: the extremes and the grid of every output its lookup can give."""
    return table_range([lookup_values(lk) for lk in lookups], np.arange(len(lookups)))


def input_values(k: int, i: int, f: int) -> np.ndarray:
    """The value of each raw code of type ``(k, i, f)``."""
    return code_values(np.array([k]), np.array([i]), np.array([f]), np.arange(2 ** max(k + i + f, 0)))[:, 0]


def saturated_integer_bits(table: np.ndarray, k: int, i: int, f: int) -> int:
    """The fewest integer bits ``n <= i`` such that saturating an input of type ``(k, i, f)`` to ``(k, n, f)``
    leaves the entry it reads in ``table`` (indexed by the raw codes of ``(k, i, f)``) unchanged: the function is
    constant beyond the narrower type's extremes (``k + n + f >= 1``)."""
    values = input_values(k, i, f)
    n = i
    while k + n - 1 + f >= 1:
        lo, hi = (-(2.0 ** (n - 1)) if k else 0.0), 2.0 ** (n - 1) - 2.0**-f
        if np.ptp(table[values >= hi]) or np.ptp(table[values <= lo]):
            break
        n -= 1
    return n


def runs(table: np.ndarray, k: int, i: int, f: int) -> ByRuns:
    """``table`` (indexed by the raw codes of ``(k, i, f)``) as runs of equal entries in increasing input order."""
    values = input_values(k, i, f)
    order = np.argsort(values, kind='stable')
    v, t = values[order], table[order]
    start = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    return ByRuns(v[start], t[start])


def table_luts(table: np.ndarray, width: int) -> int:
    """LUT estimate of a table of ``width`` input bits."""
    return table_type(table).width * 2 ** max(width - LUT_INPUTS, 0)


def runs_luts(r: ByRuns, width: int) -> int:
    """LUT estimate of the comparisons (``width``-bit) and output multiplexers of runs ``r``."""
    return (r.starts.size - 1) * (width + table_type(r.values).width)


def cheapest(table: np.ndarray, k: int, i: int, f: int) -> Lookup | None:
    """The cheaper exact form of ``table`` over the codes of ``(k, i, f)`` within the table size limit (``None``
    if neither fits: a saturated table wider than ``max_table_bits``, more runs than its ``2**max_table_bits``)."""
    n = saturated_integer_bits(table, k, i, f)
    as_table, as_runs = ByTable((k, n, f), table[_saturated_codes(k, i, f, n)]), runs(table, k, i, f)
    options = [(table_luts(as_table.table, k + n + f), as_table), (runs_luts(as_runs, k + i + f), as_runs)]
    fits = [(luts, lk) for luts, lk in options if _size_bits(lk) <= max_table_bits()]
    return min(fits, key=lambda option: option[0], default=(0, None))[1]


def _size_bits(lk: Lookup) -> float:
    return sum(lk.kif) if isinstance(lk, ByTable) else np.log2(lk.starts.size)


def _saturated_codes(k: int, i: int, f: int, n: int) -> np.ndarray:
    """For each raw code of ``(k, n, f)``, the raw code of the same value in ``(k, i, f)``."""
    narrow = input_values(k, n, f)
    return np.round(narrow * 2.0**f).astype(np.int64) % 2 ** (k + i + f)


class ActivationTable:
    """Keras's float32 function of a cell's vector (``fn``: a float32 batch ``(rows, elements)`` to its outputs),
    made exact per element over its proven input type. ``layer``/``keras_class``/``what`` name it in a refusal.
    Lookups are memoized per input types."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray], layer: str, keras_class: str, what: str) -> None:
        self.fn, self.layer, self.keras_class, self.what = fn, layer, keras_class, what
        self._memo: dict[bytes, list[Lookup]] = {}

    def lookups(self, kif: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[Lookup]:
        """Each element's exact lookup, for elements of input types ``kif``."""
        key = np.stack(kif).tobytes()
        if key not in self._memo:
            self._memo[key] = self._lookups(kif)
        return self._memo[key]

    def _lookups(self, kif: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[Lookup]:
        width = kif[0] + kif[1] + kif[2]
        limit = max(MAX_TABULATED_BITS, max_table_bits())
        if width.max(initial=0) > limit:
            j = int(np.argmax(width))
            self._refuse(f'its input has {int(width[j])} bits for element {j} (limit {limit} to tabulate it)')
        tables, ids = build_tables(self.fn, kif)
        found = []
        for j, (t, k, i, f) in enumerate(zip(ids, *kif)):
            lk = cheapest(tables[t], int(k), int(i), int(f))
            if lk is None:
                self._refuse(f'element {j} needs a table or comparison tree beyond 2**{max_table_bits()} entries')
            found.append(lk)
        return found

    def _refuse(self, why: str) -> None:
        reason = (
            f'{self.what}: {why}; narrow the quantizers before it, raise max_table_bits, or use an activation computed '
            'exactly (linear, relu)'
        )
        raise UnsupportedLayerError([(self.layer, self.keras_class, reason)])
