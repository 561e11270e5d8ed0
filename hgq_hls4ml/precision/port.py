"""The input port type: what converting a float32 input to the port does to the quantizers that read it.

hls4ml's C simulation writes each float input into the port with the port type's own conversion
(``dstType(src[i])`` in ``nnet_helpers.h``'s ``convert_data``: an ``ap_fixed`` built from a float, rounded and
overflowed by the port's modes); the first quantizers (``HGQQuantize``, a table's input cast) then cast the port
value. Keras applies the same quantizers to the float itself. A port type ``P`` feeds a quantizer ``Q`` (one
element: ``k, i, f``, rounding, overflow) exactly when ``Q(P(x)) == Q(x)`` for every finite float32 ``x``.

**Rounding** (inputs inside the port's range). Below and above zero each rounding mode rounds in one of five
ways (:data:`SIDE_RULES`): floor, ceil (``TRN_ZERO`` below zero), half up, half down, half to even. ``Q`` changes
value at its *boundaries*: every ``n * 2**-f`` for floor/ceil, every ``(n + 1/2) * 2**-f`` for the half modes,
and each boundary belongs to the cell above it (floor, half up), below it (ceil, half down) or alternately (half to
even: ``0.5 -> 0`` below, ``1.5 -> 2`` above). A port with ``g >= f + 1`` fractional bits has every boundary ``b``
on its grid, so ``P(b) == b``, and the port's cell of ``b`` (the inputs it maps to ``b``) is ``[b, b + 2**-g)`` for
floor, ``(b - 2**-g, b]`` for ceil, ``b +- 2**-(g + 1)`` for the half modes. ``Q(P(x))`` differs from ``Q(x)``
exactly for the floats of that cell on the *other* side of ``b`` than the cell ``b`` belongs to; as cells are
intervals, the float next to ``b`` on that side decides. The float32 neighbours of ``b`` are ``ulp(b)`` away above
``|b|`` and half that below a power of two, ``2**-149`` at ``b = 0``; they grow with ``|b|``, so the boundaries
nearest zero are the binding ones. Hence :func:`rounding_exact` decides exactness by evaluating ``Q(P(x))`` and
``Q(x)`` (``quantizers``' reference) on the boundaries within a few LSBs of zero and their float32 neighbours
(:func:`critical_inputs`); at ``g == f`` the half modes' boundaries are the port's own ties, decided by the same
points. With fewer fractional bits than ``f`` the port drops bits the quantizer keeps (never exact), except for a
1-bit saturating element, whose two values are its extremes: its one boundary may be a tie of a port with
``f - 1`` bits (the same points decide).

The narrowest port for each rounding mode of the quantizer (:func:`narrowest_port` tries every port rounding
mode with its fewest fractional bits, ``tests/precision/test_port.py`` checks each entry, and that one bit less
fails):

============  =====================  ===================================================================
quantizer     one ``f`` everywhere   elements of different ``f`` (``f``: the largest)
============  =====================  ===================================================================
TRN           TRN, ``f``             TRN, ``f``: a floor of a floor is a floor
RND           RND, ``f``             TRN, ``f + 1``: ``floor((floor(2t) + 1) / 2) == floor(t + 1/2)``
TRN_ZERO      TRN_ZERO, ``f``        TRN_ZERO, ``f``: odd functions, TRN above zero
RND_INF       RND_INF, ``f``         TRN_ZERO, ``f + 1``: odd functions, RND above zero
RND_CONV      RND_CONV, ``f``        RND_INF, ``f + 23``
RND_ZERO      RND_ZERO, ``f``        RND_INF, ``f + 23``
RND_MIN_INF   RND_MIN_INF, ``f``     RND, ``f + 24``
============  =====================  ===================================================================

With one ``f`` the port *is* the quantizer's rounding (idempotent). With several, a port rounding itself rounds
twice for the coarser elements (the float just below a tie of theirs lands on it), so it needs finer bits. The
last three modes send a tie the way no port's cells go: ties to even and toward zero send ``+2**-(f+1)`` down and
``-2**-(f+1)`` up, both toward zero, so the float just beyond each tie *away* from zero, ``2**-(f+24)`` off, must
stay out of the port's cell of the tie; ``RND_INF``'s cells (``+-2**-(g+1)``, open away from zero) keep it out
from ``g = f + 23``. ``RND_MIN_INF`` sends ``-2**-(f+1)`` down, so the float just above it, ``2**-(f+25)`` off
(the tie is a power of two), must stay out: a round-half-up port from ``g = f + 24``. A truncating port needs one
bit more in both cases. Elements that read every negative input as 0 (unsigned, saturating) need nothing below
zero: TRN_ZERO is TRN there, RND_INF is RND, and the other three take RND with ``f + 23``.

**Overflow** (inputs beyond the port's range), :func:`overflow_exact`:

* ``SAT``/``SAT_SYM`` quantizers need a saturating port (``AP_SAT``) whose largest value still quantizes to the
  quantizer's largest (and smallest to smallest): as many integer bits as the element, a sign bit only if some
  element is signed (``SAT_SYM`` needs nothing more: its clamp follows the port's). Unsigned saturating elements
  read every negative input as 0, so an unsigned port serves them.
* ``WRAP`` quantizers see the input modulo ``2**(k + i)``; a wrapping port with at least ``k + i`` integer bits
  keeps that residue, so no bit above what wraps is needed. Modes that round by sign (``TRN_ZERO``, ``RND_ZERO``,
  ``RND_INF``) also need the wrap not to flip the sign of an input the quantizer still rounds, unless the port
  puts every value on the quantizer's grid first (same ``f`` and mode): every float32 below ``2**(23 - f)`` in
  magnitude, i.e. a signed port of ``24 - f`` integer bits.
* ``WRAP_SM`` (its result depends on the input modulo twice its period, and near zero on the unwrapped value), or
  wrapping and saturating quantizers on one input: only a port that never overflows on a finite float32 (129
  integer bits with the sign) is exact; such a conversion warns (a detector's format, see ``input_precision``,
  is then the practical port).

Keras computes in float32: ``floor(x * 2**f + 0.5)`` rounds the largest float32 below ``2**-(f+1)`` up (``x +
0.5`` rounds to 1), and odd multiples of ``2**-f`` beyond ``2**(23 - f)``. The firmware follows exact arithmetic
(``quantizers``' reference) there, whatever the port; no port can help.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from quantizers.fixed_point.fixed_point_ops_np import get_fixed_quantizer_np, round_mode_registry_scaled_np

from ..errors import ConfigError
from .fixed import ROUND_MODES, FixedType, normalize_overflow_mode, normalize_round_mode

#: How each rounding mode rounds an input below zero and above zero.
SIDE_RULES = {
    'TRN': ('floor', 'floor'),
    'TRN_ZERO': ('ceil', 'floor'),
    'RND': ('half_up', 'half_up'),
    'RND_ZERO': ('half_up', 'half_down'),
    'RND_INF': ('half_down', 'half_up'),
    'RND_MIN_INF': ('half_down', 'half_down'),
    'RND_CONV': ('half_even', 'half_even'),
}
#: Where the boundary between codes ``v`` and ``v + 1`` lies, as ``v + offset``.
_BOUNDARY_OFFSET = {'floor': 1.0, 'ceil': 0.0, 'half_up': 0.5, 'half_down': 0.5, 'half_even': 0.5}
#: Codes ``v`` whose boundaries to ``v + 1`` are checked: every kind of boundary on both sides of zero.
_CODE_WINDOW = range(-4, 4)
#: Rounding modes whose result commutes with adding a multiple of the quantizer's period.
TRANSLATION_INVARIANT = ('TRN', 'RND', 'RND_MIN_INF', 'RND_CONV')
#: Largest finite float32, and the integer bits (with the sign) of a port that holds every finite float32.
FLOAT32_MAX = float(np.finfo(np.float32).max)
FLOAT32_INT_BITS = 129
#: Significand bits of float32 (with the implicit one): from ``2**(23 - f)`` up every float32 is on the ``2**-f`` grid.
FLOAT32_SIGNIFICAND = 24
#: Most fractional bits beyond an element's ``f`` the narrowest-port search tries (a truncating port needs at most 25).
MAX_EXTRA_FRACTION = 26
#: Port overflow modes ``ap_fixed`` (and hls4ml's types) offer.
PORT_OVERFLOW_MODES = ('WRAP', 'SAT', 'SAT_SYM', 'SAT_ZERO')


@dataclass(frozen=True)
class Reader:
    """One element of a quantizer reading the port: ``k, i, f`` and the quantizer's modes."""

    k: int
    i: int
    f: int
    rounding: str
    overflow: str

    @classmethod
    def of(cls, k: int, i: int, f: int, rounding: str, overflow: str) -> Reader:
        return cls(int(k), int(i), int(f), normalize_round_mode(rounding), normalize_overflow_mode(overflow))

    @property
    def alive(self) -> bool:
        """Whether the element has a value other than 0 (``SAT_SYM`` without magnitude bits is constant 0)."""
        return self.k + self.i + self.f > 0 and not (self.overflow == 'SAT_SYM' and self.i + self.f <= 0)

    @property
    def saturates(self) -> bool:
        return self.overflow in ('SAT', 'SAT_SYM')

    @property
    def two_valued(self) -> bool:
        """A 1-bit saturating element: its only values are its extremes, so a port with one fractional bit less
        can still feed it (its one boundary a tie of the port)."""
        return self.saturates and self.k + self.i + self.f == 1

    @property
    def min_fraction(self) -> int:
        """Fewest fractional bits a port feeding this element exactly may have."""
        return self.f - 1 if self.two_valued else self.f

    @property
    def integer(self) -> int:
        """Integer bits with the sign, ``k + i``: the element's period is ``2**(k + i)``."""
        return self.k + self.i

    def quantize(self, x: np.ndarray) -> np.ndarray:
        """HGQ2's quantizer on ``x`` (``quantizers``' numpy reference)."""
        x = np.asarray(x, dtype=np.float64)
        q = get_fixed_quantizer_np(self.rounding, self.overflow)
        return q(x, *(np.full_like(x, v) for v in (self.k, self.i, self.f)))

    @property
    def lo(self) -> float:
        return float(self.quantize(np.array([-FLOAT32_MAX]))[0]) if self.saturates else np.nan

    @property
    def hi(self) -> float:
        return float(self.quantize(np.array([FLOAT32_MAX]))[0]) if self.saturates else np.nan

    def describe(self) -> str:
        return f'k={self.k}, i={self.i}, f={self.f}, {self.rounding}, {self.overflow}'


