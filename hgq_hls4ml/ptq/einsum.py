"""EinsumDense -> QEinsumDense (an activation other than relu/linear follows as its own layer, as for Dense)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..handlers.qlayer import activation_name
from .activations import EXACT, apply, fused
from .base import Context, Mapper, copy_weights

if TYPE_CHECKING:
    import keras

    from .graph import Call


class EinsumDenseMapper(Mapper):
    handles = ('keras.src.layers.core.einsum_dense.EinsumDense',)
    quantizes_input = True

    def float_tail(self, layer: keras.Layer) -> str | None:
        act = activation_name(layer)
        return None if act in EXACT else act

    def problems(self, layer: keras.Layer, ctx: Context) -> list[str]:
        found = [] if layer.name == ctx.cut_activation else fused(layer).problems()
        if getattr(layer, 'lora_enabled', False):
            found.append('LoRA enabled: merge the LoRA weights into the kernel first')
        return found

    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        from hgq.layers import QEinsumDense

        layer, w = call.layer, ctx.widths
        config = layer.get_config()
        act = 'linear' if layer.name == ctx.cut_activation else activation_name(layer)
        q = QEinsumDense(
            config['equation'],
            config['output_shape'],
            activation=act if act in EXACT else 'linear',
            bias_axes=config['bias_axes'],
            name=layer.name,
            iq_conf=ctx.input_conf(call.inputs[0]),
            kq_conf=w.weight(),
            bq_conf=w.weight('bias'),
        )
        out = q(inputs[0])
        copy_weights(q.kq, q.kernel, np.asarray(layer.kernel))
        if layer.bias is not None:
            copy_weights(q.bq, q.bias, np.asarray(layer.bias))
        return out if act in EXACT else apply(fused(layer), out, f'{layer.name}_{act}', ctx)
