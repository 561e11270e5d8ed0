"""``HGQRecurrent``: HGQ2's ``QSimpleRNN``, ``QGRU``, ``QSimpleSNN`` and ``QLIF``, every time step bit-exact.

The C++ is one time loop over the fixed sequence length. Each step is generated element by element from the same
description that gives its exact ranges (:class:`Step`): matrix products accumulate in the narrowest type
holding their proven range (weights are inline constants), every HGQ2 quantizer is an exact ``ap_fixed`` cast of
its own element (with HGQ2's power-of-two ``affine`` after it: the hard sigmoid), and sums and products are stored
in the exact type of their range. A float32 activation (``tanh``, ``sigmoid``, ...) is Keras's own function made
exact over its input's proven range (:mod:`.activation_table`: a lookup table or a comparison tree; with the
quantizer after it for ``QGRU``). ``QSimpleRNN`` feeds back its pre-activation quantizer's output (through the
state quantizer if enabled), ``QGRU`` its state quantizer's: the state stays bounded whatever the sequence length.
The spiking cells feed back their membrane after the reset (through the state quantizer if enabled; without it the
membrane's range is followed over every step of the fixed-length sequence). Their float32 arithmetic (decay,
integration, subtractive reset) must be exact in float32, which the step checks; the spike is an exact comparison
``mem > threshold`` (HGQ2: ``mem - threshold > 0`` in float32, the same for exact values). io_stream buffers the
whole sequence around this function (see :func:`~.codegen.buffered_stream_source`).

Attributes (set by :mod:`hgq_hls4ml.handlers.recurrent`): ``cell`` (``'simple_rnn'``/``'gru'``/``'snn'``),
``keras_class``, ``n_timesteps``, ``n_in``, ``n_units``, ``return_sequences``, ``go_backwards``; RNN cells:
``reset_after``, ``kernel``, ``recurrent_kernel``, ``input_bias``, ``recurrent_bias`` (quantized Keras values),
``cell_activation``, ``cell_recurrent_activation`` (names), ``activation_tables`` (attribute name ->
:class:`~.activation_table.ActivationTable`, for those computed by table); spiking
cells: ``beta`` (per unit, ``None`` for ``QSimpleSNN``), ``threshold``, ``graded_spikes_factor`` (per unit),
``reset_mechanism``; and per cell quantizer (``sq``, ``paq``, ``praq``, ``rhq``, ``oq``; ``None`` if absent) a dict
of ``kif``, ``round_mode``, ``overflow_mode``, ``affine``. The exact-range rule stores the input's range (all
steps) as ``hgq_input_range``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from hls4ml.model.layers import Layer

from ..errors import UnsupportedLayerError
from ..precision import interval as iv
from ..precision.fixed import FixedType, element_type, union_type
from .activation_table import ActivationTable, ByRuns, ByTable, lookup_values, lookups_range
from .codegen import GeneratedFunctionTemplate
from .quantize import element_cast
from .unary_lut import is_constant, literal, lookup, table_decl

#: Cell -> its constant attributes (inline in the C++; ``None`` if absent).
CONSTANTS = {'simple_rnn': ('kernel', 'recurrent_kernel'), 'gru': ('kernel', 'recurrent_kernel'), 'snn': ('beta',)}

#: Significant bits float32 holds exactly.
FLOAT32_BITS = 24


class HGQRecurrent(Layer):
    """A recurrent layer over a ``(n_timesteps, n_in)`` input: the whole sequence or the last state."""

    no_distributed_arithmetic: ClassVar[str] = (
        "hls4ml's distributed-arithmetic code generator has no recurrent cell (it expresses Dense, Conv1D, Conv2D "
        'and EinsumDense)'
    )

    def initialize(self) -> None:
        t, u = self.get_attr('n_timesteps'), self.get_attr('n_units')
        self.add_output_variable([t, u] if self.get_attr('return_sequences') else [u])


@dataclass(frozen=True)
class Vec:
    """Per-element C++ expressions (a variable, or the literal ``0`` for a constant zero), their ranges and
    declared types (``None``: a literal or an ``auto`` cast)."""

    names: list[str]
    rng: iv.QInterval
    types: list[FixedType | None]

    def __getitem__(self, s: slice) -> Vec:
        return Vec(self.names[s], iv.QInterval(self.rng.lo[s], self.rng.hi[s], self.rng.f[s]), self.types[s])


def concat(a: Vec, b: Vec) -> Vec:
    return Vec(a.names + b.names, iv.concatenate([a.rng, b.rng], 0), a.types + b.types)


def comparison_tree(src: str, t: str, r: ByRuns) -> str:
    """C++ expression of type ``t`` giving run ``r``'s value for input ``src`` (a balanced tree of comparisons)."""

    def tree(lo: int, hi: int) -> str:
        if hi - lo == 1:
            return f'{t}({literal(r.values[lo])})'
        mid = (lo + hi) // 2
        return f'({src} >= {typed_literal(r.starts[mid])} ? {tree(mid, hi)} : {tree(lo, mid)})'

    return tree(0, r.starts.size)


