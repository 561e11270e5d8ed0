"""Property tests of ``hgq_hls4ml.precision.interval``: bounds contain every exact result, and are tight.

Sampled points of an input :class:`QInterval` lie on its ``2**-f`` grid; their exact images (float64 is exact for
these bit-widths) must lie inside the output interval and on the output grid. Where a bound is claimed to be tight,
it must be attained by some corner of the input box.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from quantizers.fixed_point.fixed_point_ops_np import get_fixed_quantizer_np

from hgq_hls4ml.precision.fixed import NO_BITS, FixedType, frac_bits, union_type
from hgq_hls4ml.precision.interval import (
    QInterval,
    add_constant,
    average,
    check_exact,
    constant,
    from_kif,
    from_type,
    matmul,
    quantize,
    relu,
    scale,
)

from .ap_catalog import COMBOS, Combo

N_SAMPLES = 48
SETTINGS = settings(max_examples=60, deadline=None)

# ---------------------------------------------------------------------------------------------------------------
# helpers


def on_grid(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``v`` is a multiple of ``2**-f`` (``f == NO_BITS``: ``v`` is exactly zero)."""
    v, f = np.broadcast_arrays(np.asarray(v, dtype=np.float64), np.asarray(f))
    dead = f <= NO_BITS
    scaled = v * 2.0 ** np.where(dead, 0, f).astype(np.float64)
    return np.where(dead, v == 0, scaled == np.round(scaled))


def assert_contains(out: QInterval, ys: np.ndarray) -> None:
    """Every row of ``ys`` (one exact result per element) is inside ``[lo, hi]`` and on the ``2**-f`` grid."""
    for name, ok in (('>= lo', ys >= out.lo), ('<= hi', ys <= out.hi), ('on grid', on_grid(ys, out.f))):
        bad = np.argwhere(~ok)
        assert bad.size == 0, f'not {name}: y={ys[tuple(bad[0])]} at {tuple(bad[0])}, out={out}'


def assert_tight(out: QInterval, corners: np.ndarray) -> None:
    """The bounds are attained: ``corners`` (exact results at the input box's corners) reach ``lo`` and ``hi``."""
    np.testing.assert_array_equal(corners.min(axis=0), out.lo)
    np.testing.assert_array_equal(corners.max(axis=0), out.hi)


