"""The state's range over the time steps: the range each step assumes for the state it reads, the state's exact
types, and the layer's output range."""

from __future__ import annotations

import numpy as np

from ...precision import interval as iv
from ...precision.fixed import FixedType, union_type
from ..activation_table import lookups_range
from .cells import STEPS
from .tracer import Step, Vec


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