def typed_literal(value: float) -> str:
    """A constant as an ``ap_fixed`` of its exact type."""
    return f'{iv.constant(np.array([value])).union_type().cpp()}({float(value)!r})'


def width(rng: iv.QInterval, j: int) -> int:
    """Bits of element ``j``'s exact type (0 for a constant zero)."""
    return 0 if rng.is_zero[j] else union_type(rng.lo[j], rng.hi[j], rng.f[j]).width


class Step:
    """Builds one time step: the ranges of every value, (in order) the C++ statements computing them, and the
    operators they need (for the cost proxy): ``products`` ``(a, c, b)`` of an ``a``-bit variable and a constant
    ``c`` (``b = 0``) or a ``b``-bit variable (``c = None``), ``adders`` (widths), ``casts`` ``(width, rounding,
    overflow)`` and ``lookups`` ``(input width, output width)``; ``tables`` declares the lookup tables (once, before
    the time loop)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tables: list[str] = []
        self.products: list[tuple[int, float | None, int]] = []
        self.adders: list[int] = []
        self.casts: list[tuple[int, str, str]] = []
        self.lookups: list[tuple[int, int]] = []

    def declare(self, prefix: str, rng: iv.QInterval, expr: Callable[[int, str], str]) -> Vec:
        """``T prefix_j = expr(j, T);`` with ``T`` the exact type of element ``j``'s range (zeros stay literals)."""
        iv.check_exact(rng, f'recurrent step value {prefix!r}')
        names, types = [], []
        for j in range(rng.shape[0]):
            if rng.is_zero[j]:
                names.append('0')
                types.append(None)
                continue
            t = union_type(rng.lo[j], rng.hi[j], rng.f[j])
            self.lines.append(f'{t.cpp()} {prefix}_{j} = {expr(j, t.cpp())};')
            names.append(f'{prefix}_{j}')
            types.append(t)
        return Vec(names, rng, types)

    def dot(self, prefix: str, x: Vec, w: np.ndarray, bias: np.ndarray) -> Vec:
        """``x @ w + bias``, each output accumulated in its exact type (partial sums may wrap; the result is exact)."""
        rng = iv.add_constant(iv.matmul(x.rng, w), bias)
        out = self.declare(prefix, rng, lambda j, _: typed_literal(bias[j]) if bias[j] else '0')
        for j, name in enumerate(out.names):
            if name == '0':
                continue
            live = [i for i, xi in enumerate(x.names) if xi != '0' and w[i, j] != 0]
            self.lines += [f'{name} += {x.names[i]} * {typed_literal(w[i, j])};' for i in live]
            self.products += [(width(x.rng, i), float(w[i, j]), 0) for i in live]
            self.adders += [width(rng, j)] * max(len(live) - (bias[j] == 0), 0)
        return out

    def binary(self, prefix: str, a: Vec, b: Vec, op: str) -> Vec:
        """Element-wise ``a + b`` or ``a * b`` in the exact type of the result."""
        rng = iv.add(a.rng, b.rng) if op == '+' else iv.multiply(a.rng, b.rng)
        if op == '+':  # adding a constant zero is the other operand
            if all(n == '0' for n in b.names):
                return a
            if all(n == '0' for n in a.names):
                return b

        def expr(j: int, _: str) -> str:
            x, y = a.names[j], b.names[j]
            if op == '+':
                if '0' in (x, y):
                    return y if x == '0' else x
                self.adders.append(width(rng, j))
                return f'{x} + {y}'
            self.products.append((width(a.rng, j), None, width(b.rng, j)))
            return f'{x} * {y}'

        return self.declare(prefix, rng, expr)

    def one_minus(self, prefix: str, a: Vec) -> Vec:
        rng = iv.add_constant(iv.negate(a.rng), np.ones(a.rng.shape))
        one = typed_literal(1.0)

        def expr(j: int, _: str) -> str:
            if a.names[j] == '0':
                return one
            self.adders.append(width(rng, j))
            return f'{one} - {a.names[j]}'

        return self.declare(prefix, rng, expr)

    def scale(self, prefix: str, a: Vec, c: np.ndarray) -> Vec:
        """Element-wise ``a * c`` for constants ``c``."""

        def expr(j: int, _: str) -> str:
            self.products.append((width(a.rng, j), float(c[j]), 0))
            return f'{a.names[j]} * {typed_literal(c[j])}'

        return self.declare(prefix, iv.scale(a.rng, c), expr)

    def offset(self, prefix: str, a: Vec, c: np.ndarray) -> Vec:
        """Element-wise ``a + c`` for constants ``c``."""
        rng = iv.add_constant(a.rng, c)

        def expr(j: int, _: str) -> str:
            if a.names[j] == '0' or c[j] == 0:
                return typed_literal(c[j]) if a.names[j] == '0' else a.names[j]
            self.adders.append(width(rng, j))
            return f'{a.names[j]} + {typed_literal(c[j])}'

        return self.declare(prefix, rng, expr)

    def spike(self, prefix: str, mem: Vec, threshold: np.ndarray) -> tuple[list[str], Vec, Vec]:
        """``mem > threshold`` per element (``bool`` C++ names, or ``true``/``false`` when the range decides), and
        ``mem`` with its range narrowed to the values that fire and to those that do not."""
        f = np.where(mem.rng.is_zero, 0, mem.rng.f).astype(np.float64)
        below_top = np.floor(threshold * 2.0**f) / 2.0**f  # the largest grid value <= threshold
        fires, silent = mem.rng.hi > threshold, mem.rng.lo <= threshold
        names = []
        for j, name in enumerate(mem.names):
            if fires[j] and silent[j]:
                self.lines.append(f'const bool {prefix}_{j} = {name} > {typed_literal(threshold[j])};')
                self.adders.append(width(mem.rng, j))  # a comparison
                names.append(f'{prefix}_{j}')
            else:
                names.append('true' if fires[j] else 'false')
        lo, hi = mem.rng.lo, mem.rng.hi
        above = iv.QInterval(np.where(fires & silent, np.maximum(lo, below_top + 2.0**-f), lo), hi, mem.rng.f)
        below = iv.QInterval(lo, np.where(fires & silent, np.minimum(hi, below_top), hi), mem.rng.f)
        return names, Vec(mem.names, above, mem.types), Vec(mem.names, below, mem.types)

    def select(self, prefix: str, cond: list[str], a: Vec, b: Vec) -> Vec:
        """Element-wise ``cond ? a : b``."""
        on, off = np.array([c == 'true' for c in cond]), np.array([c == 'false' for c in cond])
        both = iv.hull(a.rng, b.rng)

        def pick(field: str) -> np.ndarray:
            return np.where(on, getattr(a.rng, field), np.where(off, getattr(b.rng, field), getattr(both, field)))

        rng = iv.QInterval(pick('lo'), pick('hi'), pick('f'))

        def expr(j: int, t: str) -> str:
            if cond[j] in ('true', 'false'):
                return (a if cond[j] == 'true' else b).names[j]
            return f'{cond[j]} ? {t}({a.names[j]}) : {t}({b.names[j]})'

        return self.declare(prefix, rng, expr)

    def activation(self, prefix: str, a: Vec, name: str) -> Vec:
        if name == 'linear':
            return a
        rng = iv.relu(a.rng)
        self.adders += [width(rng, j) for j in range(len(a.names)) if a.names[j] != '0']  # a comparison each
        return self.declare(prefix, rng, lambda j, t: f'{a.names[j]} > 0 ? {t}({a.names[j]}) : {t}(0)')

    def table(self, prefix: str, a: Vec, act: ActivationTable) -> Vec:
        """Element-wise Keras function ``act``, exact (:mod:`.activation_table`): a lookup table read by the raw bits
        of the saturated input, or a comparison tree over the inputs where the output changes."""
        lookups = act.lookups(iv.exact_kif(a.rng))
        outputs = [lookup_values(lk) for lk in lookups]
        rng = lookups_range(lookups)
        names: dict[bytes, str] = {}
        for lk in lookups:
            if isinstance(lk, ByTable) and not is_constant(lk.table) and lk.table.tobytes() not in names:
                names[lk.table.tobytes()] = f'{prefix}_t{len(names)}'
                self.tables.append(table_decl(names[lk.table.tobytes()], lk.table))

        def expr(j: int, t: str) -> str:
            lk, src = lookups[j], a.names[j]
            if is_constant(outputs[j]):
                return literal(outputs[j][0])
            if isinstance(lk, ByTable):
                self.lookups.append((sum(lk.kif), width(rng, j)))
                return lookup(names[lk.table.tobytes()], lk.table, lk.kif, 'TRN', 'SAT', src, a.types[j])
            self.adders += [width(a.rng, j), width(rng, j)] * (lk.starts.size - 1)  # comparisons and multiplexers
            return comparison_tree(src, t, lk)

        return self.declare(prefix, rng, expr)

    def quantize(self, prefix: str, a: Vec, q: dict) -> Vec:
        """HGQ2 quantizer ``q`` (then its affine map, if any) on every element."""
        k, i, f = (np.asarray(v).ravel() for v in q['kif'])
        rnd, ovf = q['round_mode'], q['overflow_mode']
        rng = iv.quantize(a.rng, k, i, f, rnd, ovf)
        names, types = [], []
        for j in range(len(k)):
            dead = a.names[j] == '0' or element_type(k[j], i[j], f[j]) is None
            if dead:
                names.append('0')
            else:
                cast = element_cast(k[j], i[j], f[j], rnd, ovf, a.names[j], a.types[j])
                self.lines.append(f'auto {prefix}_{j} = {cast};')
                self.casts.append((int(k[j] + i[j] + f[j]), rnd, ovf))
                names.append(f'{prefix}_{j}')
            types.append(None)
        out = Vec(names, rng, types)
        if q['affine'] is None:
            return out
        scale, shift = q['affine']
        rng = iv.add_constant(iv.scale(rng, np.full(rng.shape, scale)), np.full(rng.shape, shift))
        tail = f' + {typed_literal(shift)}' if shift else ''

        def affine(j: int, _: str) -> str:  # the power-of-two scale is wiring
            if out.names[j] == '0':
                return typed_literal(shift)
            if shift:
                self.adders.append(width(rng, j))
            return f'{out.names[j]} * {typed_literal(scale)}{tail}'

        return self.declare(f'{prefix}_aff', rng, affine)


