"""The input port rule (:mod:`hgq_hls4ml.precision.port`) against ``quantizers``' numpy reference.

The port converts a float32 input as ``ap_fixed`` does (:func:`convert_to_port`, itself checked against the real
``ap_types`` headers); the quantizers reading it must then see what they see of the float. Checked: the narrowest
port per mode is the documented one and is exact on random float32 inputs (hypothesis, near every boundary and
far beyond the ranges); one bit less, of either kind and with any port modes, is not; and :func:`check_port`'s
verdict on any port is right both ways (a claimed difference has a witness input).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quantizers.fixed_point.fixed_point_ops_np import get_fixed_quantizer_np

from hgq_hls4ml.errors import ConfigError
from hgq_hls4ml.precision.fixed import ROUND_MODES, FixedType
from hgq_hls4ml.precision.port import (
    FLOAT32_INT_BITS,
    PORT_OVERFLOW_MODES,
    Reader,
    check_port,
    convert_to_port,
    critical_inputs,
    narrowest_port,
    parse_port_type,
    port_round,
)

from .ap_catalog import CATALOGUE

#: The module docstring's table: quantizer mode -> (port mode, extra fractional bits) for elements of different f.
HETEROGENEOUS = {
    'TRN': ('TRN', 0),
    'RND': ('TRN', 1),
    'TRN_ZERO': ('TRN_ZERO', 0),
    'RND_INF': ('TRN_ZERO', 1),
    'RND_CONV': ('RND_INF', 23),
    'RND_ZERO': ('RND_INF', 23),
    'RND_MIN_INF': ('RND', 24),
}
#: The same for unsigned saturating elements (negative inputs all read as 0).
HETEROGENEOUS_UNSIGNED_SAT = {
    'TRN': ('TRN', 0),
    'RND': ('TRN', 1),
    'TRN_ZERO': ('TRN', 0),
    'RND_INF': ('TRN', 1),
    'RND_CONV': ('RND', 23),
    'RND_ZERO': ('RND', 23),
    'RND_MIN_INF': ('RND', 23),
}


def reference(r: Reader, x: np.ndarray) -> np.ndarray:
    q = get_fixed_quantizer_np(r.rounding, r.overflow)
    return q(x, *(np.full_like(x, v, dtype=np.float64) for v in (r.k, r.i, r.f)))


def samples(readers: list[Reader], rng: np.random.Generator, n: int = 2000) -> np.ndarray:
    """Float32 inputs: grid points and ties of each reader's grid and up to 3 float32 steps beside them, and
    normal samples over many scales (well beyond the ranges, below 2**20 where the reference is exact)."""
    xs = []
    for r in readers:
        x = np.ldexp(rng.integers(-80, 80, n) / 2, -r.f).astype(np.float32)
        steps = rng.integers(-3, 4, n)
        for s in range(3):
            x = np.where(steps > s, np.nextafter(x, np.float32(np.inf)), x)
            x = np.where(steps < -s, np.nextafter(x, np.float32(-np.inf)), x)
        xs += [x, (rng.normal(0, 1, n) * 2.0 ** rng.integers(-10, 14, n)).astype(np.float32)]
    x = np.concatenate(xs).astype(np.float64)
    return x[np.abs(x) < 2.0**20]


def exact_on(port: FixedType, readers: list[Reader], x: np.ndarray) -> bool:
    px = convert_to_port(x, port)
    return all(np.array_equal(reference(r, px), reference(r, x)) for r in readers)


# ---------------------------------------------------------------------------------------------------------------
# the rule, per mode


@pytest.mark.parametrize('mode', ROUND_MODES)
@pytest.mark.parametrize('overflow', ['SAT', 'SAT_SYM', 'WRAP'])
def test_one_f_everywhere_the_port_is_the_quantizer(mode, overflow):
    k, i, f = 1, 3, 4
    port = narrowest_port([Reader.of(k, i, f, mode, overflow)])
    assert (port.signed, port.integer, port.fractional, port.rounding) == (True, k + i, f, mode)
    assert port.overflow == ('WRAP' if overflow == 'WRAP' else 'SAT')  # SAT_SYM follows a saturating port


@pytest.mark.parametrize('mode', ROUND_MODES)
@pytest.mark.parametrize('k, overflow', [(1, 'SAT'), (1, 'WRAP'), (0, 'SAT'), (0, 'SAT_SYM')])
def test_several_f_need_the_documented_bits(mode, k, overflow):
    readers = [Reader.of(k, 3, 4, mode, overflow), Reader.of(k, 2, 3, mode, overflow)]
    port = narrowest_port(readers)
    table = HETEROGENEOUS_UNSIGNED_SAT if k == 0 and overflow != 'WRAP' else HETEROGENEOUS
    assert (port.rounding, port.fractional - 4) == table[mode]
    assert port.signed == bool(k) or mode in ('TRN_ZERO', 'RND_ZERO', 'RND_INF')
    if overflow == 'WRAP' and mode in ('TRN_ZERO', 'RND_ZERO', 'RND_INF'):
        # the wrap must not flip the sign of an input these modes still round (the f=3 element is off the grid)
        assert port.integer == 24 - 3
    else:
        assert port.integer == k + 3


def test_unsigned_saturating_elements_get_an_unsigned_port():
    port = narrowest_port([Reader.of(0, 2, 3, 'RND', 'SAT'), Reader.of(0, 1, 5, 'RND', 'SAT')])
    assert port == FixedType(False, 2 + 6, 2, 'TRN', 'SAT')
    mixed = narrowest_port([Reader.of(0, 2, 3, 'RND', 'SAT'), Reader.of(1, 1, 5, 'RND', 'SAT')])
    assert mixed == FixedType(True, 3 + 6, 3, 'TRN', 'SAT')  # the unsigned element's 2**2 needs 3 bits with a sign


@pytest.mark.parametrize(
    'readers',
    [
        [Reader.of(1, 2, 3, 'RND', 'WRAP'), Reader.of(1, 2, 3, 'RND', 'SAT')],
        [Reader.of(1, 2, 3, 'RND', 'WRAP_SM')],
        [Reader.of(1, 2, 3, 'RND_CONV', 'WRAP_SM'), Reader.of(1, 0, 5, 'RND_CONV', 'WRAP_SM')],
    ],
    ids=['wrap-and-sat', 'wrap_sm', 'wrap_sm-rnd_conv'],
)
def test_only_a_port_holding_every_float32_serves_wrap_sm_or_wrap_with_sat(readers):
    port = narrowest_port(readers)
    assert port.integer == FLOAT32_INT_BITS and port.signed
    wide = [FixedType(True, 100 + port.fractional, 100, port.rounding, ovf) for ovf in PORT_OVERFLOW_MODES]
    assert all(not all(check_port(p, r).exact for r in readers) for p in wide)
    x = samples(readers, np.random.default_rng(3))
    assert exact_on(port, readers, x)


def _ports_narrower_than(port: FixedType, lowest_integer: int = -3):
    """Every port type (all modes, both signs) with fewer bits than ``port``."""
    for width in range(1, port.width):
        for integer in range(lowest_integer, port.integer + 2):
            for signed, rnd, ovf in itertools.product((True, False), ROUND_MODES, PORT_OVERFLOW_MODES):
                yield FixedType(signed, width, integer, rnd, ovf)


MINIMALITY_CASES = [
    [Reader.of(1, 2, 2, 'RND', 'SAT')],
    [Reader.of(1, 2, 2, 'RND', 'SAT'), Reader.of(1, 1, 3, 'RND', 'SAT')],
    [Reader.of(0, 2, 2, 'TRN', 'WRAP'), Reader.of(1, 1, 1, 'TRN', 'WRAP')],
    [Reader.of(1, 1, 2, 'RND_INF', 'SAT'), Reader.of(1, 2, 1, 'RND_INF', 'SAT')],
    [Reader.of(1, 1, 2, 'RND_CONV', 'SAT_SYM')],
    [Reader.of(0, 2, 1, 'TRN_ZERO', 'SAT'), Reader.of(0, 1, 2, 'RND', 'SAT')],
]


@pytest.mark.parametrize('readers', MINIMALITY_CASES, ids=lambda rs: '+'.join(r.describe() for r in rs))
def test_no_narrower_port_of_any_mode_is_exact(readers):
    port = narrowest_port(readers)
    for narrower in _ports_narrower_than(port):
        assert not all(check_port(narrower, r).exact for r in readers), narrower.cpp()


@pytest.mark.parametrize('mode', ROUND_MODES)
def test_one_fractional_bit_less_fails_for_every_port_mode(mode):
    """For the guard-bit modes, no port rounding mode does with one fractional bit less (a witness input each)."""
    readers = [Reader.of(1, 3, 4, mode, 'SAT'), Reader.of(1, 2, 3, mode, 'SAT')]
    port = narrowest_port(readers)
    x = samples(readers, np.random.default_rng(1))
    for rnd in ROUND_MODES:
        fewer = FixedType(True, port.width - 1, port.integer, rnd, port.overflow)
        assert not all(check_port(fewer, r).exact for r in readers)
    assert exact_on(port, readers, x)


# ---------------------------------------------------------------------------------------------------------------
# exactness on random inputs

reader_st = st.builds(
    Reader.of,
    st.integers(0, 1),
    st.integers(-2, 5),
    st.integers(-2, 6),
    st.sampled_from(ROUND_MODES),
    st.sampled_from(['WRAP', 'SAT', 'SAT_SYM']),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(reader_st, min_size=1, max_size=3), st.integers(0, 2**32 - 1))
def test_narrowest_port_is_exact_on_float32_inputs(readers, seed):
    readers = [r for r in readers if r.alive]
    if not readers:
        return
    port = narrowest_port(readers)
    x = samples(readers, np.random.default_rng(seed), 500)
    px = convert_to_port(x, port)
    for r in readers:
        got, want = reference(r, px), reference(r, x)
        bad = np.flatnonzero(got != want)
        assert not bad.size, f'{port.cpp()} -> {r}: x={x[bad[0]]!r} port={px[bad[0]]!r}'


port_st = st.builds(
    lambda signed, integer, fractional, rnd, ovf: FixedType(signed, max(integer + fractional, 1), integer, rnd, ovf),
    st.booleans(),
    st.integers(-2, 7),
    st.integers(-2, 9),
    st.sampled_from(ROUND_MODES),
    st.sampled_from(PORT_OVERFLOW_MODES),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(port_st, reader_st, st.integers(0, 2**32 - 1))
def test_check_port_verdicts_have_witnesses(port, r, seed):
    """``check_port`` is sound (exact: no input differs) and names real differences: a resolution or rounding
    difference has a witness input the port holds, and (with exact rounding) an overflow one a witness beyond."""
    if not r.alive:
        return
    check = check_port(port, r)
    x = np.concatenate(
        [critical_inputs(r), samples([r], np.random.default_rng(seed), 800), np.linspace(-300, 300, 6001)]
    )
    diff = reference(r, convert_to_port(x, port)) != reference(r, x)
    if check.exact:
        assert not diff.any(), f'{port.cpp()} claimed exact for {r}: x={x[np.argmax(diff)]!r}'
        return
    y = port_round(x, port.rounding, port.fractional)
    lo, hi = (
        (-port.max_value, port.max_value)
        if port.overflow == 'SAT_SYM' and port.signed
        else (
            port.min_value,
            port.max_value,
        )
    )
    if check.resolution or check.rounding:
        assert (diff & (y >= lo) & (y <= hi)).any(), f'{port.cpp()} for {r}: no in-range witness'
        return
    assert check.above == bool((diff & (y > hi)).any()), f'{port.cpp()} for {r}: above'
    assert check.below == bool((diff & (y < lo)).any()), f'{port.cpp()} for {r}: below'


# ---------------------------------------------------------------------------------------------------------------
# the port's conversion is ap_fixed's, and the given type's parsing


def test_convert_to_port_is_ap_fixed_conversion(run_cpp):
    """Every catalogue type (all rounding modes; WRAP, SAT, SAT_SYM) as a port: ``convert_to_port`` gives what the
    C++ ``ap_fixed`` conversion of a double gives, on the type's ties, grid points, their float32 neighbours and
    far-out values."""
    entries = [e for e in CATALOGUE if e.type is not None and e.overflow != 'WRAP_SM']
    ids, xs, want = [], [], []
    rng = np.random.default_rng(5)
    for e in entries:
        x = np.ldexp(rng.integers(-6 * 2**e.width, 6 * 2**e.width, 12) / 2, -e.f).astype(np.float32)
        x = np.concatenate([x, np.nextafter(x, np.float32(np.inf)), np.nextafter(x, np.float32(-np.inf))])
        x = x.astype(np.float64)
        ids += [e.id] * x.size
        xs.append(x)
        want.append(convert_to_port(x, e.type))
    got = run_cpp(ids, np.concatenate(xs))
    np.testing.assert_array_equal(got, np.concatenate(want))


@pytest.mark.parametrize(
    'text, expected',
    [
        ('ap_fixed<10,5>', FixedType(True, 10, 5)),
        ('fixed<8,3,TRN,SAT>', FixedType(True, 8, 3, 'TRN', 'SAT')),
        (' ap_ufixed< 8 , -2 , AP_RND , AP_SAT_ZERO > ', FixedType(False, 8, -2, 'RND', 'SAT_ZERO')),
        ('ap_int<6>', FixedType(True, 6, 6)),
        ('uint<4>', FixedType(False, 4, 4)),
        ('ap_fixed<8,3,AP_RND_CONV,AP_SAT_SYM,0>', FixedType(True, 8, 3, 'RND_CONV', 'SAT_SYM')),
    ],
)
def test_parse_port_type(text, expected):
    assert parse_port_type(text) == expected


@pytest.mark.parametrize(
    'text', ['float', 'ap_fixed<10>', 'ap_fixed<0,0>', 'ap_fixed<8,3,AP_FOO>', 'ap_fixed<8,3,RND,WRAP_SM>', 'x<1,1>']
)
def test_parse_port_type_refuses(text):
    with pytest.raises(ConfigError, match='input port type'):
        parse_port_type(text)
