"""HGQ2 reductions (QSum, QMeanPow2) -> ``Transpose`` and ``Reshape`` (when needed), then a ``Dense`` of ``scale``.

The reduced axes are moved last and merged into one; a ``Dense`` whose kernel is the power-of-two ``scale`` sums
them exactly (an exactly sized accumulator; hls4ml makes a Dense on a ``(rows, n)`` input a pointwise convolution),
and a last ``Reshape`` gives Keras's output shape (``keepdims`` or not). QMeanPow2's scale is HGQ2's own power of
two nearest to one over the number of reduced elements.
"""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING

import numpy as np

from .base import NodeConfig, chain_configs
from .qlayer import QLayerHandler

if TYPE_CHECKING:
    from hgq.layers import QSum


def reduction_layout(in_shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[list[int], tuple[int, ...]]:
    """The transpose moving the reduced ``axes`` (no batch axis) last, and the ``(rows, n)`` or ``(n,)`` shape the
    sum reads."""
    kept = [a for a in range(len(in_shape)) if a not in axes]
    n = prod(in_shape[a] for a in axes)
    return kept + list(axes), ((prod(in_shape[a] for a in kept), n) if kept else (n,))


def sum_attrs(scale: float, sum_shape: tuple[int, ...]) -> dict:
    """``Dense`` attributes summing the last axis of a ``sum_shape`` input, times ``scale``."""
    attrs = dict(
        weight_data=np.full((sum_shape[-1], 1), scale),
        bias_data=None,
        use_bias=False,
        n_in=sum_shape[-1],
        n_out=1,
        data_format='channels_last',
    )
    if len(sum_shape) > 1:
        attrs['parallelization_factor'] = sum_shape[0]
    return attrs


class QReductionHandler(QLayerHandler):
    handles = ('hgq.layers.ops.accum.QSum', 'hgq.layers.ops.accum.QMeanPow2')

    def option_problems(self, layer: QSum) -> list[str]:
        if 0 in layer.axes:
            return [f'axes={layer.axes} include the batch axis; firmware reduces within one sample only']
        return []

    def core(self, layer: QSum, src: str, dst: str, in_shape, out_shape) -> list[NodeConfig]:
        perm, sum_shape = reduction_layout(in_shape, tuple(a - 1 for a in layer.axes))
        nodes: list[tuple[str, str, dict]] = []
        if perm != sorted(perm):
            nodes.append(('transpose', 'Transpose', {'perm': perm}))
        if tuple(in_shape[a] for a in perm) != sum_shape:
            nodes.append(('merge', 'Reshape', {'target_shape': list(sum_shape)}))
        nodes.append(('sum', 'Dense', sum_attrs(float(layer.scale), sum_shape)))
        if out_shape not in ((*sum_shape[:-1], 1), ()):  # a scalar result stays the Dense's (1,)
            nodes.append(('reshape', 'Reshape', {'target_shape': list(out_shape)}))
        return chain_configs(layer.name, src, dst, nodes, main='sum')
