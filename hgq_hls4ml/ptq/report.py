"""``QuantizeReport``: what :func:`hgq_hls4ml.quantize` did and how close the quantized model stays to the float one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .search import SearchResult


@dataclass(frozen=True)
class QuantizeReport:
    """Attached to the model :func:`hgq_hls4ml.quantize` returns, as ``model.quantize_report``.

    ``agreement``: the fraction of argmax decisions (over the last axis, per sample and position) the quantized
    model shares with the float one on the calibration samples; ``None`` when no output has two or more entries on
    its last axis. ``max_abs_error``: the largest output difference there. The float reference is the part that was
    quantized: up to ``until``, without the activation removed from it (``removed_activation``, the name of the
    activation of ``until`` itself: with ``'softmax'`` the model outputs logits). ``folded``: ``(batch normalization,
    layer it was folded into)``; ``left_out``: the float layers (name and class) not in the quantized model, in model
    order. ``overflow``/``margin``: what activation quantizers do beyond the calibrated range. ``scaling_folded``:
    ``(Rescaling/Normalization, layer it was folded into)``; ``input_precision``: ``(input, port type)``. ``ebops``:
    HGQ2's EBOPs of the quantized model; ``search``: what the mixed-precision search reached (``target_agreement``).
    """

    model: str
    weight_bits: int
    activation_bits: int
    per_channel: bool
    n_samples: int
    random_samples: bool
    agreement: float | None
    max_abs_error: float
    folded: tuple[tuple[str, str], ...] = ()
    scaling_folded: tuple[tuple[str, str], ...] = ()
    input_precision: tuple[tuple[str, str], ...] = ()
    until: str | None = None
    removed_activation: str | None = None
    left_out: tuple[str, ...] = ()
    overflow: str = 'WRAP'
    margin: int = 0
    ebops: int = 0
    search: SearchResult | None = None

    def __str__(self) -> str:
        granularity = 'per channel' if self.per_channel else 'per tensor'
        source = 'random normal inputs (no samples given)' if self.random_samples else 'samples'
        beyond = 'wrap' if self.overflow == 'WRAP' else f'saturate ({self.margin} integer bit(s) of margin)'
        lines = [
            f'quantized {self.model}: weights {self.weight_bits} bits {granularity}, activations '
            f'{self.activation_bits} bits, calibrated on {self.n_samples} {source}; beyond that range they {beyond}'
        ]
        if self.folded:
            lines.append('  batch normalization folded: ' + ', '.join(f'{bn} into {into}' for bn, into in self.folded))
        if self.scaling_folded:
            lines.append('  input scaling folded: ' + ', '.join(f'{s} into {into}' for s, into in self.scaling_folded))
        if self.input_precision:
            lines.append('  inputs quantized as they arrive: ' + ', '.join(f'{n} {t}' for n, t in self.input_precision))
        agreement = '' if self.agreement is None else f'argmax agreement {100 * self.agreement:.2f}%, '
        lines.append(
            f'  float vs quantized on them: {agreement}max |error| {self.max_abs_error:.4g}; EBOPs {self.ebops}'
        )
        if self.search is not None:
            r = self.search
            lines.append(
                f'  bit widths searched for argmax agreement >= {r.target:g} on {r.n_held_out} held-out samples: '
                f'reached {100 * r.agreement:.2f}% with {r.ebops} EBOPs, {100 * r.ebops / r.ebops_uniform:.1f}% '
                f"of the uniform widths' {r.ebops_uniform} ({r.steps} steps)"
            )
        if self.until is not None:
            lines.append(f'  {self.outputs()}')
        return '\n'.join(lines)

    def outputs(self) -> str:
        """What the saved model outputs, when ``until`` cut it."""
        act = self.removed_activation
        if act == 'softmax':
            text = f"the saved model outputs logits: the 'softmax' of {self.until!r} removed"
        elif act:
            text = f'the saved model outputs {self.until!r} before its activation: {act!r} removed'
        else:
            text = f'the saved model outputs {self.until!r}'
        return text + (f'; layers not in it: {", ".join(self.left_out)}' if self.left_out else '')

    def to_dict(self) -> dict[str, Any]:
        """JSON-able fields."""
        return asdict(self)


def compare(reference: list[np.ndarray], quantized: list[np.ndarray]) -> tuple[float | None, float]:
    """``(argmax agreement, max |difference|)`` of two models' outputs (one array per output)."""
    pairs = [(np.asarray(r, np.float64), np.asarray(q, np.float64)) for r, q in zip(reference, quantized)]
    error = max((float(np.max(np.abs(r - q), initial=0.0)) for r, q in pairs), default=0.0)
    votes = [np.argmax(r, -1) == np.argmax(q, -1) for r, q in pairs if r.ndim > 1 and r.shape[-1] > 1]
    agreement = float(np.mean(np.concatenate([v.ravel() for v in votes]))) if votes else None
    return agreement, error
