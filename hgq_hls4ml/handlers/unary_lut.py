"""QUnaryFunctionLUT and QAffinedUnaryFunctionLUT (any unary function, the latter of ``x * scale + bias``) ->
``HGQUnaryLUT`` with exact per-element tables.

The tables are computed by running the Keras layer itself on every input code of every element, so they hold
exactly what Keras outputs (input quantizer, affine map and activation in float32, output quantizer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..layers.unary_lut import build_tables
from ..options import max_table_bits
from ..precision.fixed import normalize_overflow_mode, normalize_round_mode
from .base import Handler, NodeConfig, node_config, static_shape, to_numpy
from .quantizer import quantizer_kif, quantizer_problems

if TYPE_CHECKING:
    import keras
    from hgq.layers import QUnaryFunctionLUT


def keras_function(layer: keras.Layer) -> Callable[[np.ndarray], np.ndarray]:
    """``layer`` at inference, as a function of a float32 batch."""
    return lambda x: to_numpy(layer(x, training=False))


def table_part(lut: QUnaryFunctionLUT, shape: tuple[int, ...]) -> dict:
    """Everything the firmware needs of a table layer applied to a tensor of ``shape``."""
    kif = quantizer_kif(lut.iq, shape)
    tables, ids = build_tables(keras_function(lut), kif)
    q = lut.iq.quantizer
    return {
        'kif': kif,
        'round_mode': normalize_round_mode(q.round_mode),
        'overflow_mode': normalize_overflow_mode(q.overflow_mode),
        'tables': tables,
        'table_id': ids,
    }


def table_input_problems(layer: keras.Layer, shape: tuple[int, ...], what: str) -> list[str]:
    """Why the input quantizer of table layer ``layer`` cannot index tables over a tensor of ``shape``: it must be
    on, fixed-point, and no element wider than :func:`~hgq_hls4ml.options.max_table_bits`."""
    if not layer.enable_iq:
        return [f'{what}: enable_iq=False: a table needs the input quantizer to bound its input']
    found = quantizer_problems(layer.iq, f'{what}: the input quantizer')
    if not found:
        k, i, f = quantizer_kif(layer.iq, shape)
        widest, limit = int((k + i + f).max(initial=0)), max_table_bits()
        if widest > limit:
            found.append(
                f'{what}: input quantizer has {widest}-bit elements: a table would need 2**{widest} entries '
                f'(limit 2**{limit}); reduce the input bit-width, or raise max_table_bits'
            )
    return found


def table_problems(
    lut: QUnaryFunctionLUT, shape: tuple[int, ...], what: str = 'the table', needs_iq: bool = True
) -> list[str]:
    """Why a table layer applied to ``shape`` has no exact firmware form (``needs_iq=False``: the table is indexed
    by its input's own exact type instead of an input quantizer)."""
    found = table_input_problems(lut, shape, what) if needs_iq else []
    if not lut.enable_oq:
        found.append(f'{what}: enable_oq=False: table entries would be float32 values; give it an output quantizer')
    else:
        found += quantizer_problems(lut.oq, f'{what}: the output quantizer')
    return found


class QUnaryFunctionLUTHandler(Handler):
    handles = ('hgq.layers.activation.QUnaryFunctionLUT', 'hgq.layers.activation.QAffinedUnaryFunctionLUT')

    def problems(self, layer: QUnaryFunctionLUT) -> list[str]:
        return table_problems(layer, tuple(layer.input.shape[1:]))

    def convert(
        self,
        layer: QUnaryFunctionLUT,
        in_tensors: Sequence[keras.KerasTensor],
        out_tensors: Sequence[keras.KerasTensor],
    ) -> list[NodeConfig]:
        part = table_part(layer, static_shape(in_tensors[0], layer))
        return [node_config(layer.name, 'HGQUnaryLUT', [in_tensors[0].name], [out_tensors[0].name], **part)]