def activated(s: Step, prefix: str, pre: Vec, a: dict, attr: str, q: str | None) -> Vec:
    """``q(act(pre))`` for the cell's activation ``attr`` (``q=None``: ``act(pre)``), by a table of Keras's own
    function when the activation is neither linear nor ReLU."""
    table = a['activation_tables'].get(attr)
    if table is not None:
        return s.table(prefix, pre, table)
    out = s.activation(f'{prefix}_act', pre, a[f'cell_{attr}'])
    return out if q is None else s.quantize(prefix, out, a[q])


def simple_rnn_step(s: Step, a: dict, x: Vec, h: Vec) -> tuple[Vec, Vec]:
    """HGQ2's ``QSimpleRNNCell``: ``act(paq(iq(x) @ K + b + sq(h) @ R))``, the output and the new state."""
    hs = s.quantize('hs', h, a['sq']) if a['sq'] is not None else h
    w = np.concatenate([a['kernel'], a['recurrent_kernel']])
    pre = s.dot('acc', concat(x, hs), w, a['input_bias'])
    out = activated(s, 'act', s.quantize('pa', pre, a['paq']), a, 'activation', None)
    return out, out


def gru_step(s: Step, a: dict, x: Vec, h: Vec) -> tuple[Vec, Vec]:
    """HGQ2's ``QGRUCell`` (reset gate after or before the recurrent product): the new state, twice."""
    u = a['n_units']
    qh = s.quantize('qh', h, a['sq'])
    mx = s.dot('mx', x, a['kernel'], a['input_bias'])
    rk = a['recurrent_kernel']
    if a['reset_after']:
        mi = s.dot('mi', qh, rk, a['recurrent_bias'])
    else:
        mi = s.dot('mi', qh, rk[:, : 2 * u], np.zeros(2 * u))
    zr = activated(s, 'zr', s.binary('zrp', mx[: 2 * u], mi[: 2 * u], '+'), a, 'recurrent_activation', 'praq')
    z, r = zr[:u], zr[u:]
    if a['reset_after']:
        rec = s.binary('rec', r, s.quantize('rh', mi[2 * u :], a['rhq']), '*')
    else:
        rq = s.quantize('rh', s.binary('rqh', r, qh, '*'), a['rhq'])
        rec = s.dot('rec', rq, rk[:, 2 * u :], np.zeros(u))
    hh = activated(s, 'hh', s.binary('hhp', mx[2 * u :], rec, '+'), a, 'activation', 'paq')
    out = s.binary('hn', s.binary('zh', z, qh, '*'), s.binary('zc', s.one_minus('omz', z), hh, '*'), '+')
    return out, out


