"""Exact interval arithmetic over fixed-point tensors.

A :class:`QInterval` holds, per element, the smallest and largest value the element can take and the number
of fractional bits of its grid. All arithmetic is done in float64, which is exact for the bit-widths that fit
an ``ap_fixed`` accumulator (< 53 significant bits); :func:`check_exact` guards that assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from quantizers.fixed_point.fixed_point_ops_np import get_fixed_quantizer_np

from .fixed import NO_BITS, FixedType, frac_bits, kif_range, union_type
from .float32 import keras_mean, mean_frac_bits


@dataclass(frozen=True)
class QInterval:
    """Per-element value range ``[lo, hi]`` on a grid of ``2**-f``."""

    lo: np.ndarray
    hi: np.ndarray
    f: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return self.lo.shape

    @property
    def is_zero(self) -> np.ndarray:
        """Elements that are always exactly zero."""
        return (self.lo == 0) & (self.hi == 0)

    def reshape(self, shape: tuple[int, ...]) -> QInterval:
        return QInterval(self.lo.reshape(shape), self.hi.reshape(shape), self.f.reshape(shape))

    def transpose(self, perm: tuple[int, ...]) -> QInterval:
        return QInterval(self.lo.transpose(perm), self.hi.transpose(perm), self.f.transpose(perm))

    def take(self, index: np.ndarray) -> QInterval:
        """Gather flat elements by index; ``-1`` gathers a constant zero (padding)."""
        flat = [np.append(a.ravel(), fill) for a, fill in ((self.lo, 0.0), (self.hi, 0.0), (self.f, NO_BITS))]
        return QInterval(*(a[index] for a in flat))

    def union_type(self) -> FixedType:
        return union_type(self.lo, self.hi, self.f)


def from_type(t: FixedType, shape: tuple[int, ...]) -> QInterval:
    """Every value a ``FixedType`` can hold."""
    return QInterval(np.full(shape, t.min_value), np.full(shape, t.max_value), np.full(shape, t.fractional))


def from_kif(k: np.ndarray, i: np.ndarray, f: np.ndarray, overflow: str = 'WRAP') -> QInterval:
    """Every value a quantizer with per-element ``k, i, f`` can output."""
    lo, hi = kif_range(k, i, f, overflow)
    alive = (np.asarray(k) + i + f) > 0
    return QInterval(lo, hi, np.where(alive, np.asarray(f, dtype=np.int64), NO_BITS))


def constant(values: np.ndarray) -> QInterval:
    v = np.asarray(values, dtype=np.float64)
    return QInterval(v, v.copy(), frac_bits(v))


#: Extra integer bits that make a saturating quantizer act as pure rounding for any range we track (< 2**52).
_ROUNDING_HEADROOM = 64


def _rounded(x: QInterval, f: np.ndarray, round_mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Both ends of ``x`` rounded to ``2**-f`` (no overflow)."""
    rounding = get_fixed_quantizer_np(round_mode, 'SAT')
    wide = np.full(x.shape, float(_ROUNDING_HEADROOM))
    return rounding(x.lo, 1.0, wide, f), rounding(x.hi, 1.0, wide, f)


def overflow_free(
    x: QInterval, k: np.ndarray, i: np.ndarray, f: np.ndarray, round_mode: str, overflow_mode: str
) -> np.ndarray:
    """Elements for which the quantizer's overflow never acts: quantizing is rounding only."""
    k, i, f = (np.broadcast_to(np.asarray(a, dtype=np.float64), x.shape) for a in (k, i, f))
    r_lo, r_hi = _rounded(x, f, round_mode)
    raw_lo, raw_hi = kif_range(k, i, f, overflow_mode)
    free = (r_lo >= raw_lo) & (r_hi <= raw_hi)
    if overflow_mode.upper() == 'WRAP_SM':  # HGQ2's unsigned WRAP_SM maps in-range values elsewhere
        free &= k > 0
    return free


def quantize(
    x: QInterval, k: np.ndarray, i: np.ndarray, f: np.ndarray, round_mode: str, overflow_mode: str
) -> QInterval:
    """Range of ``quantize(x)`` for an HGQ2 fixed-point quantizer (monotone rounding, then overflow).

    If the rounded ends of ``x`` are in range, overflow never acts and the grid is the finer of the two. Otherwise
    SAT/SAT_SYM clamp (still monotone) and WRAP/WRAP_SM may produce any value of the type, on its own grid.
    """
    k, i, f = (np.broadcast_to(np.asarray(a, dtype=np.float64), x.shape) for a in (k, i, f))
    overflow = overflow_mode.upper()
    alive = (k + i + f) > 0
    (r_lo, r_hi), in_range = _rounded(x, f, round_mode), overflow_free(x, k, i, f, round_mode, overflow_mode)
    raw_lo, raw_hi = kif_range(k, i, f, overflow)
    if overflow in ('SAT', 'SAT_SYM'):
        q = get_fixed_quantizer_np(round_mode, overflow_mode)
        lo, hi = q(x.lo, k, i, f), q(x.hi, k, i, f)
    else:
        lo, hi = np.where(in_range, r_lo, raw_lo), np.where(in_range, r_hi, raw_hi)
    f_out = np.where(in_range, np.minimum(x.f, f.astype(np.int64)), f.astype(np.int64))
    zero = ~alive | ((lo == 0) & (hi == 0))
    return QInterval(np.where(zero, 0.0, lo), np.where(zero, 0.0, hi), np.where(zero, NO_BITS, f_out))