def port_round(x: np.ndarray, rounding: str, fractional: int) -> np.ndarray:
    """The port's rounding alone, to ``fractional`` bits (``quantizers``' reference, exact for float32 inputs)."""
    return round_mode_registry_scaled_np[rounding](np.asarray(x, dtype=np.float64), float(fractional))


def _f32_neighbours(b: np.ndarray) -> np.ndarray:
    b32 = np.asarray(b, dtype=np.float32)
    down = np.nextafter(b32, np.float32(-np.inf))
    up = np.nextafter(b32, np.float32(np.inf))
    return np.concatenate([b32, down, up]).astype(np.float64)


def critical_inputs(r: Reader) -> np.ndarray:
    """The float32 inputs that decide whether a port rounds consistently with ``r``: its boundaries nearest zero
    on both sides (every kind that occurs: floor/ceil/half, and both parities of ties to even), and their
    float32 neighbours; ``WRAP_SM`` adds its sign-flip thresholds near zero."""
    neg, pos = SIDE_RULES[r.rounding]
    bounds = [v + _BOUNDARY_OFFSET[neg if v + 1 <= 0 else pos] for v in _CODE_WINDOW]
    if r.overflow == 'WRAP_SM':
        period = 2.0 ** (r.k + r.i + r.f)  # in LSBs
        bounds += [-0.5, 0.5] + [j * period for j in range(-2, 3)] + [j * period / 2 - 0.5 for j in range(-4, 5)]
    return _f32_neighbours(np.ldexp(np.array(bounds, dtype=np.float64), -r.f))


