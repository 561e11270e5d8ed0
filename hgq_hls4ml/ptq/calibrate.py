"""Calibration of the activation quantizers with HGQ2's ``trace_minmax``, keeping each ``activation_bits`` wide.

``trace_minmax`` sets a ``WRAP`` quantizer's sign ``k`` (any negative value seen) and integer bits ``i`` (the fewest
holding every value seen at its ``b`` magnitude bits). The width is ``k + b``, so ``b`` becomes
``activation_bits - k`` and the samples are traced again without a reset: ``i`` can only grow (``b`` shrank; the
layers before changed a little). A sign can only appear in that pass, which narrows ``b`` again; it settles in a
pass or two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..hgq2_api import assign_bits, quantizer_bits, quantizer_keep_negative
from .base import quantizers_of

if TYPE_CHECKING:
    import keras
    from hgq.quantizer import Quantizer

#: Passes after the first; more would mean a sign keeps appearing, which a finite set of elements forbids.
MAX_PASSES = 8


def wrap_quantizers(model: keras.Model) -> list[Quantizer]:
    """Every HGQ2 ``WRAP`` quantizer of ``model`` (nested ones included), in model order."""
    return [q for _, _, q in quantizers_of(model) if getattr(q.quantizer, 'overflow_mode', None) == 'WRAP']


def _narrow(quantizers: list[Quantizer], bits: int) -> bool:
    """Set ``b = bits - k`` wherever it differs; whether anything changed."""
    changed = False
    for q in quantizers:
        qi = q.quantizer
        target = bits - quantizer_keep_negative(qi)
        if not np.array_equal(quantizer_bits(qi), np.broadcast_to(target, quantizer_bits(qi).shape)):
            assign_bits(qi, target)
            changed = True
    return changed


def calibrate(model: keras.Model, xs: Any, bits: int) -> None:
    """Trace ``xs`` through ``model`` until every activation quantizer is ``bits`` wide, sign included."""
    from hgq.utils import trace_minmax

    quantizers = wrap_quantizers(model)
    trace_minmax(model, xs, reset=True)
    for _ in range(MAX_PASSES):
        if not _narrow(quantizers, bits):
            return
        trace_minmax(model, xs, reset=False)
    raise RuntimeError(f'calibration of {model.name!r} did not settle in {MAX_PASSES} passes')
