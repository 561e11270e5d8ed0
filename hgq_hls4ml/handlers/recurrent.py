"""QSimpleRNN, QGRU, QSimpleSNN and QLIF, and Keras's plain ``RNN`` around one of their cells (``QSimpleRNNCell``,
``QGRUCell``, ``QSimpleSNNCell``, ``QLIFCell``) -> the input quantizer (``HGQQuantize`` over the whole sequence) and
``HGQRecurrent``, described by one :class:`~hgq_hls4ml.layers.recurrent.RecurrentSpec` (its attribute ``recurrent``).

Every cell quantizer becomes per-unit ``(k, i, f)`` arrays; kernels, biases, LIF decay factors and graded spike
factors are HGQ2's quantized values, thresholds the float32 ones. Float activations other than linear/ReLU
carry Keras's own function (:class:`~hgq_hls4ml.layers.activation_table.ActivationTable`), made exact once the
ranges are known. The firmware starts from a zero state and runs every time step of the fixed-length sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..hgq2_api import inbound_nodes
from ..layers.activation_table import ActivationTable
from ..layers.recurrent import ActivationSpec, QuantizerSpec, RecurrentSpec
from ..precision.fixed import normalize_overflow_mode, normalize_round_mode
from .base import Handler, NodeConfig, node_config, static_shape, to_numpy
from .qlayer import EXACT_ACTIVATIONS, activation_name
from .quantizer import quantize_config, quantizer_kif, quantizer_problems

if TYPE_CHECKING:
    import keras
    from hgq.quantizer import Quantizer

#: Cell quantizers besides the input one: :class:`RecurrentSpec` field -> (what it is, gates per unit it covers).
CELL_QUANTIZERS = {
    'state_quantizer': ('the state quantizer', 1),
    'activation_quantizer': ('the pre-activation quantizer', 1),
    'gate_quantizer': ('the recurrent (gate) activation quantizer', 2),
    'recurrent_hidden_quantizer': ('the recurrent hidden-state quantizer', 1),
    'output_quantizer': ('the output quantizer', 1),
}

#: HGQ2 cell class -> cell kind.
CELLS = {'QSimpleRNNCell': 'simple_rnn', 'QGRUCell': 'gru', 'QSimpleSNNCell': 'snn', 'QLIFCell': 'snn'}

#: Cell kind -> its activation attributes (computed in float32 inside the cell).
ACTIVATIONS = {'simple_rnn': ('activation',), 'gru': ('activation', 'recurrent_activation'), 'snn': ()}

#: Keras activations (element-wise) a cell computes by an exact table of their float32 values.
TABLE_ACTIVATIONS = (
    'tanh', 'sigmoid', 'hard_sigmoid', 'hard_tanh', 'hard_silu', 'hard_swish', 'silu', 'swish', 'gelu', 'elu',
    'selu', 'celu', 'softplus', 'softsign', 'exponential', 'relu6', 'leaky_relu', 'log_sigmoid', 'mish',
    'hard_shrink', 'soft_shrink', 'tanh_shrink', 'sparse_plus', 'sparse_sigmoid', 'squareplus',
)  # fmt: skip


def _cell_quantizers(layer: keras.Layer) -> dict[str, Quantizer | None]:
    cell, kind = layer.cell, _kind(layer)
    gru, snn = kind == 'gru', kind == 'snn'
    return {
        'state_quantizer': cell.sq if gru or cell.enable_sq else None,
        'activation_quantizer': None if snn else cell.paq,
        'gate_quantizer': cell.praq if gru else None,
        'recurrent_hidden_quantizer': cell.rhq if gru else None,
        'output_quantizer': cell.oq if snn and cell.enable_oq else None,
    }


def _kind(layer: keras.Layer) -> str:
    return CELLS[type(layer.cell).__name__]


def _per_unit(value: keras.Variable, u: int) -> np.ndarray:
    return np.broadcast_to(to_numpy(value).astype(np.float64), (u,)).copy()


def _spiking_problems(cell: keras.Layer) -> list[str]:
    from hgq.layers.snn import ATan

    found = []
    if cell.inhibition:
        found.append('inhibition=True: the winner-take-all (argmax over units) is not implemented in firmware')
    if not cell.surrogate_disable and not isinstance(cell.spike_grad, ATan):
        found.append(
            f"spike_grad={cell.spike_grad!r}: only HGQ2's atan surrogate (or surrogate_disable=True) is known to "
            'fire exactly where membrane > threshold in the forward pass'
        )
    if not np.all(np.isfinite(to_numpy(cell.threshold))):
        found.append('a threshold is not finite')
    return found


def _activation(layer: keras.Layer, attr: str) -> ActivationSpec:
    """The cell's activation ``attr``, with a table of Keras's own float32 function if it is computed by table:
    ``QGRU``'s include the quantizer after the activation (``praq``/``paq``), ``QSimpleRNN``'s is the activation
    alone (its ``paq`` comes before)."""
    cell, name = layer.cell, activation_name(layer.cell, attr)
    if name not in TABLE_ACTIVATIONS:
        return ActivationSpec(name, None)
    fn = getattr(cell, f'q{attr}' if _kind(layer) == 'gru' else attr)
    what = f'{attr} {name!r}'
    return ActivationSpec(name, ActivationTable(lambda x: to_numpy(fn(x)), layer.name, type(layer).__name__, what))


def _quantizer_spec(q: Quantizer | None, n: int) -> QuantizerSpec | None:
    if q is None:
        return None
    return QuantizerSpec(
        kif=quantizer_kif(q, (n,)),
        round_mode=normalize_round_mode(q.quantizer.round_mode),
        overflow_mode=normalize_overflow_mode(q.quantizer.overflow_mode),
        affine=None if q.affine is None else tuple(float(v) for v in q.affine),
    )


def _spiking_fields(cell: keras.Layer) -> dict[str, Any]:
    """A spiking cell's :class:`RecurrentSpec` fields."""
    u = cell.units
    return {
        'beta': _per_unit(cell.qlif_beta, u) if type(cell).__name__ == 'QLIFCell' else None,
        'threshold': _per_unit(cell.threshold, u),
        'graded_spikes_factor': _per_unit(cell.qgraded_spikes_factor, u),
        'reset_mechanism': cell.reset_mechanism,
    }