def truncate(x: QInterval, f: int) -> QInterval:
    """Floor every element to at most ``f`` fractional bits (an ``AP_TRN`` cast)."""
    step = 2.0**-f
    cut = x.f > f
    lo, hi = (np.where(cut, np.floor(a / step) * step, a) for a in (x.lo, x.hi))
    return QInterval(lo, hi, np.where(cut, f, x.f))


def matmul(x: QInterval, w: np.ndarray) -> QInterval:
    """Range of ``x @ w`` over the last axis of ``x`` (a dense layer, or conv after im2col)."""
    w = np.asarray(w, dtype=np.float64)
    wp, wn = np.maximum(w, 0.0), np.minimum(w, 0.0)
    lo = x.lo @ wp + x.hi @ wn
    hi = x.hi @ wp + x.lo @ wn
    fw = frac_bits(w)
    live_in = np.where(x.is_zero, NO_BITS, x.f)[..., :, None]
    terms = np.where((live_in == NO_BITS) | (fw == NO_BITS), NO_BITS, live_in + fw)
    return QInterval(lo, hi, np.max(terms, axis=-2, initial=NO_BITS))


def add_constant(x: QInterval, c: np.ndarray) -> QInterval:
    c = np.asarray(c, dtype=np.float64)
    return QInterval(x.lo + c, x.hi + c, np.maximum(x.f, frac_bits(c)))


def scale(x: QInterval, s: np.ndarray) -> QInterval:
    """Range of ``x * s`` for a constant (broadcast) ``s``."""
    s = np.asarray(s, dtype=np.float64)
    a, b = x.lo * s, x.hi * s
    fs = frac_bits(s)
    f = np.where((s == 0) | x.is_zero, NO_BITS, x.f + fs)
    return QInterval(np.minimum(a, b), np.maximum(a, b), f)


def relu(x: QInterval) -> QInterval:
    return QInterval(np.maximum(x.lo, 0.0), np.maximum(x.hi, 0.0), np.where(x.hi > 0, x.f, NO_BITS))


def einsum(equation: str, x: QInterval, w: np.ndarray) -> QInterval:
    """Range of ``einsum(equation, x, w)`` for a constant ``w`` (an EinsumDense kernel)."""
    w = np.asarray(w, dtype=np.float64)
    wp, wn = np.maximum(w, 0.0), np.minimum(w, 0.0)
    lo = np.einsum(equation, x.lo, wp) + np.einsum(equation, x.hi, wn)
    hi = np.einsum(equation, x.hi, wp) + np.einsum(equation, x.lo, wn)
    fx, fw = np.where(x.is_zero, NO_BITS, x.f), frac_bits(w)
    f = np.full(lo.shape, NO_BITS, dtype=np.int64)
    for u in np.unique(fw[fw != NO_BITS]):  # an output's grid is set by its finest (input, weight) product
        for v in np.unique(fx[fx != NO_BITS]):
            hit = np.einsum(equation, (fx == v).astype(np.float64), (fw == u).astype(np.float64)) > 0
            f = np.where(hit, np.maximum(f, u + v), f)
    return QInterval(lo, hi, f)


def bilinear_einsum(equation: str, x: QInterval, y: QInterval) -> QInterval:
    """Range of ``einsum(equation, x, y)`` for two variable tensors: every product term is bounded by its four
    corner products, and the terms are summed over the contracted indices."""
    operands, out = equation.split('->')
    a, b = operands.split(',')
    contracted = ''.join(c for c in dict.fromkeys(a + b) if c not in out)
    terms = f'{a},{b}->{out}{contracted}'
    corners = np.stack([np.einsum(terms, p, q) for p in (x.lo, x.hi) for q in (y.lo, y.hi)])
    fx, fy = np.where(x.is_zero, 0, x.f), np.where(y.is_zero, 0, y.f)
    live = np.einsum(terms, (~x.is_zero).astype(np.float64), (~y.is_zero).astype(np.float64)) > 0
    f_terms = np.where(live, np.log2(np.einsum(terms, 2.0**fx, 2.0**fy)).astype(np.int64), NO_BITS)
    shape = corners.shape[1 : 1 + len(out)]
    lo, hi = (c.reshape(*shape, -1).sum(axis=-1) for c in (corners.min(axis=0), corners.max(axis=0)))
    return QInterval(lo, hi, f_terms.reshape(*shape, -1).max(axis=-1))


