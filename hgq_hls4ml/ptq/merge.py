"""Add, Subtract, Multiply, Maximum, Minimum -> HGQ2's merges (one input quantizer per input); Concatenate stays
Keras's (exact on any data), as a chain of two-input concatenations (the firmware's)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .base import Context, Mapper

if TYPE_CHECKING:
    import keras

    from .graph import Call

_M = 'keras.src.layers.merging.'


class MergeMapper(Mapper):
    handles = tuple(f'{_M}{kind.lower()}.{kind}' for kind in ('Add', 'Subtract', 'Multiply', 'Maximum', 'Minimum'))
    quantizes_input = True

    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        import hgq.layers

        q_class = getattr(hgq.layers, f'Q{type(call.layer).__name__}')
        return q_class(name=call.layer.name, iq_confs=[ctx.input_conf(t) for t in call.inputs])(list(inputs))


class ConcatenateMapper(Mapper):
    handles = (f'{_M}concatenate.Concatenate',)

    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        import keras

        name, axis = call.layer.name, call.layer.axis
        out = inputs[0]
        for n, t in enumerate(inputs[1:], start=2):
            out = keras.layers.Concatenate(axis=axis, name=name if n == len(inputs) else f'{name}_{n}')([out, t])
        return out