def exact_in_float32(a: dict, v: Vec, what: str) -> Vec:
    """``v``, after checking that Keras computes it exactly in float32 (at most 24 significant bits)."""
    wide = [(j, t) for j, t in enumerate(v.types) if t is not None and t.width - t.signed > FLOAT32_BITS]
    if wide:
        j, t = wide[0]
        reason = (
            f"the {what} of unit {j} needs {t.width - t.signed} significant bits ({t.cpp()}), beyond float32's "
            f'{FLOAT32_BITS}: Keras rounds it, the firmware could not match (enable or narrow the state quantizer sq, '
            'or use a threshold/beta with fewer bits)'
        )
        raise UnsupportedLayerError([(a['name'], a['keras_class'], reason)])
    return v


def snn_step(s: Step, a: dict, x: Vec, h: Vec) -> tuple[Vec, Vec]:
    """HGQ2's ``QSimpleSNNCell``/``QLIFCell``: the membrane ``mem = beta * h + iq(x)`` (``beta`` only for LIF) fires
    where ``mem > threshold``; the output is ``oq(spike * graded_spikes_factor)``, the new state ``sq(reset(mem))``
    (``subtract``: ``mem - threshold`` where fired; ``zero``: ``0`` where fired; ``none``: ``mem``)."""
    decayed = h if a['beta'] is None else exact_in_float32(a, s.scale('dec', h, a['beta']), 'decayed membrane')
    mem = exact_in_float32(a, s.binary('mem', decayed, x, '+'), 'membrane')
    thr, u = a['threshold'], a['n_units']
    spikes, fired, silent = s.spike('sp', mem, thr)
    zero = Vec(['0'] * u, iv.constant(np.zeros(u)), [None] * u)
    gsf = a['graded_spikes_factor']
    graded = Vec([typed_literal(g) if g else '0' for g in gsf], iv.constant(gsf), [None] * u)
    out = s.select('out', spikes, graded, zero)
    if a['oq'] is not None:
        out = s.quantize('oq', out, a['oq'])
    if a['reset_mechanism'] == 'subtract':
        new = s.select('rst', spikes, exact_in_float32(a, s.offset('sub', fired, -thr), 'reset membrane'), silent)
    elif a['reset_mechanism'] == 'zero':
        new = s.select('rst', spikes, zero, silent)
    else:
        new = mem
    return out, s.quantize('sq', new, a['sq']) if a['sq'] is not None else new


