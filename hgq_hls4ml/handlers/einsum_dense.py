"""QEinsumDense and QEinsumDenseBatchnorm -> hls4ml ``EinsumDense`` (io_parallel) with quantized kernel and bias."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