def _rnn_fields(layer: keras.Layer) -> dict[str, Any]:
    """A ``QSimpleRNNCell``'s or ``QGRUCell``'s :class:`RecurrentSpec` fields."""
    cell, gru = layer.cell, _kind(layer) == 'gru'
    gates = 3 if gru else 1
    bias = to_numpy(cell.qbias) if cell.use_bias else np.zeros(gates * cell.units)
    recurrent_bias = np.zeros(gates * cell.units)
    if bias.ndim == 2:  # GRU with reset_after: input and recurrent biases
        bias, recurrent_bias = bias
    return {
        'reset_after': bool(getattr(cell, 'reset_after', False)),
        'kernel': to_numpy(cell.qkernel),
        'recurrent_kernel': to_numpy(cell.qrecurrent_kernel),
        'input_bias': bias,
        'recurrent_bias': recurrent_bias,
        'activation': _activation(layer, 'activation'),
        'recurrent_activation': _activation(layer, 'recurrent_activation') if gru else None,
    }


def _call_problems(layer: keras.Layer) -> list[str]:
    found = []
    for node in inbound_nodes(layer):
        kwargs = node.arguments.kwargs
        if kwargs.get('initial_state') is not None:
            found.append('called with initial_state: the firmware starts every sequence from a zero state')
        if kwargs.get('mask') is not None:
            found.append('called with a mask: the firmware runs every time step (no masking)')
    return found


def _hgq2_cell(cell: keras.Layer) -> bool:
    return type(cell).__name__ in CELLS and type(cell).__module__.startswith('hgq.')


