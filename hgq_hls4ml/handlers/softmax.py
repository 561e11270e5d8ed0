"""QSoftmax (any axes; stable or not) -> ``HGQSoftmax`` built from HGQ2's own exponent and inverse tables.

``HGQSoftmax`` normalises the last axis. Over other axes, or several, the softmax axes are moved last
(``Transpose``) and merged into one (``Reshape``) as a reduction's are, the per-element tables and mask follow the
same layout, and the result goes back to Keras's layout before the output quantizer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..options import max_table_bits
from .base import Handler, NodeConfig, chain_configs, static_shape
from .quantizer import quantize_attrs, quantizer_problems
from .reduction import reduction_layout
from .unary_lut import keras_function, table_part, table_problems

if TYPE_CHECKING:
    import keras
    from hgq.layers import QSoftmax


def softmax_axes(layer: QSoftmax, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The normalised axes of ``layer`` on a tensor of ``shape``, without the batch axis, ascending."""
    rank = len(shape) + 1
    return tuple(sorted((a if a >= 0 else a + rank) - 1 for a in layer.axes))


def inv_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of the row sums (and of HGQ2's inverse table): ``shape`` with the softmax ``axes`` kept as 1."""
    return tuple(1 if a in axes else n for a, n in enumerate(shape))


def to_rows(a: np.ndarray, perm: list[int], rows: tuple[int, ...]) -> np.ndarray:
    """An array of the input's layout in the layout ``HGQSoftmax`` reads (softmax axes last, merged)."""
    return np.transpose(a, perm).reshape(rows)


def rows_function(
    fn: Callable[[np.ndarray], np.ndarray], perm: list[int], shape: tuple[int, ...], rows: tuple[int, ...]
) -> Callable[[np.ndarray], np.ndarray]:
    """``fn`` (element-wise on batches of the input's layout ``shape``) as a function of batches laid out as
    ``rows``."""
    moved = tuple(shape[a] for a in perm)
    back = [0, *(1 + np.argsort(perm))]

    def on_rows(x: np.ndarray) -> np.ndarray:
        y = fn(np.transpose(x.reshape(-1, *moved), back))
        return np.transpose(y, [0, *(1 + np.asarray(perm))]).reshape(x.shape)

    return on_rows


def rows_part(part: dict, perm: list[int], rows: tuple[int, ...]) -> dict:
    """A table part (:func:`~hgq_hls4ml.handlers.unary_lut.table_part`) laid out as ``rows``."""
    return {
        **part,
        'kif': tuple(to_rows(a, perm, rows) for a in part['kif']),
        'table_id': to_rows(part['table_id'], perm, rows),
    }


def softmax_problems(layer: QSoftmax, shape: tuple[int, ...]) -> list[str]:
    """Why a QSoftmax applied to a tensor of ``shape`` has no exact firmware form."""
    found = []
    axes = softmax_axes(layer, shape)
    if -1 in axes:
        found.append(f'axes={tuple(layer.axes)} include the batch axis; firmware normalises within one sample only')
        return found
    if layer.enable_iq:
        found += quantizer_problems(layer.iq, 'the input quantizer')
    found += table_problems(layer.exp_table, shape, 'the exponent table', needs_iq=layer.stable)
    found += table_problems(layer.inv_table, inv_shape(shape, axes), 'the inverse table')
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
    ) -> list[NodeConfig]:
        """``mask`` (boolean, the input's shape): a static mask as HGQ2 applies it (``QSoftmax(x, mask=mask)``)."""
        shape = static_shape(in_tensors[0], layer)
        axes = softmax_axes(layer, shape)
        if axes == (len(shape) - 1,):
            perm, rows = list(range(len(shape))), shape
        else:  # one row when every axis is normalised: a 1D stream would carry one element per pixel
            perm, rows = reduction_layout(shape, axes)
            rows = rows if len(rows) == 2 else (1, *rows)
        moved = tuple(shape[a] for a in perm)
        to_layout = []  # input layout -> rows, and back
        if perm != sorted(perm):
            to_layout.append(('transpose', 'Transpose', {'perm': perm}))
        if moved != rows:
            to_layout.append(('merge', 'Reshape', {'target_shape': list(rows)}))
        back = [
            ('split', 'Reshape', {'target_shape': list(moved)})
            if kind == 'Reshape'
            else ('restore', 'Transpose', {'perm': np.argsort(perm).tolist()})
            for _, kind, _ in reversed(to_layout)
        ]

        # stable=False: the exponent table reads the input directly; it is tabulated over the input's proven type
        # once ranges are known (passes.materialize)
        if layer.stable:
            exp = rows_part(table_part(layer.exp_table, shape), perm, rows)
        else:
            function = rows_function(keras_function(layer.exp_table), perm, shape, rows)
            exp = {'deferred': {'function': function, 'max_bits': max_table_bits()}}
        inv_rows = (*rows[:-1], 1)
        inv = rows_part(table_part(layer.inv_table, inv_shape(shape, axes)), perm, inv_rows)
        if mask is not None:
            mask = to_rows(np.broadcast_to(mask, shape), perm, rows)
        core = dict(exp=exp, inv=inv, stable=layer.stable, mask=mask)

        nodes = [('iq', 'HGQQuantize', quantize_attrs(layer.iq, shape))] if layer.enable_iq else []
        nodes += [*to_layout, ('core', 'HGQSoftmax', core), *back]
        if layer.enable_oq:
            nodes.append(('oq', 'HGQQuantize', quantize_attrs(layer.oq, shape)))
        return chain_configs(layer.name, in_tensors[0].name, out_tensors[0].name, nodes, main='core')