def rounding_exact(rounding: str, fractional: int, r: Reader, lo: float = -np.inf, hi: float = np.inf) -> bool:
    """Whether a port rounding with ``rounding`` to ``fractional`` bits lets ``r`` see every float32 input that
    rounds into ``[lo, hi]`` (the port's range) as the float itself (module docstring: the critical inputs
    decide)."""
    if not r.alive:
        return True
    if fractional < r.min_fraction:
        return False
    x = critical_inputs(r)
    y = port_round(x, rounding, fractional)
    kept = (y >= lo) & (y <= hi)
    return bool(np.array_equal(r.quantize(y[kept]), r.quantize(x[kept])))


def _port_bounds(port: FixedType) -> tuple[float, float]:
    """Smallest and largest value of the port (``SAT_SYM`` leaves out the most negative code)."""
    lo, hi = port.min_value, port.max_value
    if port.overflow == 'SAT_SYM' and port.signed:
        lo = -hi
    return lo, hi


def never_overflows(port: FixedType) -> bool:
    """Whether every finite float32 lies within the port's range."""
    lo, hi = _port_bounds(port)
    return hi >= FLOAT32_MAX and lo <= -FLOAT32_MAX


def _wrap_keeps(port: FixedType, r: Reader) -> tuple[bool, bool]:
    """Whether a wrapping port keeps what a wrapping quantizer reads of inputs above (below) the port's range."""
    if port.overflow != 'WRAP' or port.integer < r.integer:
        return False, False
    if r.rounding in TRANSLATION_INVARIANT or (port.fractional == r.f and port.rounding == r.rounding):
        return True, True
    # A mode rounding by sign: no input the quantizer still rounds (below 2**(23 - f)) may change sign.
    wide = port.signed and port.integer >= FLOAT32_SIGNIFICAND - r.f
    return wide or not port.signed, wide


