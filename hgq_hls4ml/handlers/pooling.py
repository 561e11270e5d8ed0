"""HGQ2 max/average pooling (1D, 2D, 3D, global) -> hls4ml ``Pooling1D/2D`` and ``GlobalPooling1D/2D``.

Averages over element counts that are not all powers of two are computed as the active Keras backend computes them
in float32 (:mod:`..layers.average`, whose classes they become). hls4ml has no 3D pooling. A window's maximum is the
maximum of its per-axis maxima, and a power-of-two window's average the average of its per-axis averages (exact, no
rounding before the layer's output quantizer; other 3D windows are refused), so 3D pooling becomes a 2D pooling over
(depth, height) with width and channels merged, then one over (rows, width) with a window of one row; global 3D
pooling is a global 1D pooling over the flattened positions. Reshapes are free.
"""

from __future__ import annotations

from math import log2, prod
from typing import TYPE_CHECKING

import numpy as np

from ..precision.float32 import average_arithmetic
from .base import NodeConfig, chain_configs, node_config
from .conv import padding_amounts, window_geometry
from .qlayer import QLayerHandler

if TYPE_CHECKING:
    import keras

_P = 'hgq.layers.pooling.'


def keras_backend() -> str:
    import keras

    return keras.backend.backend()


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
    """The non-power-of-two numbers of elements a pooling layer's windows average."""
    in_shape, out_shape = tuple(layer.input.shape[1:]), tuple(layer.output.shape[1:])
    if is_global(layer):
        counts = np.array(prod(in_shape[:-1]))
    else:
        counts = window_counts(in_shape[:-1], out_shape[:-1], layer.pool_size, layer.strides, layer.padding)
    return sorted({int(c) for c in counts.ravel() if not log2(c).is_integer()})


def asymmetric_padding(layer: keras.Layer) -> bool:
    """Whether ``same`` padding pads one side of some axis more than the other."""
    if is_global(layer) or layer.padding != 'same':
        return False
    in_shape = tuple(layer.input.shape[1:-1])
    return any(
        len(set(padding_amounts('same', n, k, s))) > 1 for n, k, s in zip(in_shape, layer.pool_size, layer.strides)
    )


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
        if 'Average' in type(layer).__name__ and asymmetric_padding(layer) and keras_backend() == 'torch':
            found.append(
                "padding='same' with more padding on one side: Keras's torch backend then weighs the window's "
                'elements unequally (not an average); convert on the jax or tensorflow backend, or pad evenly'
            )
        return found

    def core(self, layer: keras.Layer, src: str, dst: str, in_shape, out_shape) -> list[NodeConfig]:
        average = 'Average' in type(layer).__name__
        if average:  # see ..layers.average: the class that computes Keras's float32 average
            prefix = 'HGQ' if odd_counts(layer) else ''
            arithmetic = {'hgq_average_arithmetic': average_arithmetic(keras_backend())}
        if len(in_shape) == 4:
            nodes = pooling3d_nodes(layer, in_shape, out_shape)
            if average:
                nodes = [(s, f'{prefix}{c}' if 'Pooling' in c else c, {**a, **arithmetic}) for s, c, a in nodes]
            return chain_configs(layer.name, src, dst, nodes)
        class_name = type(layer).__name__[1:]  # QMaxPooling2D -> MaxPooling2D (hls4ml's layer map)
        attrs: dict = {'n_filt': in_shape[-1], 'data_format': 'channels_last'}
        if average:
            class_name = prefix + class_name
            attrs.update(arithmetic)
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
