"""QEinsum (two quantized inputs) -> hls4ml ``Einsum`` (io_parallel)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .base import Handler, NodeConfig, node_config, static_shape
from .quantizer import multi_input_problems, quantize_config, quantize_inputs

if TYPE_CHECKING:
    import keras
    from hgq.layers import QEinsum


def strip_batch(equation: str) -> str:
    """Drop the leading (batch) index of every operand and of the output: ``'bij,bjk->bik'`` -> ``'ij,jk->ik'``."""
    operands, out = equation.split('->')
    return ','.join(op[1:] for op in operands.split(',')) + '->' + out[1:]


def batch_problems(equation: str) -> list[str]:
    operands, out = equation.split('->')
    terms = [*operands.split(','), out]
    batch = out[:1]
    if any(t[:1] != batch or batch in t[1:] for t in terms):
        return [f'equation {equation!r}: every operand and the output must start with the same batch index']
    return []


def einsum_config(
    name: str, equation: str, srcs: Sequence[str], dst: str, shapes: Sequence[tuple[int, ...]], out_shape
) -> NodeConfig:
    """An hls4ml ``Einsum`` of two tensors; ``equation`` still has its batch index."""
    return node_config(
        name,
        'Einsum',
        srcs,
        [dst],
        equation=strip_batch(equation),
        inp0_shape=tuple(shapes[0]),
        inp1_shape=tuple(shapes[1]),
        out_shape=tuple(out_shape) or (1,),
    )


class QEinsumHandler(Handler):
    handles = ('hgq.layers.ops.einsum.QEinsum',)

    def problems(self, layer: QEinsum) -> list[str]:
        found = batch_problems(layer.equation) + multi_input_problems(layer)
        if len(layer.input) != 2:
            found.append(f'{len(layer.input)} operands; firmware einsum takes two')
        return found

    def convert(
        self, layer: QEinsum, in_tensors: Sequence[keras.KerasTensor], out_tensors: Sequence[keras.KerasTensor]
    ) -> list[NodeConfig]:
        shapes = [static_shape(t, layer) for t in in_tensors]
        out_shape = static_shape(out_tensors[0], layer)
        confs, srcs = quantize_inputs(layer, shapes, [t.name for t in in_tensors])
        dst = out_tensors[0].name
        core_dst = f'{dst}@{layer.name}_core' if layer.enable_oq else dst
        confs.append(einsum_config(layer.name, layer.equation, srcs, core_dst, shapes, out_shape))
        if layer.enable_oq:
            confs.append(quantize_config(layer.oq, out_shape, f'{layer.name}_oq', core_dst, dst))
        return confs
