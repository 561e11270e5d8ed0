"""The pure-Python minifloat helpers against ``quantizers.float_quantize_np`` and against every value of small
formats: the exact quantizer, the narrowest exact type, the value range and the range of a quantized interval."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from quantizers import float_quantize_np

from hgq_hls4ml.minifloat.format import (
    exact_type,
    exponent_range,
    max_value,
    quantize,
    quantize_interval,
    value_range,
)
from hgq_hls4ml.precision import interval as iv
from hgq_hls4ml.precision.fixed import frac_bits

from .catalog import E0_RANGE, E_RANGE, M_RANGE, MAX_INPUT_FRAC

formats = st.tuples(st.sampled_from(M_RANGE), st.sampled_from(E_RANGE), st.sampled_from(E0_RANGE))


def all_values(m: int, e: int, e0: int) -> np.ndarray:
    """Every value of the format: subnormals and the normal binades, both signs."""
    e_low, e_high = (int(v) for v in exponent_range(e, e0))
    subnormal = np.arange(2**m) * 2.0 ** (e_low - m)
    normal = [np.arange(2**m, 2 ** (m + 1)) * 2.0 ** (k - m) for k in range(e_low, e_high + 1)]
    mags = np.concatenate([subnormal, *normal])
    return np.concatenate([-mags[::-1], mags])


@st.composite
def inputs(draw: st.DrawFn, m: int, e: int, e0: int) -> np.ndarray:
    """Values on the ``2**-23`` grid near the format's values, ties and saturation point, plus zero."""
    e_low, e_high = (int(v) for v in exponent_range(e, e0))
    k = np.array(draw(st.lists(st.integers(e_low - 3, e_high + 2), min_size=64, max_size=64)))
    j = np.array(draw(st.lists(st.integers(0, 2 ** (m + 2)), min_size=64, max_size=64)))
    x = np.ldexp(j.astype(np.float64), k - m - 1)
    x = np.round(x * 2.0**MAX_INPUT_FRAC) / 2.0**MAX_INPUT_FRAC
    nudge = np.array(draw(st.lists(st.sampled_from((-1, 0, 0, 1)), min_size=64, max_size=64))) * 2.0**-MAX_INPUT_FRAC
    return np.append((x + nudge) * np.where(np.arange(64) % 2, -1, 1), 0.0)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), fmt=formats)
def test_quantize_equals_reference(data: st.DataObject, fmt: tuple[int, int, int]) -> None:
    x = data.draw(inputs(*fmt))
    np.testing.assert_array_equal(quantize(x, *fmt), float_quantize_np(x, *fmt))


@settings(max_examples=60, deadline=None)
@given(fmt=st.tuples(st.integers(0, 4), st.integers(1, 3), st.sampled_from(E0_RANGE)))
def test_exact_type_is_the_narrowest_holding_every_value(fmt: tuple[int, int, int]) -> None:
    values = all_values(*fmt)
    t = exact_type(*fmt)
    assert t.min_value <= values.min() and values.max() <= t.max_value
    assert frac_bits(values).max() == t.fractional  # the smallest subnormal step needs every fractional bit
    assert values.max() > t.max_value / 2  # one integer bit fewer would not hold the largest value
    np.testing.assert_array_equal(np.unique(quantize(values, *fmt)), np.unique(values))
    r = value_range(*fmt)
    assert (r.lo, r.hi, r.f) == (values.min(), values.max(), t.fractional)
    assert max_value(*fmt) == values.max()


@settings(max_examples=200, deadline=None)
@given(
    fmt=formats,
    ends=st.tuples(st.integers(-(2**30), 2**30), st.integers(-(2**30), 2**30)),
    f_in=st.integers(-4, MAX_INPUT_FRAC),
)
def test_quantized_interval_holds_every_output_tightly(
    fmt: tuple[int, int, int], ends: tuple[int, int], f_in: int
) -> None:
    """The ends are attained, and every output of the interval lies inside, on the output grid."""
    lo, hi = sorted(v * 2.0 ** (-f_in - 6) for v in ends)
    lo, hi = (np.round(v * 2.0**f_in) / 2.0**f_in for v in (lo, hi))
    x = iv.QInterval(np.array([lo]), np.array([hi]), np.array([f_in]))
    out = quantize_interval(x, *fmt)
    grid = np.linspace(lo, hi, 257)
    samples = np.unique(np.concatenate([np.round(grid * 2.0**f_in) / 2.0**f_in, [lo, hi]]))
    q = quantize(samples, *fmt)
    assert out.lo[0] == q.min() and out.hi[0] == q.max()
    assert frac_bits(q).max(initial=-(2**20)) <= out.f[0]


def test_negative_mantissa_is_refused() -> None:
    """HGQ2 allows ``m = -1``; the reference then keeps powers of two below the top binade, which no helper models."""
    assert float_quantize_np(np.array([3.0]), -1, 3, 0)[0] != 0
    with pytest.raises(ValueError, match='m >= 0'):
        exact_type(-1, 3, 0)
