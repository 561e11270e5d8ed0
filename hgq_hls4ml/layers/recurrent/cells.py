"""The cells, one step each, traced by :class:`~.tracer.Step`: HGQ2's ``QSimpleRNNCell``, ``QGRUCell`` and the
spiking ``QSimpleSNNCell``/``QLIFCell``."""

from __future__ import annotations

import numpy as np

from ...errors import UnsupportedLayerError
from ...precision import interval as iv
from .tracer import Step, Vec, concat, typed_literal

#: Cell -> its constant attributes (inline in the C++; ``None`` if absent).
CONSTANTS = {'simple_rnn': ('kernel', 'recurrent_kernel'), 'gru': ('kernel', 'recurrent_kernel'), 'snn': ('beta',)}

#: Significant bits float32 holds exactly.
FLOAT32_BITS = 24


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
