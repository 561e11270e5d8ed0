"""Unit tests of the small helpers in ``hgq_hls4ml.precision.fixed``."""

from __future__ import annotations

import numpy as np
import pytest

from hgq_hls4ml.precision.fixed import (
    OVERFLOW_MODES,
    ROUND_MODES,
    FixedType,
    element_type,
    kif_range,
    normalize_overflow_mode,
    normalize_round_mode,
)


@pytest.mark.parametrize('mode', ROUND_MODES)
@pytest.mark.parametrize('spell', [str, str.lower, lambda m: f'S_{m}', lambda m: f's_{m.lower()}'])
def test_normalize_round_mode_accepts_spellings(mode: str, spell) -> None:
    assert normalize_round_mode(spell(mode)) == mode


@pytest.mark.parametrize('bad', ['', 'S_', 'ROUND', 'RND_', 'SS_RND', 'TRN ', 'WRAP'])
def test_normalize_round_mode_rejects_unknown_names(bad: str) -> None:
    with pytest.raises(ValueError, match='unknown rounding mode') as err:
        normalize_round_mode(bad)
    assert all(m in str(err.value) for m in ROUND_MODES)
    assert repr(bad) in str(err.value)


@pytest.mark.parametrize('mode', OVERFLOW_MODES)
@pytest.mark.parametrize('spell', [str, str.lower, str.title])
def test_normalize_overflow_mode_accepts_spellings(mode: str, spell) -> None:
    assert normalize_overflow_mode(spell(mode)) == mode


@pytest.mark.parametrize('bad', ['', 'S_SAT', 'SATURATE', 'WRAP_ZERO', 'SAT_ZERO', 'RND'])
def test_normalize_overflow_mode_rejects_unknown_names(bad: str) -> None:
    with pytest.raises(ValueError, match='unknown overflow mode') as err:
        normalize_overflow_mode(bad)
    assert all(m in str(err.value) for m in OVERFLOW_MODES)


@pytest.mark.parametrize(
    'fixed, spelling',
    [
        (FixedType(True, 8, 3), 'ap_fixed<8,3>'),
        (FixedType(False, 8, 3), 'ap_ufixed<8,3>'),
        (FixedType(True, 8, 3, 'RND', 'SAT'), 'ap_fixed<8,3,AP_RND,AP_SAT>'),
        (FixedType(True, 8, 3, 'TRN', 'SAT'), 'ap_fixed<8,3,AP_TRN,AP_SAT>'),
        (FixedType(False, 4, 9, 'RND', 'WRAP'), 'ap_ufixed<4,9,AP_RND,AP_WRAP>'),
        (FixedType(True, 1, -2, 'RND_CONV', 'SAT_SYM'), 'ap_fixed<1,-2,AP_RND_CONV,AP_SAT_SYM>'),
        (FixedType(True, 20, 0, 'RND_MIN_INF', 'WRAP_SM'), 'ap_fixed<20,0,AP_RND_MIN_INF,AP_WRAP_SM>'),
    ],
)
def test_cpp_spelling(fixed: FixedType, spelling: str) -> None:
    assert fixed.cpp() == spelling


def test_with_modes_keeps_shape_and_defaults_to_trn_wrap() -> None:
    t = FixedType(True, 8, 3, 'RND', 'SAT')
    assert t.with_modes() == FixedType(True, 8, 3)
    assert t.with_modes().cpp() == 'ap_fixed<8,3>'
    assert FixedType(False, 5, 1).with_modes('RND_ZERO', 'SAT_SYM').cpp() == 'ap_ufixed<5,1,AP_RND_ZERO,AP_SAT_SYM>'


@pytest.mark.parametrize(
    'k, i, f, rounding, overflow, spelling',
    [
        (1, 2, 5, 'TRN', 'WRAP', 'ap_fixed<8,3>'),
        (0, 3, 5, 's_rnd', 'sat', 'ap_ufixed<8,3,AP_RND,AP_SAT>'),
        (1, -3, 5, 'S_RND_CONV', 'WRAP', 'ap_fixed<3,-2,AP_RND_CONV,AP_WRAP>'),
        (0, 6, -2, 'TRN', 'SAT', 'ap_ufixed<4,6,AP_TRN,AP_SAT>'),
    ],
)
def test_element_type_spelling(k: int, i: int, f: int, rounding: str, overflow: str, spelling: str) -> None:
    t = element_type(k, i, f, rounding, overflow)
    assert t is not None and t.cpp() == spelling