STEPS = {'simple_rnn': simple_rnn_step, 'gru': gru_step, 'snn': snn_step}


def assumed_state(a: dict, x_rng: iv.QInterval) -> iv.QInterval:
    """The range a step assumes for the state it reads, whatever the step.

    ``QSimpleRNN``'s state is its last output: a pre-activation quantizer's output, through the activation (a
    table's outputs over that quantizer's whole range).
    ``QGRU`` reads its state only through the state quantizer, whose output is in that quantizer's range (the range
    returned) whatever the state. A spiking cell's state is its state quantizer's output if enabled, else every
    membrane reachable from the zero state within the sequence (the hull of the steps' ranges).
    """
    if a['cell'] == 'snn' and a['sq'] is None:
        u = a['n_units']
        rng = iv.constant(np.zeros(u))
        for _ in range(a['n_timesteps'] - 1):
            rng = iv.hull(rng, _step(a, x_rng, [None] * u, rng)[2].rng)
        return rng
    q = a['paq'] if a['cell'] == 'simple_rnn' else a['sq']
    out = iv.from_kif(*(np.asarray(v).ravel() for v in q['kif']), q['overflow_mode'])
    if a['cell'] == 'simple_rnn' and 'activation' in a['activation_tables']:
        return lookups_range(a['activation_tables']['activation'].lookups(iv.exact_kif(out)))
    return iv.relu(out) if a['cell'] == 'simple_rnn' and a['cell_activation'] == 'relu' else out


