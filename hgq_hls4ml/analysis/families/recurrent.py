"""``HGQRecurrent``: HGQ2's recurrent and spiking layers, one time loop."""

from __future__ import annotations

import numpy as np

from ...layers.activation_table import LUT_INPUTS
from ...layers.recurrent import HGQRecurrent, final_step, output_range
from ...precision import interval as iv
from ..counts import DSP_MIN_WIDTH, constant_bits, mode_count
from ..traits import Declarations, LayerTraits


def step_input_range(x: iv.QInterval) -> iv.QInterval:
    """The input range of every time step of a ``(time, features)`` input: one step's types hold every step's."""
    return iv.QInterval(x.lo.min(axis=0), x.hi.max(axis=0), x.f.max(axis=0))


def _range(node: HGQRecurrent, inputs):
    return output_range(node.spec, step_input_range(inputs[0]))


def _counts(node: HGQRecurrent, inputs, out):
    _, step, _, _ = final_step(node.spec, node.get_attr('hgq_input_range'))
    n = node.spec.n_timesteps
    a = np.array([p[0] for p in step.products], dtype=np.int64)
    const = np.array([p[1] is not None for p in step.products], dtype=bool)
    bits, digits = constant_bits(np.array([p[1] or 0.0 for p in step.products]))
    b = np.where(const, bits, [p[2] for p in step.products]).astype(np.int64)
    b_lut = np.where(const, np.maximum(digits - 1, 0), b)
    dsp = (a > DSP_MIN_WIDTH) & (b > DSP_MIN_WIDTH)
    casts = sum(w * mode_count(rnd, ovf) for w, rnd, ovf in step.casts)
    casts += sum(a * mode_count('TRN', 'SAT') + b * 2 ** max(a - LUT_INPUTS, 0) for a, b in step.lookups)
    w = np.concatenate([np.ravel(c) for c in node.spec.constants] or [np.zeros(0)])
    return {
        'multiplies': a.size * n,
        'bops': (a * b).sum() * n,
        'dsps': dsp.sum() * n,
        'luts': ((a * b_lut)[~dsp].sum() + sum(step.adders) + casts) * n,
        'weights': (w != 0).sum(),
        'weight_bits': constant_bits(w)[0].sum(),
    }


TRAITS: Declarations = {
    HGQRecurrent: LayerTraits(
        range=_range, counts=_counts, materialize=lambda node, x: {'hgq_input_range': step_input_range(x)}
    ),
}
