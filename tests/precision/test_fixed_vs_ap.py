"""``element_type(...).cpp()`` casts, compiled with the real ``ap_types`` headers, equal HGQ2's quantizers bit for bit.

The reference is ``quantizers``' numpy implementation (plus HGQ2's rule that zero-width elements output 0). Inputs
are kept to at most ~40 significant bits and ``|x| * 2**f < 2**48``: the numpy reference computes
``floor(x * 2**f + 0.5)`` and the wrap in float64, which is itself inexact for full 53-bit mantissas (RND of
``0.49999999999999994`` gives 1) or huge values (``2**53`` wraps to -1 in ``ap_fixed<1,1,AP_RND>``).

Combinations where ``ap_fixed`` and HGQ2 truly differ are carved out by :data:`KNOWN_MISMATCHES` and pinned by a
strict xfail (``test_known_mismatch``), so a fix in either the headers' use or the mapping shows up as XPASS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hgq_hls4ml.precision.fixed import element_type, kif_range

from .ap_catalog import CATALOGUE, COMBOS, ApProgram, Combo, Entry, entries_for, reference

# ---------------------------------------------------------------------------------------------------------------
# known semantic differences between ap_fixed and HGQ2


@dataclass(frozen=True)
class Mismatch:
    name: str
    applies: Callable[[Entry], bool]
    reason: str
    raises: type[Exception] = AssertionError


KNOWN_MISMATCHES = (
    Mismatch(
        'wrap_sm_unsigned',
        lambda e: e.overflow == 'WRAP_SM' and e.k == 0 and e.width > 0,
        'ap_ufixed<..., AP_WRAP_SM> calls exit(1) at run time ("ap_ufxied<...> cannot support AP_WRAP_SM").',
        RuntimeError,
    ),
    Mismatch(
        'wrap_sm_rnd_conv_signed_1bit',
        lambda e: e.combo == ('RND_CONV', 'WRAP_SM') and e.k == 1 and e.width == 1,
        'ap_fixed<1,I,AP_RND_CONV,AP_WRAP_SM> and HGQ2 disagree on which odd multiples of LSB/2 wrap to -2**(I-1).',
    ),
)


def known_mismatch(entry: Entry) -> Mismatch | None:
    return next((m for m in KNOWN_MISMATCHES if m.applies(entry)), None)


def clean_entries(combo: Combo) -> list[Entry]:
    return [e for e in entries_for(combo) if known_mismatch(e) is None]


def combo_id(combo: Combo) -> str:
    return '-'.join(combo)


# ---------------------------------------------------------------------------------------------------------------
# comparison helpers


def mismatch_report(entries: list[Entry], xs: np.ndarray, got: np.ndarray, want: np.ndarray) -> str:
    bad = np.flatnonzero(got != want)
    rows = [f'  {entries[j]}  x={xs[j]!r}: ap_fixed={got[j]!r} reference={want[j]!r}' for j in bad[:20]]
    return f'{bad.size}/{xs.size} mismatches:\n' + '\n'.join(rows)


def assert_matches(run_cpp: ApProgram, entries: list[Entry], xs: list[float] | np.ndarray) -> None:
    """One subprocess call for the batch; ``entries[j]`` casts ``xs[j]``."""
    xs = np.asarray(xs, dtype=np.float64)
    got = run_cpp([e.id for e in entries], xs)
    want = np.array([reference(e, np.array([x]))[0] for e, x in zip(entries, xs, strict=True)])
    assert np.array_equal(got, want), mismatch_report(entries, xs, got, want)


def assert_entry_matches(run_cpp: ApProgram, entry: Entry, xs: list[float] | np.ndarray) -> None:
    assert_matches(run_cpp, [entry] * len(xs), xs)


# ---------------------------------------------------------------------------------------------------------------
# value strategies


def values(entry: Entry) -> st.SearchStrategy[list[float]]:
    """Grid points, exact ties, off-grid points, float32 values up to 2**(i+6), signed zeros and tiny values.

    ``huge`` goes far beyond the range but keeps ``|x| * 2**f < 2**48``: past ~2**52 the reference's float64
    ``floor(x * 2**f + 0.5)`` and wrap arithmetic stop being exact.
    """
    lsb, bound, far = entry.lsb, 2.0 ** (entry.i + 6), 2.0 ** (48 - entry.f)
    span = int(bound / lsb)
    steps = st.integers(-span, span)
    grid = steps.map(lambda m: m * lsb)
    ties = steps.map(lambda m: (m + 0.5) * lsb)
    off_grid = st.tuples(steps, st.integers(1, 255)).map(lambda t: (t[0] + t[1] / 256) * lsb)
    f32 = st.floats(-bound, bound, width=32, allow_nan=False, allow_infinity=False)
    huge = st.floats(-far, far, width=32, allow_nan=False, allow_infinity=False)
    # float32-representable tiny values only: models see float32 inputs (float64 subnormals such as 5e-324 underflow
    # to -0 in the numpy reference's scaling, where ap_fixed floors them to -LSB)
    tiny_mag = [2.0 ** -(entry.f + 30), 1e-30, 2.0**-149]
    tiny = st.sampled_from([0.0, -0.0, *tiny_mag, *(-t for t in tiny_mag)])
    return st.lists(st.one_of(grid, ties, off_grid, f32, huge, tiny), min_size=1, max_size=48)


# ---------------------------------------------------------------------------------------------------------------
# tests


def test_catalogue_covers_every_combo_and_shape() -> None:
    assert len(COMBOS) == 23
    assert 250 <= len(CATALOGUE) <= 420
    assert [e.id for e in CATALOGUE] == list(range(len(CATALOGUE)))
    for combo in COMBOS:
        es = entries_for(combo)
        widths = {e.width for e in es}
        assert {1, 2} <= widths and widths & set(range(16, 21)) and min(widths) <= 0, combo
        assert any(e.i < 0 and e.width > 0 for e in es) and any(e.f < 0 and e.width > 0 for e in es), combo
        assert {e.k for e in es} == {0, 1}, combo


def constant_zero(entry: Entry) -> bool:
    """HGQ2 outputs only 0: no bits at all, or SAT_SYM with no magnitude bits (its symmetric range is {0})."""
    lo, hi = kif_range(np.array([entry.k]), np.array([entry.i]), np.array([entry.f]), entry.overflow)
    return lo[0] == 0 and hi[0] == 0


@settings(max_examples=300, deadline=None)
@given(k=st.integers(0, 1), i=st.integers(-40, 40), f=st.integers(-40, 40), combo=st.sampled_from(COMBOS))
def test_element_type_is_none_exactly_for_constant_zero(k: int, i: int, f: int, combo: Combo) -> None:
    entry = Entry(-1, k, i, f, *combo)
    t = element_type(k, i, f, *combo)
    assert (t is None) == constant_zero(entry)
    assert (k + i + f <= 0) <= (t is None)
    if t is None:
        return
    assert (t.signed, t.width, t.integer, t.fractional) == (bool(k), k + i + f, k + i, f)
    assert (t.rounding, t.overflow) == combo
    lo, hi = kif_range(np.array([k]), np.array([i]), np.array([f]))
    assert (t.min_value, t.max_value) == (lo[0], hi[0])


@pytest.mark.parametrize('combo', COMBOS, ids=combo_id)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_matches_reference(run_cpp: ApProgram, combo: Combo, data: st.DataObject) -> None:
    entry = data.draw(st.sampled_from(clean_entries(combo)), label='entry')
    xs = data.draw(values(entry), label='xs')
    assert (entry.type is None) == constant_zero(entry)
    assert_entry_matches(run_cpp, entry, xs)


def tie_values(entry: Entry) -> list[float]:
    """±0.5, ±1.5, ±2.5 LSB, the raw range ends, and half an LSB beyond each end."""
    lsb = entry.lsb
    lo, hi = (float(a[0]) for a in kif_range(np.array([entry.k]), np.array([entry.i]), np.array([entry.f])))
    ties = [s * m * lsb for m in (0.5, 1.5, 2.5) for s in (1, -1)]
    return [*ties, hi, lo, hi + lsb / 2, lo - lsb / 2, hi - lsb / 2, lo + lsb / 2]


@pytest.mark.parametrize('combo', COMBOS, ids=combo_id)
def test_ties_and_range_ends(run_cpp: ApProgram, combo: Combo) -> None:
    pairs = [(e, x) for e in clean_entries(combo) for x in tie_values(e)]
    assert_matches(run_cpp, [e for e, _ in pairs], [x for _, x in pairs])


def dense_values(entry: Entry) -> np.ndarray:
    """Quarter-LSB steps over +-2 wrap periods (thinned to ~1000 points for wide types), plus far values."""
    n = 2 ** max(entry.width, 0)  # grid points per period
    quarters = np.arange(-8 * n, 8 * n + 1)[:: max(1, n // 64)]
    return np.concatenate([quarters * entry.lsb / 4, [-(2.0 ** (entry.i + 6)), 2.0 ** (entry.i + 6), -0.0]])


def _known_mismatch_params() -> list:
    params = []
    for e in CATALOGUE:
        m = known_mismatch(e)
        if m is not None:
            mark = pytest.mark.xfail(strict=True, reason=f'{m.name}: {m.reason}', raises=m.raises)
            params.append(pytest.param(e, id=f'{m.name}-{combo_id(e.combo)}-k{e.k}i{e.i}f{e.f}', marks=mark))
    return params


@pytest.mark.parametrize('entry', _known_mismatch_params())
def test_known_mismatch(run_cpp: ApProgram, entry: Entry) -> None:
    assert_entry_matches(run_cpp, entry, dense_values(entry))
