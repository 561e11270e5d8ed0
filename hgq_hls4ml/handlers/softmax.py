"""QSoftmax (last axis; stable or not) -> ``HGQSoftmax`` built from HGQ2's own exponent and inverse tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..layers.unary_lut import max_table_bits
from .base import Config, Handler, node_config, static_shape
from .quantizer import quantize_config, quantizer_problems
from .unary_lut import table_part, table_problems

if TYPE_CHECKING:
    import keras
    from hgq.layers import QSoftmax


def inv_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (*shape[:-1], 1)


def softmax_problems(layer: QSoftmax, shape: tuple[int, ...]) -> list[str]:
    """Why a QSoftmax applied to a tensor of ``shape`` has no exact firmware form."""
    found = []
    if tuple(layer.axes) != (len(shape),):
        found.append(f'axes={tuple(layer.axes)}; firmware softmax normalizes the last axis only')
    if layer.enable_iq:
        found += quantizer_problems(layer.iq, 'the input quantizer')
    found += table_problems(layer.exp_table, shape, 'the exponent table', needs_iq=layer.stable)
    found += table_problems(layer.inv_table, inv_shape(shape), 'the inverse table')
    if layer.enable_oq:
        found += quantizer_problems(layer.oq, 'the output quantizer')
    return found


class QSoftmaxHandler(Handler):
    handles = ('hgq.layers.softmax.QSoftmax',)

    def problems(self, layer: QSoftmax) -> list[str]:
        return softmax_problems(layer, tuple(layer.input.shape[1:]))

    def convert(
        self,
        layer: QSoftmax,
        in_tensors: Sequence[keras.KerasTensor],
        out_tensors: Sequence[keras.KerasTensor],
        mask: np.ndarray | None = None,
    ) -> list[Config]:
        """``mask`` (boolean, the input's shape): a static mask as HGQ2 applies it (``QSoftmax(x, mask=mask)``)."""
        shape = static_shape(in_tensors[0], layer)
        src, confs = in_tensors[0].name, []
        if layer.enable_iq:
            confs.append(quantize_config(layer.iq, shape, f'{layer.name}_iq', src, f'{src}@{layer.name}_iq'))
            src = confs[-1]['output_keras_tensor_names'][0]
        # stable=False: the exponent table reads the input directly; it is tabulated over the input's proven type
        # once ranges are known (passes.ranges)
        if layer.stable:
            exp = table_part(layer.exp_table, shape)
        else:
            exp = {'deferred': {'layer': layer.exp_table, 'max_bits': max_table_bits()}}
        inv = table_part(layer.inv_table, inv_shape(shape))
        dst = out_tensors[0].name
        core_dst = f'{dst}@{layer.name}_core' if layer.enable_oq else dst
        confs.append(
            node_config(layer.name, 'HGQSoftmax', [src], [core_dst], exp=exp, inv=inv, stable=layer.stable, mask=mask)
        )
        if layer.enable_oq:
            confs.append(quantize_config(layer.oq, shape, f'{layer.name}_oq', core_dst, dst))
        return confs
