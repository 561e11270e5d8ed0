"""The typed description of one HGQ2 recurrent layer that the handler gives the ``HGQRecurrent`` node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..activation_table import ActivationTable

#: ``'simple_rnn'`` (``QSimpleRNNCell``), ``'gru'`` (``QGRUCell``) or ``'snn'`` (``QSimpleSNNCell``, ``QLIFCell``).
CellKind = Literal['simple_rnn', 'gru', 'snn']


@dataclass(frozen=True, eq=False)
class QuantizerSpec:
    """An HGQ2 cell quantizer: an exact ``ap_fixed`` cast of each element, then HGQ2's affine map if any."""

    #: Per-element integer ``(k, i, f)`` arrays: sign bit, integer bits, fractional bits.
    kif: tuple[np.ndarray, np.ndarray, np.ndarray]
    #: Rounding mode, hls4ml's spelling (``'RND'``, ``'TRN'``, ...).
    round_mode: str
    #: Overflow mode, hls4ml's spelling (``'SAT'``, ``'WRAP'``, ...).
    overflow_mode: str
    #: ``(scale, shift)`` after the cast, the scale a power of two (HGQ2's hard sigmoid); ``None``: none.
    affine: tuple[float, float] | None


@dataclass(frozen=True, eq=False)
class ActivationSpec:
    """An activation the cell computes in float32."""

    #: Keras's name for it (``'linear'``, ``'relu'``, ``'tanh'``, ...).
    name: str
    #: Keras's own function, made exact by table once the input's range is known, for every activation but linear
    #: and ReLU (``None`` for those). ``QGRU``'s includes the quantizer after the activation.
    table: ActivationTable | None


@dataclass(frozen=True, eq=False, kw_only=True)
class RecurrentSpec:
    """An HGQ2 ``QSimpleRNN``, ``QGRU``, ``QSimpleSNN`` or ``QLIF`` (or Keras's ``RNN`` around one of their cells).

    Arrays are HGQ2's quantized values (thresholds: float32's), per unit where they say so. Fields of another
    cell kind, and quantizers the cell lacks or has disabled, are ``None``. Not comparable (``eq=False``): the
    fields hold arrays.
    """

    #: Which cell computes each step.
    cell: CellKind
    #: The Keras layer's name, for refusals.
    layer_name: str
    #: The Keras layer's class name, for refusals.
    keras_class: str
    #: Time steps of the fixed-length input sequence.
    n_timesteps: int
    #: Input features per time step.
    n_in: int
    #: The cell's units: the state's and each step's output's size.
    n_units: int
    #: Whether the output is every step's ``(n_timesteps, n_units)``, or only the last step's ``(n_units,)``.
    return_sequences: bool
    #: Whether the steps read the sequence from its last time step back.
    go_backwards: bool

    #: ``QGRU``: the reset gate multiplies the recurrent product (Keras's default), not the state before it.
    reset_after: bool = False
    #: ``(n_in, gates * n_units)``; gates: one for ``QSimpleRNN``, ``QGRU``'s update, reset and candidate.
    kernel: np.ndarray | None = None
    #: ``(n_units, gates * n_units)``.
    recurrent_kernel: np.ndarray | None = None
    #: ``(gates * n_units,)``, zeros without a bias.
    input_bias: np.ndarray | None = None
    #: ``(gates * n_units,)``: ``QGRU``'s second bias with ``reset_after``, else zeros.
    recurrent_bias: np.ndarray | None = None
    #: ``QSimpleRNN``'s activation, ``QGRU``'s candidate activation.
    activation: ActivationSpec | None = None
    #: ``QGRU``'s gate activation.
    recurrent_activation: ActivationSpec | None = None

    #: ``QLIF``'s membrane decay per unit (``None`` for ``QSimpleSNN``).
    beta: np.ndarray | None = None
    #: Per unit: the membrane fires where it exceeds it.
    threshold: np.ndarray | None = None
    #: Per unit: a spike's output value.
    graded_spikes_factor: np.ndarray | None = None
    #: What a spike leaves of the membrane: ``'subtract'`` (the threshold), ``'zero'`` or ``'none'``.
    reset_mechanism: str | None = None

    #: HGQ2's ``sq``: on the state a step reads (``QSimpleRNN`` if enabled, ``QGRU`` always), or on the membrane a
    #: step leaves (spiking cells, if enabled).
    state_quantizer: QuantizerSpec | None = None
    #: HGQ2's ``paq``: before ``QSimpleRNN``'s activation, after ``QGRU``'s candidate activation.
    activation_quantizer: QuantizerSpec | None = None
    #: HGQ2's ``praq``, after ``QGRU``'s gate activation (``2 * n_units`` elements: update, then reset).
    gate_quantizer: QuantizerSpec | None = None
    #: HGQ2's ``rhq``, on ``QGRU``'s recurrent candidate term before the reset gate (``reset_after``), else on the
    #: reset state.
    recurrent_hidden_quantizer: QuantizerSpec | None = None
    #: HGQ2's ``oq``, on a spiking cell's graded spikes.
    output_quantizer: QuantizerSpec | None = None

    @property
    def constants(self) -> list[np.ndarray]:
        """The constant arrays inlined in the C++: the kernels, or ``QLIF``'s decay."""
        values = (self.beta,) if self.cell == 'snn' else (self.kernel, self.recurrent_kernel)
        return [v for v in values if v is not None]
