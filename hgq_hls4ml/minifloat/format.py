"""HGQ2's minifloat format as small numpy functions: its exponent range, its exact quantizer, the narrowest
fixed-point type holding all its values and its ranges for the interval analysis.

A minifloat ``(m, e, e0)`` (HGQ2's ``FloatPointQuantizer``, ``quantizers.float_quantize_np``) has a sign, ``m``
mantissa bits below an implicit leading one and ``e`` exponent bits biased by ``e0``: its normal binades are
``2**k`` for ``k`` in ``[e_low, e_high]`` (:func:`exponent_range`), the binade ``e_low`` continues down to zero as
subnormals, and there is no infinity or NaN: the top binade holds ``2**(m+1) - 1`` steps and larger magnitudes
saturate to :func:`max_value`. Rounding is to nearest, ties to even (``RND_CONV``). Every argument may be a
per-element array (``m``, ``e`` and ``e0`` broadcast against each other and ``x``).
"""

from __future__ import annotations

import numpy as np

from ..precision.fixed import NO_BITS, FixedType
from ..precision.interval import QInterval

ArrayLike = np.ndarray | int | float


def _ints(*a: ArrayLike) -> list[np.ndarray]:
    return [np.asarray(v, dtype=np.int64) for v in np.broadcast_arrays(*a)]


def _format(m: ArrayLike, e: ArrayLike, e0: ArrayLike) -> list[np.ndarray]:
    """``m, e, e0`` as broadcast integer arrays; ``m < 0`` (which HGQ2 allows) is refused: ``float_quantize_np``
    then keeps one value per binade below the top one, not the "always zero" HGQ2's documentation states."""
    m, e, e0 = _ints(m, e, e0)
    if (m < 0).any() or (e < 0).any():
        raise ValueError(f'minifloat formats need m >= 0 and e >= 0; got m down to {m.min()}, e down to {e.min()}')
    return [m, e, e0]


def exponent_range(e: ArrayLike, e0: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``(e_low, e_high)``: the lowest and highest binade exponent (``e <= 1`` leaves the single binade ``e0``)."""
    e, e0 = _ints(e, e0)
    half = np.left_shift(1, np.maximum(e - 1, 0))
    return e0 + 1 - half, e0 + half - 1


def max_value(m: ArrayLike, e: ArrayLike, e0: ArrayLike) -> np.ndarray:
    """The largest magnitude, ``(2**(m+1) - 1) * 2**(e_high - m)``."""
    m, e, e0 = _format(m, e, e0)
    _, e_high = exponent_range(e, e0)
    return (2.0 ** (m + 1) - 1) * 2.0 ** (e_high - m)


def quantize(x: ArrayLike, m: ArrayLike, e: ArrayLike, e0: ArrayLike) -> np.ndarray:
    """The minifloat nearest ``x`` (ties to even), saturated; exact for any float64 ``x``.

    It equals ``quantizers.float_quantize_np`` wherever that reference's ``log2(|x| + 1e-7)`` finds ``x``'s own
    binade: every ``x`` on a grid of ``2**-23`` or coarser (``docs/minifloat.md``, *Agreement*).
    """
    x = np.asarray(x, dtype=np.float64)
    m, e, e0 = _format(m, e, e0)
    e_low, e_high = exponent_range(e, e0)
    ax = np.abs(x)
    binade = np.frexp(ax)[1].astype(np.int64) - 1
    step = np.ldexp(1.0, np.clip(binade, e_low, e_high) - m)
    q = np.minimum(np.round(ax / step) * step, max_value(m, e, e0))
    return np.where(ax == 0, 0.0, np.copysign(q, x))


def exact_kif(m: ArrayLike, e: ArrayLike, e0: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per element, the ``(k, i, f)`` of the narrowest fixed-point type holding every value of the minifloat:
    a sign, ``e_high + 1`` integer bits (up to :func:`max_value`) and ``m - e_low`` fractional bits (its smallest
    subnormal step)."""
    m, e, e0 = _format(m, e, e0)
    e_low, e_high = exponent_range(e, e0)
    return np.ones_like(m), e_high + 1, m - e_low


def exact_type(m: int, e: int, e0: int) -> FixedType:
    """The narrowest ``ap_fixed`` holding every value of one minifloat exactly."""
    k, i, f = (int(v) for v in exact_kif(m, e, e0))
    return FixedType(True, k + i + f, k + i)


def value_range(m: ArrayLike, e: ArrayLike, e0: ArrayLike) -> QInterval:
    """Every value the minifloat quantizer can output, as a :class:`QInterval`."""
    m, e, e0 = _format(m, e, e0)
    hi = max_value(m, e, e0)
    return QInterval(-hi, hi, exact_kif(m, e, e0)[2])


def quantize_interval(x: QInterval, m: ArrayLike, e: ArrayLike, e0: ArrayLike) -> QInterval:
    """Range of ``quantize(x)`` for ``x`` in the interval ``x``.

    The quantizer is monotone, so the ends are the quantized ends. Outputs lie on the step of the finest binade the
    interval reaches, and, when nothing is rounded away, on ``x``'s own grid: the coarser of the two. A saturated
    output is :func:`max_value`, whose grid is that of the top binade.
    """
    m, e, e0 = (np.broadcast_to(a, x.shape) for a in _format(m, e, e0))
    e_low, e_high = exponent_range(e, e0)
    lo, hi = quantize(x.lo, m, e, e0), quantize(x.hi, m, e, e0)
    nearest = np.where((x.lo <= 0) & (x.hi >= 0), 0.0, np.minimum(np.abs(x.lo), np.abs(x.hi)))
    finest = np.where(nearest == 0, e_low, np.clip(np.frexp(nearest)[1].astype(np.int64) - 1, e_low, e_high))
    f = np.minimum(x.f, m - finest)
    top = max_value(m, e, e0)
    f = np.where((x.hi > top) | (x.lo < -top), np.maximum(f, m - e_high), f)
    zero = (lo == 0) & (hi == 0)
    return QInterval(np.where(zero, 0.0, lo), np.where(zero, 0.0, hi), np.where(zero, NO_BITS, f))
