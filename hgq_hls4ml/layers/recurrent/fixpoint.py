"""The state's range over the time steps: the range each step assumes for the state it reads, the state's exact
types, and the layer's output range."""

from __future__ import annotations

import numpy as np

from ...precision import interval as iv
from ...precision.fixed import FixedType, union_type
from ..activation_table import lookups_range
from .cells import trace_step
from .spec import RecurrentSpec
from .tracer import Step, Vec


def assumed_state(spec: RecurrentSpec, x_range: iv.QInterval) -> iv.QInterval:
    """The range a step assumes for the state it reads, whatever the step.

    ``QSimpleRNN``'s state is its last output: a pre-activation quantizer's output, through the activation (a
    table's outputs over that quantizer's whole range).
    ``QGRU`` reads its state only through the state quantizer, whose output is in that quantizer's range (the range
    returned) whatever the state. A spiking cell's state is its state quantizer's output if enabled, else every
    membrane reachable from the zero state within the sequence (the hull of the steps' ranges).
    """
    if spec.cell == 'snn' and spec.state_quantizer is None:
        u = spec.n_units
        reached = iv.constant(np.zeros(u))
        for _ in range(spec.n_timesteps - 1):
            reached = iv.hull(reached, trace_step(spec, x_range, [None] * u, reached)[2].range)
        return reached
    q = spec.activation_quantizer if spec.cell == 'simple_rnn' else spec.state_quantizer
    quantized = iv.from_kif(*q.kif, q.overflow_mode)
    if spec.cell != 'simple_rnn':
        return quantized
    if spec.activation.table is not None:
        return lookups_range(spec.activation.table.lookups(iv.exact_kif(quantized)))
    return iv.relu(quantized) if spec.activation.name == 'relu' else quantized


def _step(spec: RecurrentSpec, x_range: iv.QInterval, state_types: list[FixedType | None]) -> tuple[Step, Vec, Vec]:
    """One step from the state range :func:`assumed_state`: the traced step, its output and its new state."""
    return trace_step(spec, x_range, state_types, assumed_state(spec, x_range))


def state_types(spec: RecurrentSpec, x_range: iv.QInterval) -> tuple[list[FixedType], iv.QInterval]:
    """Exact type of each state element (its new values and the initial 0) and the range of the outputs."""
    _, out, new = _step(spec, x_range, [None] * spec.n_units)
    kept = iv.QInterval(np.minimum(new.range.lo, 0.0), np.maximum(new.range.hi, 0.0), new.range.f)
    types = [union_type(lo, hi, f) for lo, hi, f in zip(kept.lo, kept.hi, kept.f)]
    return types, out.range


def final_step(spec: RecurrentSpec, x_range: iv.QInterval) -> tuple[list[FixedType], Step, Vec, Vec]:
    """The step as generated for inputs of ``x_range`` (every step's, as the range rule stored in
    ``hgq_input_range``): the state types, the traced step, its output and its new state."""
    types, _ = state_types(spec, x_range)
    return (types, *_step(spec, x_range, types))


def output_range(spec: RecurrentSpec, x_range: iv.QInterval) -> iv.QInterval:
    """Range of the layer's output (every step's state, or the last) for inputs of ``x_range`` at every step."""
    out = state_types(spec, x_range)[1]
    if not spec.return_sequences:
        return out
    t = spec.n_timesteps
    return iv.QInterval(*(np.broadcast_to(v, (t, *v.shape)).copy() for v in (out.lo, out.hi, out.f)))
