"""HGQ2 quantizer parameters -> ``ap_fixed`` types, as small pure functions.

Conventions: ``k`` keep-negative (0/1), ``i`` integer bits excluding the sign, ``f`` fractional bits.
An ``ap_fixed<W, I>`` has ``W = k + i + f`` and ``I = k + i``. Elements with ``W <= 0`` are constant zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROUND_MODES = ('TRN', 'RND', 'RND_CONV', 'TRN_ZERO', 'RND_ZERO', 'RND_MIN_INF', 'RND_INF')
OVERFLOW_MODES = ('WRAP', 'SAT', 'SAT_SYM', 'WRAP_SM')

#: Overflow modes whose ``ap_fixed`` conversion equals HGQ2's for every element (``WRAP_SM``: see
#: :func:`wrap_sm_mismatch`).
NATIVE_OVERFLOW_MODES = ('WRAP', 'SAT', 'SAT_SYM')


def normalize_round_mode(mode: str) -> str:
    """HGQ2 rounding mode name -> ap_fixed mode name (stochastic modes round deterministically at inference)."""
    m = mode.upper()
    if m.startswith('S_'):
        m = m[2:]
    if m not in ROUND_MODES:
        raise ValueError(f'unknown rounding mode {mode!r}; expected one of {", ".join(ROUND_MODES)}')
    return m


def normalize_overflow_mode(mode: str) -> str:
    """HGQ2 overflow mode name -> ap_fixed mode name."""
    m = mode.upper()
    if m not in OVERFLOW_MODES:
        raise ValueError(f'unknown overflow mode {mode!r}; expected one of {", ".join(OVERFLOW_MODES)}')
    return m


@dataclass(frozen=True)
class FixedType:
    """One ``ap_fixed``/``ap_ufixed`` type."""

    signed: bool
    width: int
    integer: int
    rounding: str = 'TRN'
    overflow: str = 'WRAP'

    @property
    def fractional(self) -> int:
        return self.width - self.integer

    @property
    def kif(self) -> tuple[int, int, int]:
        """HGQ2's ``(k, i, f)``: sign bit, integer bits without it, fractional bits."""
        return int(self.signed), self.integer - int(self.signed), self.fractional

    @property
    def min_value(self) -> float:
        return -(2.0 ** (self.integer - 1)) if self.signed else 0.0

    @property
    def max_value(self) -> float:
        i = self.integer - 1 if self.signed else self.integer
        return 2.0**i - 2.0**-self.fractional

    def cpp(self) -> str:
        """The C++ spelling, e.g. ``ap_fixed<8,3,AP_RND,AP_SAT>``; default modes are omitted."""
        base = 'ap_fixed' if self.signed else 'ap_ufixed'
        if self.rounding == 'TRN' and self.overflow == 'WRAP':
            return f'{base}<{self.width},{self.integer}>'
        return f'{base}<{self.width},{self.integer},AP_{self.rounding},AP_{self.overflow}>'

    def with_modes(self, rounding: str = 'TRN', overflow: str = 'WRAP') -> FixedType:
        return FixedType(self.signed, self.width, self.integer, rounding, overflow)


def from_precision(p) -> FixedType:
    """The width, integer bits and sign of an hls4ml ``FixedPrecisionType`` (modes left at their defaults)."""
    return FixedType(bool(p.signed), int(p.width), int(p.integer))


def wrap_sm_mismatch(k: np.ndarray, i: np.ndarray, f: np.ndarray, rounding: str) -> np.ndarray:
    """Elements whose ``AP_WRAP_SM`` cast differs from HGQ2's WRAP_SM quantizer.

    ``ap_ufixed`` has no ``AP_WRAP_SM`` (it exits at run time), and 1-bit ``AP_RND_CONV`` disagrees on which ties
    wrap; every other (signed) element agrees (``tests/precision/test_fixed_vs_ap.py``).
    """
    k, i, f = (np.asarray(a) for a in (k, i, f))
    width = k + i + f
    return (width > 0) & ((k == 0) | ((normalize_round_mode(rounding) == 'RND_CONV') & (width == 1)))


def rounding_safe_source(src: FixedType, dst: FixedType) -> FixedType | None:
    """A widened (same value) source type for casting ``src`` into a rounding ``dst``, or ``None`` if not needed.

    The ``ap_fixed`` headers read the bit just below ``dst``'s LSB as ``src`` bit ``F_src - F_dst - 1``, which
    asserts ("Attempting to read bit beyond MSB") when that is beyond ``src``'s width; extra integer bits avoid it.
    """
    if dst.rounding == 'TRN' or (dst.rounding == 'TRN_ZERO' and not src.signed):
        return None
    extra = src.fractional - dst.fractional - src.width
    if extra <= 0:
        return None
    return FixedType(src.signed, src.width + extra, src.integer + extra)


