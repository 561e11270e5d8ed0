"""QUnaryFunctionLUT and QAffinedUnaryFunctionLUT (any unary function, the latter of ``x * scale + bias``) ->
``HGQUnaryLUT`` with exact per-element tables.

The tables are computed by running the Keras layer itself on every input code of every element, so they hold
exactly what Keras outputs (input quantizer, affine map and activation in float32, output quantizer).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..layers.unary_lut import MAX_TABLE_BITS, element_codes
from ..precision.fixed import normalize_overflow_mode, normalize_round_mode
from .base import Config, Handler, node_config, static_shape, to_numpy
from .quantizer import quantizer_kif, quantizer_problems

if TYPE_CHECKING:
    import keras
    from hgq.layers import QUnaryFunctionLUT


def build_tables(
    layer: QUnaryFunctionLUT, shape: tuple[int, ...], kif: tuple[np.ndarray, ...] | None = None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct tables and the table index of each element (shape ``shape``) over the input grid ``kif`` (default:
    the layer's input quantizer)."""
    k, i, f = quantizer_kif(layer.iq, shape) if kif is None else kif
    kifs = list(zip(k.ravel().tolist(), i.ravel().tolist(), f.ravel().tolist()))
    codes = [element_codes(*kif) for kif in kifs]
    grid = np.zeros((max(c.size for c in codes), len(kifs)), dtype=np.float32)
    for j, c in enumerate(codes):
        grid[: c.size, j] = c
    out = to_numpy(layer(grid.reshape(-1, *shape), training=False)).reshape(grid.shape)
    tables: dict[bytes, int] = {}
    unique: list[np.ndarray] = []
    ids = []
    for j, c in enumerate(codes):
        table = out[: c.size, j]
        key = table.tobytes()
        if key not in tables:
            tables[key] = len(unique)
            unique.append(table)
        ids.append(tables[key])
    return unique, np.array(ids).reshape(shape)


def table_part(lut: QUnaryFunctionLUT, shape: tuple[int, ...]) -> dict:
    """Everything the firmware needs of a table layer applied to a tensor of ``shape``."""
    tables, ids = build_tables(lut, shape)
    q = lut.iq.quantizer
    return {
        'kif': quantizer_kif(lut.iq, shape),
        'round_mode': normalize_round_mode(q.round_mode),
        'overflow_mode': normalize_overflow_mode(q.overflow_mode),
        'tables': tables,
        'table_id': ids,
    }


def _input_problems(lut: QUnaryFunctionLUT, shape: tuple[int, ...], what: str) -> list[str]:
    if not lut.enable_iq:
        return [f'{what}: enable_iq=False: a table needs the input quantizer to bound its input']
    found = quantizer_problems(lut.iq, f'{what}: the input quantizer')
    if not found:
        k, i, f = quantizer_kif(lut.iq, shape)
        widest = int((k + i + f).max(initial=0))
        if widest > MAX_TABLE_BITS:
            found.append(
                f'{what}: input quantizer has {widest}-bit elements: a table would need 2**{widest} entries '
                f'(limit 2**{MAX_TABLE_BITS}); reduce the input bit-width'
            )
    return found


def table_problems(
    lut: QUnaryFunctionLUT, shape: tuple[int, ...], what: str = 'the table', needs_iq: bool = True
) -> list[str]:
    """Why a table layer applied to ``shape`` has no exact firmware form (``needs_iq=False``: the table is indexed
    by its input's own exact type instead of an input quantizer)."""
    found = _input_problems(lut, shape, what) if needs_iq else []
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
    ) -> list[Config]:
        part = table_part(layer, static_shape(in_tensors[0], layer))
        return [node_config(layer.name, 'HGQUnaryLUT', [in_tensors[0].name], [out_tensors[0].name], **part)]
