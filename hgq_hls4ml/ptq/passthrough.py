"""Layers that move data (Flatten, Reshape, padding, ...) are copied as they are; Dropout and noise layers, the
identity at inference, are dropped (activation layers: :mod:`.activations`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..handlers.keras_layers import PASSTHROUGH_LAYERS
from ..handlers.precheck import class_path
from .base import Context, Mapper

if TYPE_CHECKING:
    import keras

    from .graph import Call

_R = 'keras.src.layers.regularization.'
_HANDLED_ELSEWHERE = ('InputLayer', 'Concatenate', 'Dropout', 'Activation', 'ReLU')  # activations: .activations
_SHAPE_ONLY = ('Flatten', 'Reshape', 'Permute')


class CopyMapper(Mapper):
    """The converter's own Keras layers (``handlers.keras_layers``), with its option checks."""

    handles = tuple(path for path in PASSTHROUGH_LAYERS if path.rpartition('.')[2] not in _HANDLED_ELSEWHERE)

    def problems(self, layer: keras.Layer, ctx: Context) -> list[str]:
        return PASSTHROUGH_LAYERS[class_path(layer)](layer)

    def shape_only(self, layer: keras.Layer) -> bool:
        return type(layer).__name__ in _SHAPE_ONLY

    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        layer = call.layer
        return type(layer).from_config(layer.get_config())(inputs[0])


class IdentityMapper(Mapper):
    handles = (
        'keras.src.layers.core.identity.Identity',
        f'{_R}dropout.Dropout',
        f'{_R}spatial_dropout.SpatialDropout1D',
        f'{_R}spatial_dropout.SpatialDropout2D',
        f'{_R}spatial_dropout.SpatialDropout3D',
        f'{_R}gaussian_dropout.GaussianDropout',
        f'{_R}gaussian_noise.GaussianNoise',
        f'{_R}alpha_dropout.AlphaDropout',
    )

    def shape_only(self, layer: keras.Layer) -> bool:
        return True

    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        return inputs[0]