def overflow_exact(port: FixedType, r: Reader) -> tuple[bool, bool]:
    """Whether inputs above, and below, the port's range reach ``r`` as Keras's floats do (module docstring)."""
    if not r.alive or never_overflows(port):
        return True, True
    if r.overflow == 'WRAP':
        return _wrap_keeps(port, r)
    if r.overflow == 'WRAP_SM':
        return False, False
    # What the port makes of an input beyond its top (bottom) that decides: its largest (smallest) value when it
    # saturates, 0 for SAT_ZERO; wrapped, it may be any value, so the quantizer must give its extreme for all.
    lo, hi = _port_bounds(port)
    top, bottom = {'SAT_ZERO': (0.0, 0.0), 'WRAP': (lo, hi)}.get(port.overflow, (hi, lo))
    return bool(r.quantize(np.array([top]))[0] == r.hi), bool(r.quantize(np.array([bottom]))[0] == r.lo)


@dataclass(frozen=True)
class PortCheck:
    """What a port does to one quantizer element (every field ``False``: exact)."""

    #: The port has fewer fractional bits than the element keeps: its lowest bits are never set.
    resolution: bool = False
    #: Inside the port's range, float inputs near the element's rounding boundaries round differently.
    rounding: bool = False
    #: Inputs above (below) the port's range reach the element otherwise than Keras's floats.
    above: bool = False
    below: bool = False

    @property
    def exact(self) -> bool:
        return not (self.resolution or self.rounding or self.above or self.below)


def check_port(port: FixedType, r: Reader) -> PortCheck:
    """How the port ``port`` (its width, integer bits, sign and modes) feeds the element ``r``."""
    if not r.alive:
        return PortCheck()
    if port.fractional < r.f and not r.two_valued:
        above, below = overflow_exact(port, r)
        return PortCheck(resolution=True, above=not above, below=not below)
    lo, hi = _port_bounds(port)
    rounding = not rounding_exact(port.rounding, port.fractional, r, lo, hi)
    above, below = overflow_exact(port, r)
    return PortCheck(rounding=rounding, above=not above, below=not below)


def _overflow_kind(readers: list[Reader]) -> str:
    modes = {r.overflow for r in readers}
    if modes == {'WRAP'}:
        return 'wrap'
    if modes <= {'SAT', 'SAT_SYM'}:
        return 'sat'
    return 'full'


def _port_for(rounding: str, fractional: int, readers: list[Reader]) -> FixedType:
    """The narrowest range and overflow mode for these readers, given the port's rounding."""
    kind = _overflow_kind(readers)
    if kind == 'full':
        return FixedType(True, FLOAT32_INT_BITS + fractional, FLOAT32_INT_BITS, rounding, 'SAT')
    signed = any(r.k for r in readers)
    if kind == 'sat':
        integer = max(r.integer + (signed and not r.k) for r in readers)
        return FixedType(signed, integer + fractional, integer, rounding, 'SAT')
    integer = max(r.integer for r in readers)
    for r in readers:
        if r.rounding not in TRANSLATION_INVARIANT and not (fractional == r.f and rounding == r.rounding):
            signed, integer = True, max(integer, FLOAT32_SIGNIFICAND - r.f)
    return FixedType(signed, integer + fractional, integer, rounding, 'WRAP')


#: The port of an input no element reads (every quantizer element has zero bits).
UNREAD_PORT = FixedType(True, 1, 1)