def element_type(k: int, i: int, f: int, rounding: str = 'TRN', overflow: str = 'WRAP') -> FixedType | None:
    """The exact type of one quantized element, or ``None`` when it has no bits (constant zero)."""
    k, i, f = int(k), int(i), int(f)
    width = k + i + f
    overflow = normalize_overflow_mode(overflow)
    if width <= 0 or (overflow == 'SAT_SYM' and i + f <= 0):
        # A symmetric range with no magnitude bits is {0}; ap_fixed<1,.,SAT_SYM> would still hold its minimum.
        return None
    return FixedType(bool(k), width, k + i, normalize_round_mode(rounding), overflow)


def kif_range(k: np.ndarray, i: np.ndarray, f: np.ndarray, overflow: str = 'WRAP') -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest value each quantizer element can output (both 0 for zero-width elements)."""
    k, i, f = (np.asarray(a, dtype=np.float64) for a in (k, i, f))
    alive = (k + i + f) > 0
    hi = 2.0**i - 2.0**-f
    mode = overflow.upper()
    sign = np.ones_like(k) if mode == 'WRAP_SM' else k  # HGQ2's WRAP_SM reaches -2**i even for k=0
    lo = -(hi if mode == 'SAT_SYM' else 2.0**i) * sign
    return np.where(alive, lo, 0.0), np.where(alive, hi, 0.0)


def frac_bits(values: np.ndarray) -> np.ndarray:
    """Fewest fractional bits that represent each value exactly (``NO_BITS`` for exact zeros)."""
    v = np.asarray(values, dtype=np.float64)
    mant, exp = np.frexp(np.abs(v))
    m_int = (mant * 2.0**53).astype(np.int64)
    lowest = m_int & -m_int
    tz = np.log2(np.where(lowest > 0, lowest, 1)).astype(np.int64)
    f = 53 - exp.astype(np.int64) - tz
    return np.where(v == 0, NO_BITS, f)


#: Sentinel fractional-bit count of an exact zero: smaller than anything real, harmless in max/+.
NO_BITS = -(2**20)


def union_type(lo: np.ndarray, hi: np.ndarray, f: np.ndarray) -> FixedType:
    """Narrowest single TRN/WRAP type that holds every value in ``[lo, hi]`` on the ``2**-f`` grid exactly."""
    lo, hi = float(np.min(lo, initial=0.0)), float(np.max(hi, initial=0.0))
    fr = int(max(np.max(f, initial=NO_BITS), NO_BITS))
    fr = 0 if fr == NO_BITS else fr
    signed = lo < 0
    need_pos = int(np.ceil(np.log2(hi + 2.0**-fr)))
    if signed:
        need_neg = int(np.ceil(np.log2(-lo)))
        integer = max(need_pos, need_neg) + 1
    else:
        integer = need_pos
    width = integer + fr
    if width < 1:  # only zeros (or a single grid value below the sign): keep one bit
        integer += 1 - width
        width = 1
    return FixedType(signed, width, integer)


def join_types(a: FixedType, b: FixedType) -> FixedType:
    """The narrowest TRN/WRAP type holding every value of both ``a`` and ``b``."""
    signed = a.signed or b.signed
    integer = max(t.integer + (signed and not t.signed) for t in (a, b))
    fractional = max(a.fractional, b.fractional)
    return FixedType(signed, integer + fractional, integer)


def coarsen_types(counts: dict[FixedType, int], limit: int) -> dict[FixedType, FixedType]:
    """Map each type to one of at most ``limit`` types holding it, adding as few bits as possible in total.

    ``counts`` weighs each type (e.g. by how many adders use it). Greedy: the pair whose join costs fewest extra
    bits (``count * width`` summed) is merged until ``limit`` types remain.
    """
    clusters = {t: ([t], n) for t, n in counts.items()}  # cluster type -> (members, weight)

    def extra(a: FixedType, b: FixedType) -> int:
        j = join_types(a, b)
        return (j.width - a.width) * clusters[a][1] + (j.width - b.width) * clusters[b][1]

    while len(clusters) > limit:
        keys = list(clusters)
        a, b = min(((a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]), key=lambda p: extra(*p))
        (ma, na), (mb, nb) = clusters.pop(a), clusters.pop(b)
        j = join_types(a, b)
        members, weight = clusters.pop(j, ([], 0))
        clusters[j] = (members + ma + mb, weight + na + nb)
    return {m: t for t, (members, _) in clusters.items() for m in members}
