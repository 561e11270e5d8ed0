"""Calibration of the activation quantizers with HGQ2's ``trace_minmax``, keeping each ``activation_bits`` wide.

``trace_minmax`` sets a ``WRAP`` quantizer's sign ``k`` (any negative value seen) and integer bits ``i`` (the fewest
holding every value seen at its ``b`` magnitude bits). The width is ``k + b``, so ``b`` becomes
``activation_bits - k`` and the samples are traced again without a reset: ``i`` can only grow (``b`` shrank; the
layers before changed a little). A sign can only appear in that pass, which narrows ``b`` again; it settles in a
pass or two.

A table (``QUnaryFunctionLUT``) gets its output quantizer fitted to the function's values over every input its
input quantizer can represent (:func:`fit_tables`): the sign if any value is negative, the integer bits of the
largest, ``bits`` wide. The samples are traced again after the first fit (the layers after a table saw its initial
output quantizer), and the fit repeated after every pass that moved a table's input quantizer.

``trace_minmax`` traces ``WRAP`` quantizers only, so the model is calibrated built with ``WRAP`` quantizers
throughout; :func:`transfer` then copies every quantizer's state into the model built as asked, where a ``SAT``
activation quantizer gets ``margin`` more integer bits (and as many fewer fractional ones), a table's input none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..hgq2_api import (
    assign_bits,
    assign_integer_bits,
    assign_keep_negative,
    quantizer_bits,
    quantizer_integer_bits,
    quantizer_keep_negative,
    quantizer_state,
    set_quantizer_state,
)
from .base import fit_integer_bits, quantizers_of

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


def tables_of(model: keras.Model) -> list[Any]:
    """The model's ``QUnaryFunctionLUT`` layers (a softmax's own tables are not: their quantizers are fixed)."""
    from hgq.layers import QUnaryFunctionLUT

    return [layer for layer in model.layers if isinstance(layer, QUnaryFunctionLUT)]


def _input_grid(q: Quantizer) -> np.ndarray:
    """Every value the saturating quantizer ``q`` can output, at its finest step, over all its elements."""
    k, i, f = (np.asarray(v, np.float64) for v in q.quantizer.kif)
    live = (k + i + f) > 0
    if not live.any():
        return np.zeros(1, np.float32)
    lo, hi, step = float(np.min(-k * 2.0**i)), float(np.max(2.0**i - 2.0**-f)), 2.0 ** -float(np.max(f[live]))
    return np.arange(lo, hi + step / 2, step).astype(np.float32)


def fit_tables(model: keras.Model, bits: int) -> bool:
    """Fit every table's output quantizer to its function's values (``bits`` wide); whether anything changed."""
    changed = False
    for lut in tables_of(model):
        values = np.asarray(lut.activation(_input_grid(lut.iq)), np.float32)
        qi = lut.oq.quantizer
        before = quantizer_state(qi)
        k = float(np.any(values < 0))
        assign_keep_negative(qi, k)
        assign_bits(qi, bits - k)
        fit_integer_bits(lut.oq, values.reshape(-1, *[1] * (len(lut.input.shape) - 1)))
        changed |= any(not np.array_equal(a, v) for a, v in zip(before, quantizer_state(qi)))
    return changed


def calibrate(model: keras.Model, xs: Any, bits: int) -> None:
    """Trace ``xs`` through ``model`` (built with ``WRAP`` activation quantizers) until every activation quantizer
    is ``bits`` wide, sign included, and every table's output fits its values."""
    from hgq.utils import trace_minmax

    quantizers = wrap_quantizers(model)
    trace_minmax(model, xs, reset=True)
    if fit_tables(model, bits):
        trace_minmax(model, xs, reset=True)
    for _ in range(MAX_PASSES):
        narrowed = _narrow(quantizers, bits)
        if not (fit_tables(model, bits) or narrowed):
            return
        trace_minmax(model, xs, reset=False)
    raise RuntimeError(f'calibration of {model.name!r} did not settle in {MAX_PASSES} passes')


def transfer(traced: keras.Model, model: keras.Model, margin: int) -> None:
    """Copy every quantizer's sign and bits from ``traced`` (calibrated, ``WRAP``) into ``model`` (built the same
    way, its activation quantizers as asked); a ``SAT`` one that was traced gets ``margin`` more integer bits, a
    table's input none."""
    table_inputs = {id(lut.iq) for lut in tables_of(model)}
    for (_, _, src), (_, _, dst) in zip(quantizers_of(traced), quantizers_of(model), strict=True):
        a, b = src.quantizer, dst.quantizer
        set_quantizer_state(b, quantizer_state(a))
        traced_here = a.overflow_mode == 'WRAP' and b.overflow_mode == 'SAT'
        if traced_here and margin and id(dst) not in table_inputs:
            assign_integer_bits(b, quantizer_integer_bits(b) + margin)
