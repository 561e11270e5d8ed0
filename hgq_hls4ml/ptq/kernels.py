"""Dense, Conv1D/2D/3D -> QDense, QConv1D/2D/3D, with a BatchNormalization right after folded into the weights; an
activation other than relu/linear follows as its own layer (:mod:`.activations`), named ``<layer>_<activation>``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..handlers.qlayer import activation_name
from .activations import EXACT, apply, fused
from .base import Context, Mapper, copy_weights
from .normalization import fold_batchnorm
from .scaling import fold_input_scaling

if TYPE_CHECKING:
    import keras

    from .graph import Call

_CONV = 'keras.src.layers.convolutional.conv'


def _hgq_class(layer: keras.Layer) -> type:
    from hgq.layers import QConv1D, QConv2D, QConv3D, QDense

    return {'Dense': QDense, 'Conv1D': QConv1D, 'Conv2D': QConv2D, 'Conv3D': QConv3D}[type(layer).__name__]


def _geometry(layer: keras.Layer) -> dict[str, Any]:
    if type(layer).__name__ == 'Dense':
        return {'units': layer.units}
    keys = ('filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'groups')
    return {key: getattr(layer, key) for key in keys}


class KernelMapper(Mapper):
    handles = (
        'keras.src.layers.core.dense.Dense',
        f'{_CONV}1d.Conv1D',
        f'{_CONV}2d.Conv2D',
        f'{_CONV}3d.Conv3D',
    )
    quantizes_input = True

    def float_tail(self, layer: keras.Layer) -> str | None:
        act = activation_name(layer)
        return None if act in EXACT else act

    def problems(self, layer: keras.Layer, ctx: Context) -> list[str]:
        return [] if layer.name == ctx.cut_activation else fused(layer).problems()

    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        layer = call.layer
        kernel = np.asarray(layer.kernel)
        bias = np.asarray(layer.bias) if layer.use_bias else None
        scaling = ctx.input_folds.get(layer.name)
        if scaling is not None:
            kernel, bias = fold_input_scaling(kernel, bias, scaling, layer)
        bn = ctx.folds.get(layer.name)
        if bn is not None:
            kernel, bias = fold_batchnorm(kernel, bias, bn)
        act = 'linear' if layer.name == ctx.cut_activation else activation_name(layer)
        w = ctx.widths
        q = _hgq_class(layer)(
            **_geometry(layer),
            activation=act if act in EXACT else 'linear',
            use_bias=bias is not None,
            name=layer.name,
            iq_conf=ctx.input_conf(call.inputs[0]),
            kq_conf=w.weight(),
            bq_conf=w.weight('bias'),
        )
        out = q(inputs[0])
        copy_weights(q.kq, q.kernel, kernel)
        if bias is not None:
            copy_weights(q.bq, q.bias, bias)
        return out if act in EXACT else apply(fused(layer), out, f'{layer.name}_{act}', ctx)
