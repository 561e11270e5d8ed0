"""A fixed catalogue of minifloat formats and input types, the compiled C++ program quantizing through
``hgq_minifloat_quantize`` for each, and a hypothesis strategy of probes aimed at zeros, subnormals, ties and
saturation.

The C++ program reads ``id x`` lines and prints the quantized value as an exact hex float.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from hgq_hls4ml.minifloat.cpp import MINIFLOAT_FORMAT, MINIFLOAT_SOURCE, quantize_call
from hgq_hls4ml.minifloat.format import exponent_range, max_value
from hgq_hls4ml.precision.fixed import FixedType

from ..precision.ap_catalog import ApProgram, build_program

#: The reference agrees with the exact minifloat on inputs with at most this many fractional bits
#: (``quantizers.float_quantize_np`` finds the binade of ``|x| + 1e-7``).
MAX_INPUT_FRAC = 23
#: Input values travel as float64: input types are at most this wide.
MAX_INPUT_WIDTH = 53
M_RANGE, E_RANGE, E0_RANGE = range(0, 11), range(1, 7), range(-8, 9)


@dataclass(frozen=True)
class Format:
    """One catalogue entry: the minifloat ``(m, e, e0)`` and the fixed-point type it quantizes from."""

    id: int
    m: int
    e: int
    e0: int
    source: FixedType

    @property
    def lsb(self) -> float:
        return 2.0**-self.source.fractional

    def __str__(self) -> str:
        return f'#{self.id} m={self.m} e={self.e} e0={self.e0} from {self.source.cpp()}'


def _source_type(n: int, m: int, e: int, e0: int) -> FixedType:
    """Rotates three input types: signed and reaching past saturation, unsigned, signed with extra fraction bits
    (ties far below the smallest subnormal step)."""
    e_low, e_high = (int(v) for v in exponent_range(e, e0))
    variant = n % 3
    integer = e_high + 3 if variant != 1 else e_high + 2
    frac = min(MAX_INPUT_FRAC, m - e_low + (6 if variant == 2 else 2), MAX_INPUT_WIDTH - integer)
    return FixedType(variant != 1, integer + frac, integer)


def _formats(combos: list[tuple[int, int, int]]) -> tuple[Format, ...]:
    return tuple(Format(n, m, e, e0, _source_type(n, m, e, e0)) for n, (m, e, e0) in enumerate(combos))


def _corners() -> list[tuple[int, int, int]]:
    """``m``, ``e`` and ``e0`` at their extremes together."""
    ends = [(r[0], r[-1]) for r in (M_RANGE, E_RANGE, E0_RANGE)]
    return [(m, e, e0) for m in ends[0] for e in ends[1] for e0 in ends[2]]


#: The default tier (one g++ build of a few seconds): every value of ``m``, ``e`` and ``e0`` at least once
#: (``e0`` steps by 5, coprime with its 17 values) and the corners.
FORMATS: tuple[Format, ...] = _formats(
    [(M_RANGE[n % 11], E_RANGE[n % 6], E0_RANGE[(5 * n) % 17]) for n in range(17)] + _corners()
)
#: The slow tier: every ``(m, e)`` pair, ``e0`` cycling through its range, and the corners.
ALL_FORMATS: tuple[Format, ...] = _formats(
    [(m, e, E0_RANGE[(7 * n) % 17]) for n, (m, e) in enumerate((m, e) for m in M_RANGE for e in E_RANGE)] + _corners()
)


def _case(fmt: Format) -> str:
    call = quantize_call(fmt.m, fmt.e, fmt.e0, f'{fmt.source.cpp()}(x)')
    return f'    case {fmt.id}: *out = {call}.to_double(); break;'


def _type_case(fmt: Format) -> str:
    """Negative ids ask for the output type: ``width * 1024 + integer bits + 512``."""
    t = f'{MINIFLOAT_FORMAT}<{fmt.m}, {fmt.e}, {fmt.e0}>::type'
    return f'    case {-1 - fmt.id}: *out = {t}::width * 1024.0 + {t}::iwidth + 512; break;'


def _cases(fmt: Format) -> str:
    return f'{_case(fmt)}\n{_type_case(fmt)}'


def build(directory: pathlib.Path, formats: tuple[Format, ...]) -> ApProgram:
    return build_program(directory, formats, n_parts=2, case=_cases, preamble=MINIFLOAT_SOURCE)


# ---------------------------------------------------------------------------------------------------------------
# probes


def edges(fmt: Format) -> np.ndarray:
    """Zeros, the smallest subnormals and the ties around them, the binade edges, the top and the ties past it,
    and the input type's extremes, with both signs, on the input grid."""
    m, e_low, e_high = fmt.m, *(int(v) for v in exponent_range(fmt.e, fmt.e0))
    sub = 2.0 ** (e_low - m)
    top = float(max_value(m, fmt.e, fmt.e0))
    values = [0.0, sub, sub / 2, 1.5 * sub, 2.5 * sub, 2.0**e_low, 2.0**e_high, top, top + 2.0 ** (e_high - m - 1)]
    values += [2.0 ** (e_high + 1), fmt.source.max_value, fmt.lsb]
    return on_grid(fmt, np.array([s * v for v in values for s in (1, -1)]))


def on_grid(fmt: Format, x: np.ndarray) -> np.ndarray:
    """``x`` floored onto the input type's grid and clipped to its range."""
    t = fmt.source
    return np.clip(np.floor(x / fmt.lsb) * fmt.lsb, t.min_value, t.max_value)


@st.composite
def probes(draw: st.DrawFn, formats: tuple[Format, ...]) -> tuple[int, float]:
    """``(format id, x)``: a minifloat value, a tie between two, or a raw input value, nudged by one input LSB."""
    fmt = draw(st.sampled_from(formats))
    m, e_low, e_high = fmt.m, *(int(v) for v in exponent_range(fmt.e, fmt.e0))
    binade = draw(st.integers(e_low - 3, e_high + 2))
    steps = draw(st.integers(0, 2 ** (m + 1)))
    kind = draw(st.sampled_from(('value', 'tie', 'raw')))
    if kind == 'raw':
        t = fmt.source
        x = draw(st.integers(round(t.min_value / fmt.lsb), round(t.max_value / fmt.lsb))) * fmt.lsb
    else:
        x = (2 * steps + (kind == 'tie')) * 2.0 ** (binade - m - 1)
    x = x * draw(st.sampled_from((1, -1))) + draw(st.sampled_from((-1, 0, 0, 1))) * fmt.lsb
    return fmt.id, float(on_grid(fmt, np.array([x]))[0])
