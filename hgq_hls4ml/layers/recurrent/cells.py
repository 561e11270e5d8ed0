"""The cells, one traced step each (:class:`~.tracer.Step`): HGQ2's ``QSimpleRNNCell``, ``QGRUCell`` and the
spiking ``QSimpleSNNCell``/``QLIFCell``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...errors import UnsupportedLayerError
from ...precision import interval as iv
from ...precision.fixed import FixedType
from .spec import ActivationSpec, QuantizerSpec, RecurrentSpec
from .tracer import Step, Vec, concat, typed_literal

#: Significant bits float32 holds exactly.
FLOAT32_BITS = 24


def activated(step: Step, prefix: str, pre: Vec, activation: ActivationSpec, quantizer: QuantizerSpec | None) -> Vec:
    """``quantizer(activation(pre))`` (no quantizer if ``None``), by the activation's table if it has one (which
    includes the quantizer)."""
    if activation.table is not None:
        return step.table(prefix, pre, activation.table)
    out = step.activation(f'{prefix}_act', pre, activation.name)
    return out if quantizer is None else step.quantize(prefix, out, quantizer)


def simple_rnn_step(step: Step, spec: RecurrentSpec, x: Vec, h: Vec) -> tuple[Vec, Vec]:
    """HGQ2's ``QSimpleRNNCell``: ``act(paq(iq(x) @ K + b + sq(h) @ R))``, the output and the new state."""
    state = h if spec.state_quantizer is None else step.quantize('state', h, spec.state_quantizer)
    kernels = np.concatenate([spec.kernel, spec.recurrent_kernel])
    pre = step.dot('pre', concat(x, state), kernels, spec.input_bias)
    out = activated(step, 'out', step.quantize('pre_q', pre, spec.activation_quantizer), spec.activation, None)
    return out, out


def gru_step(step: Step, spec: RecurrentSpec, x: Vec, h: Vec) -> tuple[Vec, Vec]:
    """HGQ2's ``QGRUCell`` (reset gate after or before the recurrent product): the new state
    ``update * sq(h) + (1 - update) * candidate``, twice."""
    u = spec.n_units
    state = step.quantize('state', h, spec.state_quantizer)
    x_part = step.dot('x_mat', x, spec.kernel, spec.input_bias)  # update, reset and candidate gates
    if spec.reset_after:
        h_part = step.dot('h_mat', state, spec.recurrent_kernel, spec.recurrent_bias)
    else:
        h_part = step.dot('h_mat', state, spec.recurrent_kernel[:, : 2 * u], np.zeros(2 * u))
    gates_pre = step.binary('gates_pre', x_part[: 2 * u], h_part[: 2 * u], '+')
    gates = activated(step, 'gates', gates_pre, spec.recurrent_activation, spec.gate_quantizer)
    update, reset = gates[:u], gates[u:]
    if spec.reset_after:
        hidden = step.quantize('hidden_q', h_part[2 * u :], spec.recurrent_hidden_quantizer)
        recurrent = step.binary('cand_rec', reset, hidden, '*')
    else:
        reset_state = step.binary('reset_state', reset, state, '*')
        hidden = step.quantize('hidden_q', reset_state, spec.recurrent_hidden_quantizer)
        recurrent = step.dot('cand_rec', hidden, spec.recurrent_kernel[:, 2 * u :], np.zeros(u))
    candidate_pre = step.binary('cand_pre', x_part[2 * u :], recurrent, '+')
    candidate = activated(step, 'cand', candidate_pre, spec.activation, spec.activation_quantizer)
    kept = step.binary('kept', update, state, '*')
    taken = step.binary('taken', step.one_minus('not_update', update), candidate, '*')
    new = step.binary('new_state', kept, taken, '+')
    return new, new


def exact_in_float32(spec: RecurrentSpec, v: Vec, what: str) -> Vec:
    """``v``, after checking that Keras computes it exactly in float32 (at most 24 significant bits)."""
    wide = [(j, t) for j, t in enumerate(v.types) if t is not None and t.width - t.signed > FLOAT32_BITS]
    if wide:
        j, t = wide[0]
        reason = (
            f"the {what} of unit {j} needs {t.width - t.signed} significant bits ({t.cpp()}), beyond float32's "
            f'{FLOAT32_BITS}: Keras rounds it, the firmware could not match (enable or narrow the state quantizer sq, '
            'or use a threshold/beta with fewer bits)'
        )
        raise UnsupportedLayerError([(spec.layer_name, spec.keras_class, reason)])
    return v


def snn_step(step: Step, spec: RecurrentSpec, x: Vec, h: Vec) -> tuple[Vec, Vec]:
    """HGQ2's ``QSimpleSNNCell``/``QLIFCell``: the membrane ``mem = beta * h + iq(x)`` (``beta`` only for LIF) fires
    where ``mem > threshold``; the output is ``oq(spike * graded_spikes_factor)``, the new state ``sq(reset(mem))``
    (``subtract``: ``mem - threshold`` where fired; ``zero``: ``0`` where fired; ``none``: ``mem``)."""
    u, threshold, factor = spec.n_units, spec.threshold, spec.graded_spikes_factor
    decayed = h
    if spec.beta is not None:
        decayed = exact_in_float32(spec, step.scale('decayed', h, spec.beta), 'decayed membrane')
    membrane = exact_in_float32(spec, step.binary('mem', decayed, x, '+'), 'membrane')
    spikes, fired, silent = step.spike('spike', membrane, threshold)
    zero = Vec(['0'] * u, iv.constant(np.zeros(u)), [None] * u)
    graded = Vec([typed_literal(g) if g else '0' for g in factor], iv.constant(factor), [None] * u)
    out = step.select('out', spikes, graded, zero)
    if spec.output_quantizer is not None:
        out = step.quantize('out_q', out, spec.output_quantizer)
    if spec.reset_mechanism == 'subtract':
        lowered = exact_in_float32(spec, step.offset('lowered', fired, -threshold), 'reset membrane')
        new = step.select('reset', spikes, lowered, silent)
    elif spec.reset_mechanism == 'zero':
        new = step.select('reset', spikes, zero, silent)
    else:
        new = membrane
    return out, new if spec.state_quantizer is None else step.quantize('state_q', new, spec.state_quantizer)


#: Cell kind -> its step: ``(step, spec, x, h) -> (output, new state)``.
CELL_STEPS: dict[str, Callable[[Step, RecurrentSpec, Vec, Vec], tuple[Vec, Vec]]] = {
    'simple_rnn': simple_rnn_step,
    'gru': gru_step,
    'snn': snn_step,
}


def trace_step(
    spec: RecurrentSpec, x_range: iv.QInterval, state_types: list[FixedType | None], state_range: iv.QInterval
) -> tuple[Step, Vec, Vec]:
    """One step on inputs ``x[base + i]`` of ``x_range`` and state ``h_j`` (of ``state_types``, ``None`` while
    unknown, and ``state_range``): the traced step, its output and its new state."""
    n_in, u = spec.n_in, spec.n_units
    x = Vec(['0' if x_range.is_zero[i] else f'x[base + {i}]' for i in range(n_in)], x_range, [None] * n_in)
    h = Vec([f'h_{j}' for j in range(u)], state_range, state_types)
    step = Step()
    return step, *CELL_STEPS[spec.cell](step, spec, x, h)