def narrowest_port(readers: Iterable[Reader]) -> FixedType:
    """The narrowest port type through which every reader sees every finite float32 input as Keras does.

    Every rounding mode is tried for the port, each with its fewest fractional bits (:func:`rounding_exact`) and
    the range and overflow mode that serve every reader (module docstring); the narrowest wins (on a tie ``TRN``,
    else a mode of the readers).
    """
    alive = sorted({r for r in readers if r.alive}, key=lambda r: (r.f, r.integer, r.rounding, r.overflow, r.k))
    if not alive:
        return UNREAD_PORT
    f_min = max(r.min_fraction for r in alive)
    best: FixedType | None = None
    own = [m for m in ROUND_MODES if any(r.rounding == m for r in alive)]
    for rounding in dict.fromkeys(['TRN', *own, *ROUND_MODES]):  # on a tie: TRN, else the quantizers' own mode
        for g in range(f_min, f_min + MAX_EXTRA_FRACTION + 1):
            if all(rounding_exact(rounding, g, r) for r in alive):
                port = _port_for(rounding, g, alive)
                if port.width >= 1:
                    break
        else:
            continue
        if best is None or port.width < best.width:
            best = port
    assert best is not None  # a truncating port with f + 25 bits serves every mode
    problems = [r for r in alive if not check_port(best, r).exact]
    assert not problems, f'{best.cpp()} does not feed {problems}'
    return best


def convert_to_port(x: np.ndarray, port: FixedType) -> np.ndarray:
    """``ap_fixed``'s conversion of float inputs to the port type (rounding first, then overflow), exactly."""
    y = port_round(x, port.rounding, port.fractional)
    if never_overflows(port):
        return y
    lo, hi = _port_bounds(port)
    if port.overflow in ('SAT', 'SAT_SYM'):
        return np.clip(y, lo, hi)
    if port.overflow == 'SAT_ZERO':
        return np.where((y < lo) | (y > hi), 0.0, y)
    period = 2.0**port.integer
    r = np.fmod(y, period)  # exact for floats
    r = np.where(r < 0, r + period, r)
    return np.where(port.signed & (r >= period / 2), r - period, r)


_FIXED = re.compile(
    r'\s*(?:ap_)?(?P<kind>u?fixed|u?int)\s*<\s*(?P<args>[^<>]*)>\s*\Z',
    re.IGNORECASE,
)


def parse_port_type(text: str) -> FixedType:
    """``ap_fixed<W,I[,Q[,O]]>`` (or ``fixed``, ``ap_ufixed``, ``ufixed``, ``ap_int<W>``, ``ap_uint<W>``; modes
    ``AP_RND`` or ``RND``) as a :class:`FixedType`; anything else raises :class:`ConfigError`."""
    m = _FIXED.match(str(text))
    problem = f'input port type {text!r}: expected e.g. ap_fixed<10,5> or ap_ufixed<8,3,AP_RND,AP_SAT>'
    if m is None:
        raise ConfigError(problem)
    kind = m['kind'].lower()
    args = [a.strip() for a in m['args'].split(',')]
    try:
        width = int(args[0])
        integer = width if kind.endswith('int') else int(args[1])
    except (ValueError, IndexError):
        raise ConfigError(problem) from None
    modes = [a.upper().removeprefix('AP_') for a in args[1 if kind.endswith('int') else 2 :]]
    rounding = modes[0] if modes else 'TRN'
    overflow = modes[1] if len(modes) > 1 else 'WRAP'
    if width < 1 or rounding not in ROUND_MODES or overflow not in PORT_OVERFLOW_MODES or len(modes) > 3:
        raise ConfigError(problem)
    if len(modes) == 3 and modes[2] != '0':
        raise ConfigError(f'input port type {text!r}: saturation bits are not supported')
    return FixedType(not kind.startswith('u'), width, integer, rounding, overflow)


def port_types_by_input(
    input_precision: str | Mapping[str, str], inputs: Sequence[str], model_name: str, error: type[Exception]
) -> dict[str, str]:
    """``{input name: port type}``: ``input_precision`` for every input (a string), or the inputs a mapping names;
    a name that is not one of ``inputs`` (of the model ``model_name``) raises ``error``, naming them all."""
    given = dict.fromkeys(inputs, input_precision) if isinstance(input_precision, str) else dict(input_precision)
    unknown = [name for name in given if name not in inputs]
    if unknown:
        raise error(
            f'input_precision names {", ".join(map(repr, unknown))}, not an input of model {model_name!r} '
            f'(inputs: {", ".join(inputs)})'
        )
    return given