def add(x: QInterval, y: QInterval) -> QInterval:
    return QInterval(x.lo + y.lo, x.hi + y.hi, np.maximum(x.f, y.f))


def negate(x: QInterval) -> QInterval:
    return QInterval(-x.hi, -x.lo, x.f.copy())


def multiply(x: QInterval, y: QInterval) -> QInterval:
    """Element-wise product: the extremes are among the four corner products."""
    prods = np.stack([x.lo * y.lo, x.lo * y.hi, x.hi * y.lo, x.hi * y.hi])
    zero = x.is_zero | y.is_zero
    return QInterval(prods.min(axis=0), prods.max(axis=0), np.where(zero, NO_BITS, x.f + y.f))


def maximum(x: QInterval, y: QInterval) -> QInterval:
    return QInterval(np.maximum(x.lo, y.lo), np.maximum(x.hi, y.hi), np.maximum(x.f, y.f))


def minimum(x: QInterval, y: QInterval) -> QInterval:
    return QInterval(np.minimum(x.lo, y.lo), np.minimum(x.hi, y.hi), np.maximum(x.f, y.f))


def hull(x: QInterval, y: QInterval) -> QInterval:
    """Every value either range holds."""
    return QInterval(np.minimum(x.lo, y.lo), np.maximum(x.hi, y.hi), np.maximum(x.f, y.f))


def concatenate(xs: list[QInterval], axis: int) -> QInterval:
    return QInterval(*(np.concatenate([getattr(x, a) for x in xs], axis=axis) for a in ('lo', 'hi', 'f')))


def window_max(x: QInterval, index: np.ndarray) -> QInterval:
    """Max over windows of flat elements (last axis of ``index``); ``-1`` entries (padding) are ignored."""
    win = x.take(index)
    valid = index >= 0
    lo = np.where(valid, win.lo, -np.inf).max(axis=-1)
    hi = np.where(valid, win.hi, -np.inf).max(axis=-1)
    return QInterval(lo, hi, np.where(valid, win.f, NO_BITS).max(axis=-1))


def window_sum(x: QInterval, index: np.ndarray) -> QInterval:
    """Sum over windows of flat elements (last axis of ``index``); ``-1`` entries add zero."""
    win = x.take(index)
    return QInterval(win.lo.sum(axis=-1), win.hi.sum(axis=-1), win.f.max(axis=-1))


def average(total: QInterval, counts: np.ndarray, arithmetic: str | None) -> QInterval:
    """Range of Keras's float32 average of window sums ``total`` over per-element ``counts``, computed with the
    Keras backend's ``arithmetic`` (:mod:`.float32`). A power-of-two count divides exactly; any other count gives
    a float32 value, held exactly on the grid of :func:`.float32.mean_frac_bits`. Both arithmetics are monotone in
    the sum, so the range's ends are the ends' averages."""
    counts = np.broadcast_to(np.asarray(counts, dtype=np.int64), total.shape)
    exact = (counts & (counts - 1)) == 0
    log2c = np.ceil(np.log2(counts)).astype(np.int64)
    lo, hi = total.lo / counts, total.hi / counts
    if not exact.all():
        lo, hi = (np.where(exact, a / counts, keras_mean(a, counts, arithmetic)) for a in (total.lo, total.hi))
    f = np.where(exact, total.f + log2c, mean_frac_bits(total.f, counts))
    return QInterval(lo, hi, np.where(total.is_zero, NO_BITS, f))


def exact_kif(x: QInterval) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per element: ``(k, i, f)`` of the narrowest type holding its range (``(0, 0, 0)`` for a constant zero)."""
    kif = np.zeros((3, x.lo.size), dtype=np.int64)
    for j, (lo, hi, f, zero) in enumerate(zip(x.lo.flat, x.hi.flat, x.f.flat, x.is_zero.flat)):
        if not zero:
            kif[:, j] = union_type(lo, hi, f).kif
    k, i, f = (v.reshape(x.shape) for v in kif)
    return k, i, f


def check_exact(x: QInterval, where: str) -> None:
    """Refuse ranges float64 cannot track exactly (more than 52 significant bits)."""
    t = x.union_type()
    if t.width > 52:
        raise OverflowError(f'{where}: exact range needs {t.width} bits ({t.cpp()}), beyond what can be proven exact')
