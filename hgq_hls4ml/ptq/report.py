"""``QuantizeReport``: what :func:`hgq_hls4ml.quantize` did and how close the quantized model stays to the float one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class QuantizeReport:
    """Attached to the model :func:`hgq_hls4ml.quantize` returns, as ``model.quantize_report``.

    ``agreement``: the fraction of argmax decisions (over the last axis, per sample and position) the quantized
    model shares with the float one on the calibration samples; ``None`` when no output has two or more entries on
    its last axis. ``max_abs_error``: the largest output difference there. The float reference is the part that was
    quantized: up to ``until``, without the activation left out of it. ``folded``: ``(batch normalization, layer it
    was folded into)``; ``left_out``: the float layers (name and class) not in the quantized model, in model order.
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
    until: str | None = None
    left_out: tuple[str, ...] = ()

    def __str__(self) -> str:
        granularity = 'per channel' if self.per_channel else 'per tensor'
        source = 'random normal inputs (no samples given)' if self.random_samples else 'samples'
        lines = [
            f'quantized {self.model}: weights {self.weight_bits} bits {granularity}, activations '
            f'{self.activation_bits} bits, calibrated on {self.n_samples} {source}'
        ]
        if self.folded:
            lines.append('  batch normalization folded: ' + ', '.join(f'{bn} into {into}' for bn, into in self.folded))
        agreement = '' if self.agreement is None else f'argmax agreement {100 * self.agreement:.2f}%, '
        lines.append(f'  float vs quantized on them: {agreement}max |error| {self.max_abs_error:.4g}')
        if self.left_out:
            lines.append(
                f'  removed after {self.until!r} (the quantized model outputs its values; apply these in float): '
                + ', '.join(self.left_out)
            )
        return '\n'.join(lines)

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