def test_element_type_rejects_bad_modes() -> None:
    with pytest.raises(ValueError):
        element_type(1, 2, 3, 'FLOOR', 'WRAP')
    with pytest.raises(ValueError):
        element_type(1, 2, 3, 'TRN', 'CLIP')


@pytest.mark.parametrize(
    'fixed, lo, hi, frac',
    [
        (FixedType(True, 8, 3), -4.0, 4.0 - 2**-5, 5),
        (FixedType(False, 8, 3), 0.0, 8.0 - 2**-5, 5),
        (FixedType(True, 1, 1), -1.0, 0.0, 0),
        (FixedType(False, 1, 1), 0.0, 1.0, 0),
        (FixedType(True, 1, 0), -0.5, 0.0, 1),
        (FixedType(False, 2, -3), 0.0, 2**-3 - 2**-5, 5),
        (FixedType(True, 4, 7), -64.0, 56.0, -3),
        (FixedType(False, 4, 9), 0.0, 512.0 - 32.0, -5),
        (FixedType(True, 20, 10), -512.0, 512.0 - 2**-10, 10),
    ],
)
def test_min_max_value(fixed: FixedType, lo: float, hi: float, frac: int) -> None:
    assert (fixed.min_value, fixed.max_value, fixed.fractional) == (lo, hi, frac)


def test_min_max_value_enumerate_every_raw_code() -> None:
    """Brute force: the range ends are the extreme two's-complement codes times the LSB."""
    for signed in (False, True):
        for width in range(1, 7):
            for integer in range(-3, 10):
                t = FixedType(signed, width, integer)
                codes = np.arange(-(2 ** (width - 1)), 2 ** (width - 1)) if signed else np.arange(2**width)
                values = codes * 2.0**-t.fractional
                assert (t.min_value, t.max_value) == (values.min(), values.max()), t


@pytest.mark.parametrize(
    'overflow, lo, hi',
    [
        ('WRAP', [-4.0, 0.0, 0.0, 0.0, -1.0, 0.0], [4.0 - 2**-5, 8.0 - 0.5, 0.0, 0.0, 0.0, 0.0]),
        ('SAT', [-4.0, 0.0, 0.0, 0.0, -1.0, 0.0], [4.0 - 2**-5, 8.0 - 0.5, 0.0, 0.0, 0.0, 0.0]),
        # HGQ2's WRAP_SM reaches -2**i even when k=0 (its unsigned sign-magnitude wrap): 4-bit unsigned -> -8
        ('WRAP_SM', [-4.0, -8.0, 0.0, 0.0, -1.0, 0.0], [4.0 - 2**-5, 8.0 - 0.5, 0.0, 0.0, 0.0, 0.0]),
        ('SAT_SYM', [-4.0 + 2**-5, 0.0, 0.0, 0.0, 0.0, 0.0], [4.0 - 2**-5, 8.0 - 0.5, 0.0, 0.0, 0.0, 0.0]),
        ('sat_sym', [-4.0 + 2**-5, 0.0, 0.0, 0.0, 0.0, 0.0], [4.0 - 2**-5, 8.0 - 0.5, 0.0, 0.0, 0.0, 0.0]),
    ],
)
def test_kif_range(overflow: str, lo: list[float], hi: list[float]) -> None:
    # columns: 8-bit signed, 4-bit unsigned, zero-width unsigned, negative-width signed, signed 1-bit, k=i=f=0
    k, i, f = np.array([1, 0, 0, 1, 1, 0]), np.array([2, 3, -2, -4, 0, 0]), np.array([5, 1, 2, 1, 0, 0])
    got_lo, got_hi = kif_range(k, i, f, overflow)
    np.testing.assert_array_equal(got_lo, lo)
    np.testing.assert_array_equal(got_hi, hi)


def test_kif_range_matches_element_type_and_broadcasts() -> None:
    k, i, f = np.meshgrid([0, 1], np.arange(-4, 6), np.arange(-3, 7), indexing='ij')
    lo, hi = kif_range(k, i, f)
    assert lo.shape == hi.shape == k.shape
    for idx in np.ndindex(k.shape):
        t = element_type(k[idx], i[idx], f[idx])
        assert (lo[idx], hi[idx]) == ((t.min_value, t.max_value) if t else (0.0, 0.0)), idx
