"""Exact lookups of an element-wise function: each form, evaluated as the C++ evaluates it, gives the table entry of
every input code; saturation is as narrow as allowed and no narrower."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hgq_hls4ml.layers.activation_table import (
    ByRuns,
    ByTable,
    cheapest,
    input_values,
    runs,
    saturated_integer_bits,
)
from hgq_hls4ml.options import table_limit


def saturate(x: np.ndarray, k: int, i: int, f: int) -> np.ndarray:
    """``ap_fixed<k + i + f, k + i, AP_TRN, AP_SAT>`` of values already on the ``2**-f`` grid."""
    return np.clip(x, -(2.0**i) if k else 0.0, 2.0**i - 2.0**-f)


def evaluate(lk, x: np.ndarray) -> np.ndarray:
    """What the generated C++ computes for inputs ``x``."""
    if isinstance(lk, ByTable):
        k, i, f = lk.kif
        codes = np.round(saturate(x, k, i, f) * 2.0**f).astype(np.int64) % 2 ** (k + i + f)
        return lk.table[codes]
    return lk.values[np.searchsorted(lk.starts, x, side='right') - 1]


@st.composite
def tabulated(draw, monotone: bool):
    """A type ``(k, i, f)`` and a table over its codes of a quantized (optionally monotone) function."""
    k = draw(st.integers(0, 1))
    f = draw(st.integers(-2, 6))
    i = draw(st.integers(max(1 - k - f, -3), 9 - k - f))
    x = input_values(k, i, f)
    lo, hi = draw(st.floats(-4, 0)), draw(st.floats(0, 4))
    if monotone:
        y = np.tanh(np.clip(x, lo, hi) * draw(st.floats(0.1, 4)))
    else:
        y = np.sin(x * draw(st.floats(0.1, 8))) * (x > lo) * (x < hi)
    step = 2.0 ** -draw(st.integers(0, 5))
    return k, i, f, np.round(y / step) * step


def assert_exact(lk, k, i, f, table):
    np.testing.assert_array_equal(evaluate(lk, input_values(k, i, f)), table)


@settings(max_examples=300, deadline=None)
@given(tabulated(monotone=True) | tabulated(monotone=False))
def test_saturation_keeps_every_entry_and_is_narrowest(t):
    k, i, f, table = t
    n = saturated_integer_bits(table, k, i, f)
    x = input_values(k, i, f)
    np.testing.assert_array_equal(_entries_at(table, x, saturate(x, k, n, f)), table)
    if k + n - 1 + f >= 1:  # one bit fewer would change an entry
        assert not np.array_equal(_entries_at(table, x, saturate(x, k, n - 1, f)), table)


def _entries_at(table: np.ndarray, x: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The entries of ``table`` (one per input value ``x``) at the input values ``at``."""
    order = np.argsort(x)
    return table[order][np.searchsorted(x[order], at)]


@settings(max_examples=300, deadline=None)
@given(tabulated(monotone=True) | tabulated(monotone=False))
def test_runs_reproduce_the_table(t):
    k, i, f, table = t
    r = runs(table, k, i, f)
    assert_exact(r, k, i, f, table)
    assert np.all(np.diff(r.starts) > 0) and np.all(r.values[1:] != r.values[:-1])


@settings(max_examples=300, deadline=None)
@given(tabulated(monotone=True) | tabulated(monotone=False), st.integers(2, 10))
def test_cheapest_form_is_exact_within_the_limit(t, limit):
    k, i, f, table = t
    with table_limit(limit):
        lk = cheapest(table, k, i, f)
    if lk is None:
        assert k + saturated_integer_bits(table, k, i, f) + f > limit and runs(table, k, i, f).starts.size > 2**limit
        return
    assert_exact(lk, k, i, f, table)
    size = sum(lk.kif) if isinstance(lk, ByTable) else np.log2(lk.starts.size)
    assert size <= limit


@pytest.mark.parametrize(
    ('k', 'i', 'f', 'expected'),
    [
        (1, 4, 10, ByRuns),  # 15 bits, 9 outputs: 8 comparisons beat 4096 entries (12 bits, once saturated)
        (1, 4, 4, ByTable),  # 9 bits: saturated to 6, one LUT per output bit
    ],
)
def test_quantized_tanh_form(k, i, f, expected):
    x = input_values(k, i, f)
    table = np.round(np.tanh(x) * 4) / 4
    lk = cheapest(table, k, i, f)
    assert isinstance(lk, expected)
    assert_exact(lk, k, i, f, table)