class QRecurrentHandler(Handler):
    handles = (
        'hgq.layers.rnn.simple_rnn.QSimpleRNN',
        'hgq.layers.rnn.gru.QGRU',
        'hgq.layers.snn.base.QSimpleSNN',
        'hgq.layers.snn.base.QLIF',
        'keras.src.layers.rnn.rnn.RNN',  # Keras's plain RNN around one HGQ2 cell
    )

    def __call__(
        self, layer: keras.Layer, in_tensors: Sequence[keras.KerasTensor], out_tensors: Sequence[keras.KerasTensor]
    ) -> tuple[NodeConfig, ...] | None:
        """``None`` (hls4ml then tries its own handlers and fallbacks, as without the plugin) for Keras's plain ``RNN``
        around a cell that is not HGQ2's; in an HGQ2 model it is refused with the model's other problems."""
        if not _hgq2_cell(layer.cell):
            return None
        return super().__call__(layer, in_tensors, out_tensors)

    def problems(self, layer: keras.Layer) -> list[str]:
        cell, found = layer.cell, []
        if not _hgq2_cell(cell):
            return [
                f'its cell {type(cell).__name__} is not one HGQ2 cell ({", ".join(CELLS)}): float arithmetic cannot be '
                'reproduced bit-exactly in fixed point'
            ]
        if cell.enable_iq:
            found += quantizer_problems(cell.iq, 'the input quantizer')
        for name, q in _cell_quantizers(layer).items():
            if q is not None:
                found += quantizer_problems(q, CELL_QUANTIZERS[name][0], allow_affine=name == 'gate_quantizer')
        if _kind(layer) == 'snn':
            found += _spiking_problems(cell)
        for attr in ACTIVATIONS[_kind(layer)]:
            act = activation_name(cell, attr)
            if act not in EXACT_ACTIVATIONS + TABLE_ACTIVATIONS:
                found.append(
                    f'{attr} {act!r} is not a known element-wise Keras activation; {", ".join(EXACT_ACTIVATIONS)} '
                    f'are computed exactly and {", ".join(TABLE_ACTIVATIONS)} by exact tables'
                )
            elif act in TABLE_ACTIVATIONS and _kind(layer) == 'simple_rnn' and not cell.enable_sq:
                found.append(
                    f'{attr} {act!r} with enable_sq=False: its float32 output feeds the recurrent product unquantized, '
                    'which float32 rounds; enable the state quantizer sq'
                )
        if layer.return_state:
            found.append('return_state=True: the firmware layer has one output (its outputs, not its state)')
        if layer.stateful:
            found.append('stateful=True: the firmware keeps no state between inputs; it starts each from zero')
        return found + _call_problems(layer)

    def convert(
        self, layer: keras.Layer, in_tensors: Sequence[keras.KerasTensor], out_tensors: Sequence[keras.KerasTensor]
    ) -> list[NodeConfig]:
        shape = static_shape(in_tensors[0], layer)
        cell, src, confs = layer.cell, in_tensors[0].name, []
        if cell.enable_iq:
            confs.append(quantize_config(cell.iq, shape, f'{layer.name}_iq', src, f'{src}@{layer.name}_iq'))
            src = confs[-1]['output_keras_tensor_names'][0]
        u, kind = cell.units, _kind(layer)
        quantizers = {
            name: _quantizer_spec(q, CELL_QUANTIZERS[name][1] * u) for name, q in _cell_quantizers(layer).items()
        }
        spec = RecurrentSpec(
            cell=kind,
            layer_name=layer.name,
            keras_class=type(layer).__name__,
            n_timesteps=shape[0],
            n_in=shape[1],
            n_units=u,
            return_sequences=bool(layer.return_sequences),
            go_backwards=bool(layer.go_backwards),
            **quantizers,
            **(_spiking_fields(cell) if kind == 'snn' else _rnn_fields(layer)),
        )
        return [*confs, node_config(layer.name, 'HGQRecurrent', [src], [out_tensors[0].name], recurrent=spec)]