def ints(lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` rows of uniform integers in ``[lo, hi]`` (element-wise), the first two rows being ``lo`` and ``hi``."""
    u = rng.random((n, *np.shape(lo)))
    return np.concatenate([[lo, hi], np.floor(lo + u * (hi - lo + 1)).clip(lo, hi)])


@dataclass(frozen=True)
class Box:
    """A :class:`QInterval` with random points on its grid (rows; rows 0 and 1 are ``lo`` and ``hi``)."""

    x: QInterval
    points: np.ndarray


@st.composite
def boxes(draw: st.DrawFn, n: int, max_mag_bits: int = 14, allow_zero: bool = True) -> Box:
    """``n`` elements, each ``[lo, hi]`` on a grid ``2**-f`` (f in [-3, 10]) within about ``±2**max_mag_bits``."""
    f = np.array(draw(st.lists(st.integers(-3, 10), min_size=n, max_size=n)))
    mag = np.array(draw(st.lists(st.integers(0, max_mag_bits), min_size=n, max_size=n)))
    ends = [draw(st.tuples(st.integers(-(2**m), 2**m), st.integers(-(2**m), 2**m))) for m in (mag + f).clip(0, 20)]
    lo_m, hi_m = np.array([min(e) for e in ends]), np.array([max(e) for e in ends])
    zero = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))) & allow_zero
    zero &= draw(st.integers(0, 3)) == 0  # most boxes have no constant-zero element
    lo_m, hi_m = np.where(zero, 0, lo_m), np.where(zero, 0, hi_m)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lsb = 2.0 ** -f.astype(np.float64)
    x = QInterval(lo_m * lsb, hi_m * lsb, np.where(zero, NO_BITS, f))
    return Box(x, ints(lo_m, hi_m, rng, N_SAMPLES) * lsb)


def corners(x: QInterval) -> np.ndarray:
    """All ``2**n`` corners of a 1-d box, one per row."""
    return np.array([np.where(sel, x.hi, x.lo) for sel in itertools.product((False, True), repeat=x.shape[-1])])


def fixed_point(bits: int, frac: st.SearchStrategy[int]) -> st.SearchStrategy[float]:
    """Small signed fixed-point numbers ``m * 2**-f`` (zero included)."""
    return st.builds(lambda m, f: m * 2.0**-f, st.integers(-(2**bits), 2**bits), frac)


def fixed_points(n: int, bits: int = 4) -> st.SearchStrategy[np.ndarray]:
    return st.lists(fixed_point(bits, st.integers(-2, 5)), min_size=n, max_size=n).map(np.array)


# ---------------------------------------------------------------------------------------------------------------
# quantize


def hgq_quantize(x: np.ndarray, k: np.ndarray, i: np.ndarray, f: np.ndarray, combo: Combo) -> np.ndarray:
    """The numpy reference with HGQ2's zero-width rule."""
    k, i, f = (np.broadcast_to(a, np.shape(x)).astype(np.float64) for a in (k, i, f))
    return np.where(k + i + f <= 0, 0.0, get_fixed_quantizer_np(*combo)(x, k, i, f))


@st.composite
def kifs(draw: st.DrawFn, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-element quantizer parameters, zero-width elements included."""
    k = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    i = draw(st.lists(st.integers(-4, 8), min_size=n, max_size=n))
    f = draw(st.lists(st.integers(-3, 10), min_size=n, max_size=n))
    return np.array(k), np.array(i), np.array(f)


def quantize_ys(box: Box, k: np.ndarray, i: np.ndarray, f: np.ndarray, combo: Combo) -> tuple[QInterval, np.ndarray]:
    return quantize(box.x, k, i, f, *combo), hgq_quantize(box.points, k, i, f, combo)


@pytest.mark.parametrize('combo', COMBOS, ids='-'.join)
@SETTINGS
@given(data=st.data())
def test_quantize_contains_quantized_samples(combo: Combo, data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 8), label='n')
    box = data.draw(boxes(n), label='box')
    k, i, f = data.draw(kifs(n), label='kif')
    out, ys = quantize_ys(box, k, i, f, combo)
    assert_contains(out, ys)
    if combo[1] in ('SAT', 'SAT_SYM'):  # monotone: the endpoints attain the bounds
        assert_tight(out, ys[:2])


@pytest.mark.smoke
@pytest.mark.parametrize('combo', COMBOS, ids='-'.join)
def test_quantize_of_full_kif_range_is_kif_range(combo: Combo) -> None:
    """Quantizing a quantizer's own output range is the identity."""
    k, i, f = np.meshgrid([0, 1], np.arange(-3, 5), np.arange(-2, 6), indexing='ij')
    x = from_kif(k, i, f, combo[1])
    out = quantize(x, k, i, f, *combo)
    np.testing.assert_array_equal(out.lo, x.lo)
    np.testing.assert_array_equal(out.hi, x.hi)
    np.testing.assert_array_equal(np.where(out.is_zero, NO_BITS, out.f), np.where(x.is_zero, NO_BITS, x.f))


@pytest.mark.parametrize(
    'lo, hi, f_in, kif, combo',
    [
        pytest.param(1.0, 7.0, 0, (0, 2, 0), ('TRN', 'WRAP'), id='wrap-hi-wraps-to-max'),  # q(4) = 0
        pytest.param(-12.0, -2.0, 0, (1, 2, 0), ('RND', 'WRAP'), id='wrap-lo-wraps-to-min'),  # q(-5) = 3
        pytest.param(-0.5, 0.0, 8, (0, 0, 1), ('TRN', 'WRAP'), id='wrap-negative-into-unsigned'),  # q(-.5) = .5
        pytest.param(0.0, 5.0, 2, (1, 0, 2), ('RND', 'WRAP_SM'), id='wrap_sm-hi-reflects-to-max'),  # q(2.75) = -1
        pytest.param(0.0, 10.0, 0, (0, 2, 2), ('TRN', 'SAT'), id='sat-max-off-input-grid'),  # 3.75
        pytest.param(-10.0, 0.0, 0, (1, 2, 2), ('TRN', 'SAT_SYM'), id='sat_sym-min-off-input-grid'),  # -3.75
        pytest.param(1.0, 1.0, 0, (1, 0, 2), ('RND', 'WRAP_SM'), id='wrap_sm-reflection-off-input-grid'),  # .75
    ],
)
def test_quantize_regressions(lo: float, hi: float, f_in: int, kif: tuple[int, int, int], combo: Combo) -> None:
    k, i, f = (np.array([v]) for v in kif)
    xs = np.arange(lo, hi + 2.0**-f_in / 2, 2.0**-f_in)[:, None]
    x = QInterval(np.array([lo]), np.array([hi]), np.array([f_in]))
    assert_contains(quantize(x, k, i, f, *combo), hgq_quantize(xs, k, i, f, combo))


# ---------------------------------------------------------------------------------------------------------------
# linear ops and relu


@SETTINGS
@given(data=st.data())
def test_matmul_contains_samples_and_is_tight(data: st.DataObject) -> None:
    n, m = data.draw(st.integers(1, 6), label='n'), data.draw(st.integers(1, 4), label='m')
    box = data.draw(boxes(n, max_mag_bits=8), label='box')
    w = data.draw(fixed_points(n * m), label='w').reshape(n, m)
    out = matmul(box.x, w)
    assert out.shape == (m,)
    assert_contains(out, box.points @ w)
    assert_tight(out, corners(box.x) @ w)


@SETTINGS
@given(data=st.data())
def test_matmul_batched_rows_are_independent(data: st.DataObject) -> None:
    n, m = data.draw(st.integers(1, 5), label='n'), data.draw(st.integers(1, 3), label='m')
    rows = [data.draw(boxes(n, max_mag_bits=8), label=f'row{r}') for r in range(2)]
    w = data.draw(fixed_points(n * m), label='w').reshape(n, m)
    stacked = QInterval(*(np.stack([getattr(b.x, a) for b in rows]) for a in ('lo', 'hi', 'f')))
    out = matmul(stacked, w)
    for r, b in enumerate(rows):
        single = matmul(b.x, w)
        for a in ('lo', 'hi', 'f'):
            np.testing.assert_array_equal(getattr(out, a)[r], getattr(single, a))


@SETTINGS
@given(data=st.data())
def test_add_constant_contains_samples_and_is_tight(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 8), label='n')
    box = data.draw(boxes(n), label='box')
    c = data.draw(fixed_points(n, bits=8), label='c')
    out = add_constant(box.x, c)
    assert_contains(out, box.points + c)
    assert_tight(out, box.points[:2] + c)


@SETTINGS
@given(data=st.data())
def test_scale_contains_samples_and_is_tight(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 8), label='n')
    box = data.draw(boxes(n), label='box')
    s = data.draw(st.one_of(fixed_points(n), fixed_point(4, st.integers(-2, 5)).map(np.array)), label='s')
    out = scale(box.x, s)
    assert_contains(out, box.points * s)
    assert_tight(out, box.points[:2] * s)


@SETTINGS
@given(data=st.data())
def test_relu_contains_samples_and_is_tight(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 8), label='n')
    box = data.draw(boxes(n), label='box')
    out = relu(box.x)
    assert_contains(out, np.maximum(box.points, 0.0))
    assert_tight(out, np.maximum(box.points[:2], 0.0))


# ---------------------------------------------------------------------------------------------------------------
# union_type


def representable(t: FixedType, v: np.ndarray) -> bool:
    return bool(np.all((t.min_value <= v) & (v <= t.max_value) & on_grid(v, t.fractional)))


def witnesses(x: QInterval) -> np.ndarray:
    """Values every holding type must represent: both ends, and ``lo + 2**-f`` (needs all ``f`` bits) if ``lo < hi``."""
    step = np.where(x.hi > x.lo, x.lo + 2.0 ** np.where(x.hi > x.lo, -x.f, 0).astype(np.float64), x.lo)
    return np.concatenate([x.lo, x.hi, step])


@SETTINGS
@given(data=st.data())
def test_union_type_holds_every_value_and_is_minimal(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 6), label='n')
    box = data.draw(boxes(n, max_mag_bits=20), label='box')
    # a degenerate element's grid is that of its single value (its f alone is not attained)
    x = QInterval(box.x.lo, box.x.hi, np.where(box.x.lo == box.x.hi, frac_bits(box.x.lo), box.x.f))
    t = union_type(x.lo, x.hi, x.f)
    assert t == x.union_type() and (t.rounding, t.overflow) == ('TRN', 'WRAP')
    assert representable(t, box.points), t
    w = witnesses(x)
    if not np.any(w):
        assert (t.width, t.signed) == (1, False)
        return
    assert t.signed == bool(np.any(w < 0))
    if t.width > 1:
        fewer_frac = FixedType(t.signed, t.width - 1, t.integer)
        fewer_int = FixedType(t.signed, t.width - 1, t.integer - 1)
        assert not representable(fewer_frac, w), f'{t.cpp()} is not minimal: {fewer_frac.cpp()} suffices'
        assert not representable(fewer_int, w), f'{t.cpp()} is not minimal: {fewer_int.cpp()} suffices'


@pytest.mark.parametrize(
    'values, spelling',
    [
        ([0.0], 'ap_ufixed<1,1>'),
        ([1.0], 'ap_ufixed<1,1>'),
        ([-1.0], 'ap_fixed<1,1>'),
        ([0.75], 'ap_ufixed<2,0>'),
        ([-0.5], 'ap_fixed<1,0>'),
        ([3.0, -4.0], 'ap_fixed<3,3>'),
        ([3.5, 0.25], 'ap_ufixed<4,2>'),
        ([24.0], 'ap_ufixed<2,5>'),
        ([-32.0, 16.0], 'ap_fixed<2,6>'),
    ],
)
def test_union_type_of_constants(values: list[float], spelling: str) -> None:
    c = constant(np.array(values))
    assert c.union_type().cpp() == spelling


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_union_type_of_single_type_range_is_that_type(data: st.DataObject) -> None:
    signed = data.draw(st.booleans())
    width, integer = data.draw(st.integers(1, 40)), data.draw(st.integers(-20, 40))
    t = FixedType(signed, width, integer)
    assert from_type(t, (3,)).union_type() == t


# ---------------------------------------------------------------------------------------------------------------
# frac_bits, check_exact


def brute_frac_bits(v: float) -> int:
    """The smallest ``f`` with ``v * 2**f`` an integer, checked on exact rationals."""
    if v == 0:
        return NO_BITS
    r = Fraction(v)
    f = r.denominator.bit_length() - 1 if r.denominator > 1 else -((r.numerator & -r.numerator).bit_length() - 1)
    assert (r * Fraction(2) ** f).denominator == 1 and (r * Fraction(2) ** (f - 1)).denominator != 1
    return f


SPECIAL_VALUES = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 1e-3, -1e-3, 0.1, 3.0, 1.5, -2.75, 1024.0, 2.0**-1074, 2.0**1023]
SPECIAL_VALUES += [2.0**e for e in range(-60, 61, 7)] + [-(2.0**e) * 3 for e in range(-30, 31, 9)]


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(SPECIAL_VALUES)), max_size=40
    )
)
def test_frac_bits_matches_brute_force(values: list[float]) -> None:
    values = [*values, *SPECIAL_VALUES]
    got = frac_bits(np.array(values))
    assert got.dtype.kind == 'i'
    assert got.tolist() == [brute_frac_bits(v) for v in values]


def test_frac_bits_keeps_shape() -> None:
    v = np.array([[0.25, 3.0], [0.0, -0.125]])
    np.testing.assert_array_equal(frac_bits(v), [[2, 0], [NO_BITS, 3]])


@pytest.mark.parametrize('width, ok', [(52, True), (53, False)])
def test_check_exact(width: int, ok: bool) -> None:
    x = from_type(FixedType(True, width, 10), (2,))
    if ok:
        check_exact(x, 'here')
    else:
        with pytest.raises(OverflowError, match='here'):
            check_exact(x, 'here')


def test_from_kif_marks_zero_width_elements() -> None:
    x = from_kif(np.array([1, 0, 0]), np.array([2, -2, 3]), np.array([1, 2, -1]))
    np.testing.assert_array_equal(x.lo, [-4.0, 0.0, 0.0])
    np.testing.assert_array_equal(x.hi, [3.5, 0.0, 6.0])
    np.testing.assert_array_equal(x.f, [1, NO_BITS, -1])
    np.testing.assert_array_equal(x.is_zero, [False, True, False])


def _nearest_float32(x: Fraction) -> np.float32:
    """The float32 nearest to ``x`` (ties to even), decided on exact fractions."""
    guess = np.float32(float(x))
    candidates = [np.nextafter(guess, np.float32(-np.inf)), guess, np.nextafter(guess, np.float32(np.inf))]
    dist = [abs(Fraction(float(v)) - x) for v in candidates]
    best = min(dist)
    ties = [v for v, d in zip(candidates, dist) if d == best]
    return min(ties, key=lambda v: int(np.array(v).view(np.int32)) & 1)


@settings(max_examples=400, deadline=None)
@given(
    m=st.integers(-(2**16), 2**16),
    f_sum=st.integers(-2, 8),
    c=st.integers(1, 4100),
    arithmetic=st.sampled_from(['reciprocal', 'division']),
)
@example(m=71, f_sum=3, c=30, arithmetic='reciprocal')  # issue 29: 8.875 / 30, one float32 ulp apart
def test_average_is_keras_float32_average_on_its_grid(m, f_sum, c, arithmetic) -> None:
    """The average of an exact sum is the float32 Keras computes (decided on exact fractions: the nearest float32
    to ``s * fl32(1/c)`` or to ``s / c``), and it lies on the interval's grid."""
    s = Fraction(m) * Fraction(2) ** -f_sum
    total = QInterval(np.array([float(s)]), np.array([float(s)]), np.array([f_sum]))
    out = average(total, np.array([c]), arithmetic)
    if m == 0:
        assert out.f[0] == NO_BITS and out.lo[0] == 0
        return
    exact = s * Fraction(float(np.float32(1) / np.float32(c))) if arithmetic == 'reciprocal' else s / c
    expected = exact if c & (c - 1) == 0 else Fraction(float(_nearest_float32(exact)))
    assert Fraction(out.lo[0]) == Fraction(out.hi[0]) == expected
    assert (expected * Fraction(2) ** int(out.f[0])).denominator == 1
