"""Sliding-window geometry of convolution and pooling nodes (channels last, 1 to 3 spatial axes).

Spatial attributes follow hls4ml's names: ``in_width``, ``filt_width``/``pool_width``, ``stride_width``,
``pad_left``/``pad_right``; ``height`` (``top``/``bottom``) and, for our 3D layers, ``depth`` (``front``/``back``).
"""

from __future__ import annotations

from math import prod

import numpy as np
from hls4ml.model.layers import GlobalPooling1D, GlobalPooling2D, Layer

#: Spatial axis names by number of spatial axes.
AXES = {1: ('width',), 2: ('height', 'width'), 3: ('depth', 'height', 'width')}
#: Padding attribute suffixes (before, after) of each axis.
PAD_SIDES = {'depth': ('front', 'back'), 'height': ('top', 'bottom'), 'width': ('left', 'right')}


def window_index(
    spatial_in: tuple[int, ...], window: tuple[int, ...], strides: tuple[int, ...], pads: tuple[tuple[int, int], ...]
) -> np.ndarray:
    """Flat input pixel of every (output position..., window tap), taps in row-major order; ``-1`` reads padding."""
    n = len(spatial_in)
    grids = []
    for size, k, s, (lo, hi) in zip(spatial_in, window, strides, pads):
        n_out = (size + lo + hi - k) // s + 1
        pos = np.arange(n_out)[:, None] * s + np.arange(k)[None, :] - lo  # (n_out, k)
        grids.append(np.where((pos >= 0) & (pos < size), pos, -1))
    pixel = np.zeros([1] * 2 * n, dtype=np.int64)
    valid = np.ones([1] * 2 * n, dtype=bool)
    for a, g in enumerate(grids):
        shape = [1] * 2 * n
        shape[a], shape[n + a] = g.shape
        g = g.reshape(shape)
        valid = valid & (g >= 0)
        pixel = pixel + g * prod(spatial_in[a + 1 :])
    out = np.where(valid, pixel, -1)
    return out.reshape(*out.shape[:n], -1)


def window_pixels(node: Layer, spatial_in: tuple[int, ...], kernel: str = 'filt') -> np.ndarray:
    """:func:`window_index` of a node; ``kernel`` is the prefix of its window sizes: ``filt`` or ``pool``."""
    axes = AXES[len(spatial_in)]
    sides = [PAD_SIDES[ax] for ax in axes]
    return window_index(
        spatial_in,
        tuple(node.get_attr(f'{kernel}_{ax}') for ax in axes),
        tuple(node.get_attr(f'stride_{ax}') for ax in axes),
        tuple((node.get_attr(f'pad_{b}'), node.get_attr(f'pad_{a}')) for b, a in sides),
    )


def conv_patch_index(node: Layer, spatial_in: tuple[int, ...]) -> np.ndarray:
    """Flat input index of every (output position..., kernel tap and channel); ``-1`` reads zero padding."""
    pix = window_pixels(node, spatial_in)
    chan = np.arange(node.get_attr('n_chan'))
    idx = np.where(pix[..., None] >= 0, pix[..., None] * chan.size + chan, -1)
    return idx.reshape(*pix.shape[:-1], -1)


def output_patch_index(node: Layer, spatial_in: tuple[int, ...]) -> np.ndarray:
    """:func:`conv_patch_index` with the output positions flattened: one row per output position."""
    index = conv_patch_index(node, spatial_in)
    return index.reshape(-1, index.shape[-1])


def pool_index(node: Layer, spatial_in: tuple[int, ...], n_chan: int) -> np.ndarray:
    """Flat input index of every (output position..., channel, window tap); ``-1`` is padding."""
    pix = window_pixels(node, spatial_in, 'pool')[..., None, :]
    chan = np.arange(n_chan)[:, None]
    return np.where(pix >= 0, pix * n_chan + chan, -1)


def pool_windows(node: Layer, shape: tuple[int, ...]) -> np.ndarray:
    """Flat input index of every (output element, window tap) of a pooling node over an input of ``shape``."""
    if isinstance(node, (GlobalPooling1D, GlobalPooling2D)):
        n_pix, n_chan = prod(shape[:-1]), shape[-1]
        return np.arange(n_pix)[None, :] * n_chan + np.arange(n_chan)[:, None]  # (channel, pixel)
    return pool_index(node, shape[:-1], shape[-1])


def average_counts(index: np.ndarray) -> np.ndarray:
    """Elements each window averages: hls4ml, like Keras, averages the unpadded elements only."""
    return np.maximum((index >= 0).sum(axis=-1), 1)
