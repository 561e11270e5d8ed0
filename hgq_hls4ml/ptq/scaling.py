"""Input scaling: ``Rescaling`` and ``Normalization`` (``y = x * s + o``, one ``s``/``o`` for all, or one per channel
of the last axis) folded into the Dense or ``'valid'`` convolution that alone reads them, else an exact
fixed-point affine step (a ``QBatchNormalization`` whose quantized scale is ``s`` and offset ``o``).

Folding ``(x * s + o) @ K + b`` gives ``x @ (s * K) + (o @ K + b)`` (a convolution sums ``o * K`` over its taps and
input channels; with ``'same'`` padding the padded taps would not see ``o``, so it is not folded). The layer's
input quantizer is then calibrated on the raw inputs, which is what ``input_precision`` (the detector's port
format, e.g. integer counts ``ap_uint<10>``) makes exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..handlers.precheck import class_path
from ..hgq2_api import batchnorm_scale_and_offset
from .base import Context, Mapper, fit_integer_bits

if TYPE_CHECKING:
    import keras

    from .graph import Call, FloatGraph

_P = 'keras.src.layers.preprocessing.'
RESCALING = f'{_P}rescaling.Rescaling'
NORMALIZATION = f'{_P}normalization.Normalization'
#: Keras's floor on a Normalization's standard deviation (``backend.epsilon()``).
STD_FLOOR = 1e-7


def _per_channel(values: object) -> np.ndarray | None:
    """``values`` as one number per channel of the last axis (shape ``(C,)``, or ``(1,)`` for all), or ``None`` if
    it varies along another axis."""
    a = np.asarray(values, dtype=np.float64)
    if a.size > 1 and any(n != 1 for n in a.shape[:-1]):
        return None
    return a.reshape(-1)


def affine(layer: keras.Layer) -> tuple[np.ndarray, np.ndarray] | None:
    """``(s, o)`` per channel in float64, or ``None`` when the layer scales along another axis than the last."""
    if class_path(layer) == RESCALING:
        s, o = _per_channel(layer.scale), _per_channel(layer.offset)
    else:
        mean, var = _per_channel(layer.mean), _per_channel(layer.variance)
        if mean is None or var is None:
            return None
        std = np.maximum(np.sqrt(var), STD_FLOOR)
        s, o = (std, mean) if layer.invert else (1.0 / std, -mean / std)
    return None if s is None or o is None else (s, o)


def fold_input_scaling(
    kernel: np.ndarray, bias: np.ndarray | None, layer: keras.Layer, into: keras.Layer
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel and bias of ``into`` (a Dense or ``'valid'`` convolution, input channels on the kernel's
    second-to-last axis) with the scaling ``layer`` before it folded in."""
    s, o = affine(layer)
    k = np.asarray(kernel, dtype=np.float64)
    b = 0.0 if bias is None else np.asarray(bias, dtype=np.float64)
    folded = k * s[:, None]
    offset = (k * o[:, None]).reshape(-1, k.shape[-1]).sum(axis=0)
    return folded.astype(np.float32), (b + offset).astype(np.float32)


def foldable_scalings(graph: FloatGraph, kept: list[Call]) -> dict[str, keras.Layer]:
    """Dense/convolution name -> the scaling layer it alone reads and can absorb."""
    from .kernels import KernelMapper

    kept_ids = {id(call) for call in kept}
    folds = {}
    for call in kept:
        if class_path(call.layer) not in (RESCALING, NORMALIZATION) or affine(call.layer) is None:
            continue
        readers = graph.consumers.get(id(call.outputs[0]), [])
        if len(readers) != 1 or any(call.outputs[0] is t for t in graph.model.outputs):
            continue
        into = readers[0]
        fits = (
            id(into) in kept_ids
            and into.uses == 1
            and class_path(into.layer) in KernelMapper.handles
            and getattr(into.layer, 'padding', 'valid') == 'valid'
            and getattr(into.layer, 'groups', 1) == 1
        )
        if fits:
            folds[into.layer.name] = call.layer
    return folds


class ScalingMapper(Mapper):
    """``Rescaling``/``Normalization``: folded into the layer after it, else a ``QBatchNormalization``."""

    handles = (RESCALING, NORMALIZATION)
    quantizes_input = True

    def problems(self, layer: keras.Layer, ctx: Context) -> list[str]:
        if class_path(layer) == NORMALIZATION and getattr(layer, 'mean', None) is None:
            return ['not adapted: no mean and variance (call adapt() or give mean= and variance=)']
        if affine(layer) is None:
            return ['scales along another axis than the last (channels); only per-channel or scalar scaling']
        return []

    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        from hgq.layers import QBatchNormalization

        layer, w = call.layer, ctx.widths
        if any(layer is folded for folded in ctx.input_folds.values()):
            return inputs[0]
        s, o = (np.broadcast_to(a, inputs[0].shape[-1:]) for a in affine(layer))
        q = QBatchNormalization(
            axis=-1,
            epsilon=0.0,
            name=layer.name,
            iq_conf=ctx.input_conf(call.inputs[0]),
            kq_conf=w.weight(),
            bq_conf=w.weight('bias'),
        )
        out = q(inputs[0])
        q.bn_gamma.assign(s.astype(np.float32))
        q.bn_beta.assign(o.astype(np.float32))
        q.moving_mean.assign(np.zeros_like(s, np.float32))
        q.moving_variance.assign(np.ones_like(s, np.float32))
        scale, offset = batchnorm_scale_and_offset(q)
        fit_integer_bits(q.kq, scale)
        fit_integer_bits(q.bq, offset)
        return out
