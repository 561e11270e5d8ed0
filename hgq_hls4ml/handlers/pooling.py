"""HGQ2 max/average pooling (1D, 2D, 3D, global) -> hls4ml ``Pooling1D/2D`` and ``GlobalPooling1D/2D``.

Averages of any window size convert exactly (see :func:`..precision.interval.average`). hls4ml has no 3D pooling.
A window's maximum is the maximum of its per-axis maxima, and a power-of-two window's average the average of its
per-axis averages (exact, no rounding before the layer's output quantizer; other 3D windows are refused), so 3D
pooling becomes a 2D pooling over (depth, height) with width and channels merged, then one over (rows, width) with
a window of one row; global 3D pooling is a global 1D pooling over the flattened positions. Reshapes are free.
"""

from __future__ import annotations

from math import log2
from typing import TYPE_CHECKING

import numpy as np

from .base import NodeConfig, chain_configs, node_config
from .conv import padding_amounts, window_geometry
from .qlayer import QLayerHandler

if TYPE_CHECKING:
    import keras

_P = 'hgq.layers.pooling.'


def is_global(layer: keras.Layer) -> bool:
    return type(layer).__name__.startswith('QGlobal')


def pool_window(layer: keras.Layer, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(in_shape[:-1]) if is_global(layer) else tuple(layer.pool_size)


def window_counts(
    in_sizes: tuple[int, ...],
    out_sizes: tuple[int, ...],
    window: tuple[int, ...],
    strides: tuple[int, ...],
    padding: str,
) -> np.ndarray:
    """How many input elements (padding excluded, as Keras and hls4ml average them) each output position's window
    covers, per spatial axis multiplied out."""
    counts = np.ones((), dtype=np.int64)
    for n_in, n_out, k, s in zip(in_sizes, out_sizes, window, strides):
        before, _ = padding_amounts(padding, n_in, k, s)
        start = np.arange(n_out) * s - before
        axis = np.minimum(start + k, n_in) - np.maximum(start, 0)
        counts = np.multiply.outer(counts, axis)
    return counts


def odd_counts(layer: keras.Layer) -> list[int]:
    """The non-power-of-two numbers of elements a (non-global) pooling layer's windows average."""
    in_shape, out_shape = tuple(layer.input.shape[1:]), tuple(layer.output.shape[1:])
    counts = window_counts(in_shape[:-1], out_shape[:-1], layer.pool_size, layer.strides, layer.padding)
    return sorted({int(c) for c in counts.ravel() if not log2(c).is_integer()})


def pooling3d_nodes(layer: keras.Layer, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> list:
    """The chain ``(suffix, class_name, attrs)`` computing a 3D pooling with hls4ml's 1D and 2D poolings."""
    kind = 'Max' if 'Max' in type(layer).__name__ else 'Average'
    (d, h, w, c), channels_last = in_shape, {'data_format': 'channels_last'}
    if is_global(layer):
        pool = {'n_in': d * h * w, 'n_filt': c, **channels_last}
        return [('flat', 'Reshape', {'target_shape': [d * h * w, c]}), ('pool', f'Global{kind}Pooling1D', pool)]
    (od, oh, ow, _), (pd, ph, pw), (sd, sh, sw) = out_shape, layer.pool_size, layer.strides
    dh = window_geometry((d, h, w * c), (od, oh, w * c), (pd, ph), (sd, sh), layer.padding, 'pool')
    width = window_geometry((od * oh, w, c), (od * oh, ow, c), (1, pw), (1, sw), layer.padding, 'pool')
    return [
        ('merge_wc', 'Reshape', {'target_shape': [d, h, w * c]}),
        ('pool_dh', f'{kind}Pooling2D', {'n_filt': w * c, **dh, **channels_last}),
        ('split_wc', 'Reshape', {'target_shape': [od * oh, w, c]}),
        ('pool_w', f'{kind}Pooling2D', {'n_filt': c, **width, **channels_last}),
        ('out', 'Reshape', {'target_shape': [od, oh, ow, c]}),
    ]


class QPoolingHandler(QLayerHandler):
    handles = tuple(
        f'{_P}Q{kind}Pooling{d}D' for kind in ('Max', 'Average', 'GlobalMax', 'GlobalAverage') for d in (1, 2, 3)
    )

    def option_problems(self, layer: keras.Layer) -> list[str]:
        found = []
        if layer.data_format != 'channels_last':
            found.append(f'data_format={layer.data_format!r}; firmware pooling is channels_last')
        if is_global(layer) and layer.keepdims:
            found.append('keepdims=True; firmware global pooling returns one value per channel (add a Reshape after)')
        if 'Average' in type(layer).__name__ and len(layer.input.shape) == 5 and not is_global(layer):
            odd = odd_counts(layer)
            if odd:
                found.append(
                    f'3D average over windows of {", ".join(map(str, odd))} elements; firmware 3D pooling averages '
                    'per axis, exact only for power-of-two windows'
                )
        return found

    def core(self, layer: keras.Layer, src: str, dst: str, in_shape, out_shape) -> list[NodeConfig]:
        if len(in_shape) == 4:
            return chain_configs(layer.name, src, dst, pooling3d_nodes(layer, in_shape, out_shape))
        class_name = type(layer).__name__[1:]  # QMaxPooling2D -> MaxPooling2D (hls4ml's layer map)
        attrs: dict = {'n_filt': in_shape[-1], 'data_format': 'channels_last'}
        if is_global(layer):
            if len(in_shape) == 2:
                attrs['n_in'] = in_shape[0]
            else:
                attrs.update(in_height=in_shape[0], in_width=in_shape[1])
        else:
            attrs.update(window_geometry(in_shape, out_shape, layer.pool_size, layer.strides, layer.padding, 'pool'))
            if len(in_shape) == 2:
                attrs.update(n_in=in_shape[0], n_out=out_shape[0])
        return [node_config(layer.name, class_name, [src], [dst], **attrs)]
