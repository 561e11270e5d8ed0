"""BatchNormalization: folded into the Dense/convolution right before it, else a QBatchNormalization.

Folding ``y = gamma * (x @ K + b - mean) / sqrt(var + eps) + beta`` gives ``x @ (K * s) + (b - mean) * s + beta``
with ``s = gamma / sqrt(var + eps)`` per output channel: the same function in real arithmetic, computed in float64
and rounded once to float32, then quantized by the layer's own weight quantizers. HGQ2's fused layers do not fit a
float model's Dense -> BatchNormalization: ``QBatchNormDense`` normalizes the Dense's input, and
``QEinsumDenseBatchnorm`` uses Keras's global epsilon instead of the layer's; HGQ2 has no fused convolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..handlers.precheck import class_path
from ..handlers.qlayer import activation_name
from ..hgq2_api import batchnorm_scale_and_offset
from .base import Context, Mapper, fit_integer_bits

if TYPE_CHECKING:
    import keras

    from .graph import Call, FloatGraph

BATCHNORM = 'keras.src.layers.normalization.batch_normalization.BatchNormalization'


def _scale_and_offset(bn: keras.Layer) -> tuple[np.ndarray, np.ndarray]:
    """``s`` and ``beta - mean * s`` in float64."""
    mean, var = (np.asarray(v, dtype=np.float64) for v in (bn.moving_mean, bn.moving_variance))
    gamma = np.asarray(bn.gamma, dtype=np.float64) if bn.scale else 1.0
    beta = np.asarray(bn.beta, dtype=np.float64) if bn.center else 0.0
    scale = gamma / np.sqrt(var + bn.epsilon)
    return scale, beta - mean * scale


def fold_batchnorm(kernel: np.ndarray, bias: np.ndarray | None, bn: keras.Layer) -> tuple[np.ndarray, np.ndarray]:
    """Kernel and bias of the layer before ``bn`` with ``bn`` folded in (output channels on the last axis)."""
    scale, offset = _scale_and_offset(bn)
    bias = 0.0 if bias is None else np.asarray(bias, dtype=np.float64)
    folded = np.asarray(kernel, dtype=np.float64) * scale
    return folded.astype(np.float32), (bias * scale + offset).astype(np.float32)


def _on_last_axis(bn: keras.Layer) -> bool:
    return bn.axis in (-1, len(bn.input.shape) - 1)


def foldable(graph: FloatGraph, kept: list[Call], cut_activation: str | None) -> dict[str, keras.Layer]:
    """Producer name -> BatchNormalization for every batch normalization on the last axis whose input is the
    linear output of a Dense/convolution read by nothing else."""
    from .kernels import KernelMapper

    kept_ids = {id(call) for call in kept}
    folds = {}
    for call in kept:
        if class_path(call.layer) != BATCHNORM or not _on_last_axis(call.layer):
            continue
        producer = graph.producer.get(id(call.inputs[0]))
        if producer is None or id(producer) not in kept_ids or class_path(producer.layer) not in KernelMapper.handles:
            continue
        readers = graph.consumers.get(id(call.inputs[0]), [])
        is_output = any(call.inputs[0] is t for t in graph.model.outputs)
        linear = activation_name(producer.layer) == 'linear' and producer.layer.name != cut_activation
        if linear and len(readers) == 1 and not is_output and producer.uses == 1:
            folds[producer.layer.name] = call.layer
    return folds


class BatchNormMapper(Mapper):
    """A batch normalization that is not folded: ``QBatchNormalization`` (its own input quantizer, a quantized
    per-channel scale and offset)."""

    handles = (BATCHNORM,)
    quantizes_input = True

    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        from hgq.layers import QBatchNormalization

        bn, w = call.layer, ctx.widths
        if any(bn is folded for folded in ctx.folds.values()):
            return inputs[0]
        q = QBatchNormalization(
            axis=bn.axis,
            epsilon=bn.epsilon,
            name=bn.name,
            iq_conf=ctx.input_conf(call.inputs[0]),
            kq_conf=w.weight(),
            bq_conf=w.weight('bias'),
        )
        out = q(inputs[0])
        ones, zeros = np.ones(q.moving_mean.shape), np.zeros(q.moving_mean.shape)
        q.bn_gamma.assign(np.asarray(bn.gamma) if bn.scale else ones)
        q.bn_beta.assign(np.asarray(bn.beta) if bn.center else zeros)
        q.moving_mean.assign(np.asarray(bn.moving_mean))
        q.moving_variance.assign(np.asarray(bn.moving_variance))
        scale, offset = batchnorm_scale_and_offset(q)
        fit_integer_bits(q.kq, scale)
        fit_integer_bits(q.bq, offset)
        return out
