"""Plain Keras layers allowed between HGQ2 layers: exact on fixed-point data, converted by hls4ml's own handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..analysis.families.activations import EXACT_ACTIVATIONS

if TYPE_CHECKING:
    import keras


def _activation_problems(layer: keras.Layer) -> list[str]:
    name = getattr(layer.activation, '__name__', repr(layer.activation))
    if name in EXACT_ACTIVATIONS:
        return []
    return [f'activation {name!r} is computed in floating point; use a QUnaryFunctionLUT for it']


def _relu_problems(layer: keras.Layer) -> list[str]:
    found = []
    if layer.max_value not in (None, float('inf')):
        found.append(f'max_value={layer.max_value}; only an unbounded ReLU is supported')
    if float(layer.negative_slope) != 0.0:
        found.append(f'negative_slope={layer.negative_slope}; only a plain ReLU is exact')
    if float(layer.threshold) != 0.0:
        found.append(f'threshold={layer.threshold}; only a plain ReLU is exact')
    return found


def _no_problems(layer: keras.Layer) -> list[str]:
    return []


def _concatenate_problems(layer: keras.Layer) -> list[str]:
    n = len(layer.input)
    return [] if n == 2 else [f'{n} inputs; firmware concatenation takes two (chain Concatenate layers)']


def _channels_last_problems(layer: keras.Layer) -> list[str]:
    fmt = getattr(layer, 'data_format', 'channels_last')
    return [] if fmt == 'channels_last' else [f'data_format={fmt!r}; firmware tensors are channels_last']


def _upsampling_problems(layer: keras.Layer) -> list[str]:
    found = _channels_last_problems(layer)
    if getattr(layer, 'interpolation', 'nearest') != 'nearest':
        found.append(f'interpolation={layer.interpolation!r} computes in floating point; use nearest')
    return found


#: Keras class path -> option checker. Their conversion stays with hls4ml's built-in Keras-3 handlers.
PASSTHROUGH_LAYERS = {
    'keras.src.layers.core.input_layer.InputLayer': _no_problems,
    'keras.src.layers.reshaping.flatten.Flatten': _no_problems,
    'keras.src.layers.reshaping.reshape.Reshape': _no_problems,
    'keras.src.layers.reshaping.permute.Permute': _no_problems,
    'keras.src.layers.regularization.dropout.Dropout': _no_problems,
    'keras.src.layers.merging.concatenate.Concatenate': _concatenate_problems,
    'keras.src.layers.reshaping.zero_padding1d.ZeroPadding1D': _no_problems,
    'keras.src.layers.reshaping.zero_padding2d.ZeroPadding2D': _channels_last_problems,
    'keras.src.layers.reshaping.cropping1d.Cropping1D': _no_problems,
    'keras.src.layers.reshaping.cropping2d.Cropping2D': _channels_last_problems,
    'keras.src.layers.reshaping.up_sampling1d.UpSampling1D': _no_problems,
    'keras.src.layers.reshaping.up_sampling2d.UpSampling2D': _upsampling_problems,
    'keras.src.layers.activations.activation.Activation': _activation_problems,
    'keras.src.layers.activations.relu.ReLU': _relu_problems,
}
