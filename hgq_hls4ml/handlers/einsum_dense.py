"""QEinsumDense and QEinsumDenseBatchnorm -> hls4ml ``Dense`` where the einsum is a product over the last axis (then
exactly a ``QDense``: exact per-output accumulators in io_parallel, and io_stream), else ``EinsumDense``
(buffered in io_stream), with the quantized kernel and bias."""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING

import numpy as np

from .base import NodeConfig, node_config, to_numpy
from .qlayer import QLayerHandler

if TYPE_CHECKING:
    from hgq.layers import QEinsumDense


def strip_batch(equation: str) -> str:
    """``'bi,ij->bj'`` -> ``'i,ij->j'`` (the data operand and the output lose their leading batch index)."""
    inputs, out = equation.split('->')
    data, kernel = inputs.split(',')
    if data.startswith('...'):
        return f'{data[3:]},{kernel}->{out[3:]}'
    return f'{data[1:]},{kernel}->{out[1:]}'


def is_last_axis_product(equation: str, bias: np.ndarray | None) -> bool:
    """Whether ``equation`` (batch index stripped) multiplies the data's last axis by a 2D kernel and keeps the other
    axes in order (``'nc,cC->nC'``, ``'c,cC->C'``, ``'...c,cC->...C'``), with a bias (if any) over the output's last
    axis only: a ``Dense`` on the last axis."""
    operands, out = equation.split('->')
    data, kernel = operands.split(',')
    if len(kernel) != 2 or not data or not out:
        return False
    (c, k), keep = kernel, data[:-1]
    return data[-1] == c and out == keep + k and c not in keep and k not in keep and (bias is None or bias.ndim == 1)


class QEinsumDenseHandler(QLayerHandler):
    handles = (
        'hgq.layers.core.einsum_dense.QEinsumDense',
        'hgq.layers.einsum_dense_batchnorm.QEinsumDenseBatchnorm',  # qkernel/qbias are the fused inference values
    )

    def option_problems(self, layer: QEinsumDense) -> list[str]:
        data = layer.equation.split(',')[0]
        if not data.startswith('...') and data[0] in layer.equation.split(',')[1].split('->')[0]:
            return [f'equation {layer.equation!r} uses the batch index in the kernel']
        return []

    def core(self, layer: QEinsumDense, src: str, dst: str, in_shape, out_shape) -> list[NodeConfig]:
        equation = strip_batch(layer.equation)
        kernel = to_numpy(layer.qkernel)
        bias = None if getattr(layer, 'bias', None) is None else to_numpy(layer.qbias)
        if is_last_axis_product(equation, bias):
            return [dense_config(layer.name, src, dst, kernel, bias, in_shape, out_shape)]
        return [
            node_config(
                layer.name,
                'EinsumDense',
                [src],
                [dst],
                equation=equation,
                weight_data=kernel,
                bias_data=bias,
                inp_shape=tuple(in_shape),
                out_shape=tuple(out_shape),
                hgq_einsum=(equation, kernel, bias),
            )
        ]


def dense_config(
    name: str, src: str, dst: str, kernel, bias, in_shape, out_shape, parallelization: int | None = None
) -> NodeConfig:
    """An hls4ml ``Dense`` over the last axis of ``in_shape``: hls4ml runs it on every position of the other axes,
    ``parallelization`` of them at once (default: all)."""
    attrs = dict(weight_data=kernel, bias_data=bias, n_in=in_shape[-1], n_out=out_shape[-1], use_bias=bias is not None)
    if len(in_shape) > 1:
        attrs['parallelization_factor'] = int(parallelization or prod(in_shape[:-1]))
    return node_config(name, 'Dense', [src], [dst], data_format='channels_last', **attrs)
