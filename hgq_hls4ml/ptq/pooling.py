"""Max, average and global pooling (1D, 2D, 3D) -> HGQ2's pooling layers, each quantizing its input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .base import Context, Mapper

if TYPE_CHECKING:
    import keras

    from .graph import Call

_P = 'keras.src.layers.pooling.'
_KINDS = {'Max': 'max', 'Average': 'average', 'GlobalMax': 'global_max', 'GlobalAverage': 'global_average'}
#: Options copied from the float layer (those it has).
_OPTIONS = ('pool_size', 'strides', 'padding', 'data_format', 'keepdims')


class PoolingMapper(Mapper):
    handles = tuple(f'{_P}{mod}_pooling{d}d.{kind}Pooling{d}D' for kind, mod in _KINDS.items() for d in (1, 2, 3))
    quantizes_input = True

    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        import hgq.layers

        layer = call.layer
        options = {key: getattr(layer, key) for key in _OPTIONS if hasattr(layer, key)}
        q_class = getattr(hgq.layers, f'Q{type(layer).__name__}')
        return q_class(**options, name=layer.name, iq_conf=ctx.input_conf(call.inputs[0]))(inputs[0])
