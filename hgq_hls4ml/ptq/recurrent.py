"""SimpleRNN, GRU -> QSimpleRNN, QGRU: weights copied, every state and activation quantizer calibrated like a layer
input (``activation_bits`` wide, integer bits traced on the samples).

``QSimpleRNN`` quantizes the sum before its activation (``paq``: a table's input when the activation is not
relu/linear, so it saturates) and its state (``sq``, on: a table's float output feeds the next step). ``QGRU``
quantizes after its activations (``paq``, ``praq``), its state (``sq``) and the recurrent candidate (``rhq``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..handlers.qlayer import activation_name
from .activations import EXACT
from .base import Context, Mapper, fit_integer_bits

if TYPE_CHECKING:
    import keras

    from .graph import Call

_R = 'keras.src.layers.rnn.'
#: Options copied from the float layer.
_OPTIONS = ('units', 'return_sequences', 'go_backwards', 'use_bias')


class RecurrentMapper(Mapper):
    handles = (f'{_R}simple_rnn.SimpleRNN', f'{_R}gru.GRU')
    quantizes_input = True

    def problems(self, layer: keras.Layer, ctx: Context) -> list[str]:
        found = []
        if layer.return_state or layer.stateful:
            found.append('return_state/stateful: firmware returns the outputs of one sequence only')
        for attr in ('activation', 'recurrent_activation'):
            name = activation_name(layer.cell, attr) if hasattr(layer.cell, attr) else 'linear'
            if name in ('softmax', 'log_softmax', 'glu', 'sparsemax'):
                found.append(f'{attr} {name!r} is not element-wise')
        return found

    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        from hgq.layers import QGRU, QSimpleRNN

        layer, w = call.layer, ctx.widths
        cell = layer.cell
        gru = type(layer).__name__ == 'GRU'
        act = activation_name(cell)
        options: dict[str, Any] = {key: getattr(layer, key, getattr(cell, key, None)) for key in _OPTIONS}
        confs = dict(
            iq_conf=ctx.input_conf(call.inputs[0]),
            kq_conf=w.weight(),
            rkq_conf=w.weight(),
            bq_conf=w.weight('bias'),
            sq_conf=w.activation(),
        )
        if gru:
            q = QGRU(
                activation=act,
                recurrent_activation=activation_name(cell, 'recurrent_activation'),
                reset_after=cell.reset_after,
                paq_conf=w.activation(),
                praq_conf=w.activation(),
                rhq_conf=w.activation(),
                name=layer.name,
                **options,
                **confs,
            )
        else:
            q = QSimpleRNN(
                activation=act,
                enable_sq=True,
                paq_conf=w.activation(table=act not in EXACT),
                name=layer.name,
                **options,
                **confs,
            )
        out = q(inputs[0])
        qcell = q.cell
        for quantizer, variable, values in (
            (qcell.kq, qcell.kernel, cell.kernel),
            (qcell.rkq, qcell.recurrent_kernel, cell.recurrent_kernel),
            *([(qcell.bq, qcell.bias, cell.bias)] if cell.use_bias else []),
        ):
            variable.assign(np.asarray(values, np.float32))
            fit_integer_bits(quantizer, np.asarray(values, np.float32))
        return out
