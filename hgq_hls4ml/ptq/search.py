"""Mixed precision without retraining: the smallest EBOPs whose argmax agreement with the float model on held-out
samples meets a target.

The quantized model starts at the requested uniform widths. A *knob* is one width the search may lower: a kernel
layer's weights (per layer, then per output channel) or a layer's input activations (per layer). Lowering a weight
width keeps the fewest integer bits that hold the weights (refitted); lowering an activation width keeps its
calibrated integer bits and drops fractional ones. After every change the calibration samples are traced again
(``trace_minmax`` without reset: a ``WRAP`` quantizer's integer bits can only grow, so nothing new wraps on them),
which also recomputes HGQ2's EBOPs.

Greedy descent: pass 1 goes over the per-layer knobs, largest EBOPs first, lowering each one bit at a time while
the held-out agreement stays at or above the target; pass 2 does the same per output channel of every kernel. Each
knob stops at :data:`MIN_SEARCH_BITS`. Every step costs one trace and one prediction on the held-out samples.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..hgq2_api import (
    assign_bits,
    has_bit_widths,
    quantizer_bits,
    quantizer_keep_negative,
    quantizer_state,
    set_quantizer_state,
)
from .base import fit_integer_bits, quantizers_of

if TYPE_CHECKING:
    import keras
    from hgq.quantizer import Quantizer

#: No width goes below this (a sign and one bit).
MIN_SEARCH_BITS = 2


@dataclass(frozen=True)
class SearchResult:
    """What the search reached: EBOPs before (uniform widths) and after, the held-out agreement after, and the
    number of candidate widths tried."""

    ebops_uniform: int
    ebops: int
    agreement: float
    target: float
    n_held_out: int
    steps: int


def total_ebops(model: keras.Model) -> int:
    """HGQ2's EBOPs of ``model`` as last traced (the sum over its layers that count them)."""
    return int(sum(int(layer.ebops) for layer in model.layers if getattr(layer, 'enable_ebops', False)))


@dataclass
class _Knob:
    """One width the search lowers: ``q``'s elements selected by ``index`` (all when ``None``)."""

    name: str
    q: Quantizer
    values: np.ndarray | None  # the weights the quantizer holds (refit its integer bits), None for activations
    index: tuple | None = None
    #: The EBOPs of the layer it belongs to (pass 1 starts with the costliest).
    layer_ebops: int = 0

    def bits(self) -> int:
        qi = self.q.quantizer
        width = quantizer_bits(qi) + quantizer_keep_negative(qi)
        return int(np.max(width if self.index is None else width[self.index]))

    def lower(self) -> None:
        qi = self.q.quantizer
        b = quantizer_bits(qi)
        k = quantizer_keep_negative(qi)
        target = self.bits() - 1 - k
        if self.index is None:
            b = np.minimum(b, target)
        else:
            b[self.index] = np.minimum(b[self.index], target[self.index])
        assign_bits(qi, np.maximum(b, 0))
        if self.values is not None:
            fit_integer_bits(self.q, self.values)


def _knobs(model: keras.Model, per_channel: bool) -> list[_Knob]:
    """Per-layer knobs (weights, input activations) or, with ``per_channel``, one per output channel of every
    kernel whose weight quantizer has one width per channel."""
    knobs = []
    for layer in model.layers:
        cost = int(layer.ebops) if getattr(layer, 'enable_ebops', False) else 0
        kq = getattr(layer, 'kq', None) if hasattr(layer, 'kernel') else None
        kernel = np.asarray(layer.kernel) if kq is not None else None
        if per_channel:
            b = quantizer_bits(kq.quantizer) if kq is not None else None
            if b is not None and b.size > 1 and b.shape[-1] == kernel.shape[-1]:
                for c in range(b.shape[-1]):
                    index = (*[slice(None)] * (b.ndim - 1), c)
                    knobs.append(_Knob(f'{layer.name}[{c}]', kq, kernel, index))
            continue
        if kq is not None:
            knobs.append(_Knob(f'{layer.name} weights', kq, kernel, layer_ebops=cost))
        iq = getattr(layer, 'iq', None) if getattr(layer, 'enable_iq', False) else None
        if iq is not None and iq.quantizer.overflow_mode in ('WRAP', 'SAT') and iq.config.place == 'datalane':
            knobs.append(_Knob(f'{layer.name} inputs', iq, None, layer_ebops=cost))
    return knobs


def _state(model: keras.Model) -> list[tuple]:
    """Every quantizer's widths (a failed step is undone whole: its trace may have grown integer bits elsewhere)."""
    state = []
    for _, _, q in quantizers_of(model):
        qi = q.quantizer
        if has_bit_widths(qi):
            state.append((qi, quantizer_state(qi)))
    return state


def _restore(state: list[tuple]) -> None:
    for qi, widths in state:
        set_quantizer_state(qi, widths)


def search(
    model: keras.Model,
    calibration: Any,
    held_out: Any,
    reference: Any,
    target: float,
    agreement_of: Callable[[Any, Any], float],
) -> SearchResult:
    """Lower widths of ``model`` (calibrated, in place) while its argmax agreement with ``reference`` (the float
    outputs on ``held_out``) stays at or above ``target``; progress shown with rich while it searches."""
    from hgq.utils import trace_minmax
    from rich.progress import Progress

    def measure() -> tuple[float, int]:
        trace_minmax(model, calibration, reset=False)
        return agreement_of(reference, model.predict(held_out, verbose=0)), total_ebops(model)

    agreement, ebops = measure()
    uniform, steps = ebops, 0
    n = len(held_out[0] if isinstance(held_out, (list, tuple)) else held_out)
    if agreement < target:
        warnings.warn(
            f'target_agreement={target:g} is not reached even before the search: the uniform widths agree with the '
            f'float model on {100 * agreement:.2f}% of the {n} held-out samples; the widths are left uniform (give '
            'more bits, or a lower target)',
            UserWarning,
            stacklevel=3,
        )
        return SearchResult(uniform, ebops, agreement, target, n, steps)
    with Progress(transient=True) as progress:
        for per_channel in (False, True):
            knobs = _knobs(model, per_channel)
            knobs.sort(key=lambda k: -k.layer_ebops)
            what = 'per output channel' if per_channel else 'per layer'
            task = progress.add_task(f'bit widths {what}', total=len(knobs))
            for knob in knobs:
                while knob.bits() > MIN_SEARCH_BITS:
                    saved = _state(model)
                    knob.lower()
                    steps += 1
                    tried, cost = measure()
                    if tried < target:
                        _restore(saved)
                        break
                    agreement, ebops = tried, cost
                    progress.update(task, description=f'bit widths {what}: {ebops} EBOPs, agreement {agreement:.4f}')
                progress.advance(task)
    agreement, ebops = measure()
    return SearchResult(uniform, ebops, agreement, target, n, steps)