def _step(
    a: dict, x_rng: iv.QInterval, state_types: list[FixedType | None], h_rng: iv.QInterval
) -> tuple[Step, Vec, Vec]:
    """One step on inputs ``x[base + i]`` and state ``h_j`` (of ``state_types``, ``None`` while unknown, and range
    ``h_rng``): the step, its output and its new state."""
    n_in, u = a['n_in'], a['n_units']
    x = Vec(['0' if x_rng.is_zero[i] else f'x[base + {i}]' for i in range(n_in)], x_rng, [None] * n_in)
    h = Vec([f'h_{j}' for j in range(u)], h_rng, state_types)
    s = Step()
    return s, *STEPS[a['cell']](s, a, x, h)


def run_step(a: dict, x_rng: iv.QInterval, state_types: list[FixedType | None]) -> tuple[Step, Vec, Vec]:
    """One step from the state range :func:`assumed_state`: the step, its output and its new state."""
    return _step(a, x_rng, state_types, assumed_state(a, x_rng))


def state_types(a: dict, x_rng: iv.QInterval) -> tuple[list[FixedType], iv.QInterval]:
    """Exact type of each state element (its new values and the initial 0) and the range of the outputs."""
    _, out, new = run_step(a, x_rng, [None] * a['n_units'])
    keep = iv.QInterval(np.minimum(new.rng.lo, 0.0), np.maximum(new.rng.hi, 0.0), new.rng.f)
    types = [union_type(lo, hi, f) for lo, hi, f in zip(keep.lo, keep.hi, keep.f)]
    return types, out.rng


def final_step(a: dict) -> tuple[list[FixedType], Step, Vec, Vec]:
    """The state types, the step as generated, its output and the new state (after the range rule set
    ``hgq_input_range``)."""
    x_rng = a['hgq_input_range']
    types, _ = state_types(a, x_rng)
    return (types, *run_step(a, x_rng, types))


def output_range(a: dict, x_rng: iv.QInterval) -> iv.QInterval:
    """Range of the layer's output (every step's state, or the last)."""
    rng = state_types(a, x_rng)[1]
    if not a['return_sequences']:
        return rng
    t = a['n_timesteps']
    return iv.QInterval(*(np.broadcast_to(v, (t, *v.shape)).copy() for v in (rng.lo, rng.hi, rng.f)))


class HGQRecurrentFunctionTemplate(GeneratedFunctionTemplate):
    layer_class = HGQRecurrent
    prefix = 'hgq_rnn'
    buffered_stream = True

    def source(self, node: HGQRecurrent, fn_name: str) -> str:
        a = node.attributes
        types, s, out, new = final_step(a)
        t_len, n_in, u = a['n_timesteps'], a['n_in'], a['n_units']
        n_out = t_len * u if a['return_sequences'] else u
        state = '\n    '.join([*s.tables, *(f'{t.cpp()} h_{j} = 0;' for j, t in enumerate(types))])
        row = f't * {u} + ' if a['return_sequences'] else ''  # else every step overwrites: the last one stays
        store = [f'y[{row}{j}] = {name};' for j, name in enumerate(out.names)]
        body = s.lines + store + [f'h_{j} = {name};' for j, name in enumerate(new.names)]
        step = f'{t_len - 1} - t' if a['go_backwards'] else 't'
        steps = '\n        '.join(body)
        return f"""
template <class input_t, class output_t>
void {fn_name}(input_t x[{t_len * n_in}], output_t y[{n_out}]) {{
    #pragma HLS INLINE
    {state}
    for (unsigned t = 0; t < {t_len}; t++) {{
        const unsigned base = ({step}) * {n_in};
        {steps}
    }}
}}
"""
