"""``HGQRecurrent``: HGQ2's ``QSimpleRNN``, ``QGRU``, ``QSimpleSNN`` and ``QLIF``, every time step bit-exact.

The C++ is one time loop over the fixed sequence length. Each step is generated element by element from the same
description that gives its exact ranges (:class:`Step`): matrix products accumulate in the narrowest type
holding their proven range (weights are inline constants), every HGQ2 quantizer is an exact ``ap_fixed`` cast of
its own element (with HGQ2's power-of-two ``affine`` after it: the hard sigmoid), and sums and products are stored
in the exact type of their range. A float32 activation (``tanh``, ``sigmoid``, ...) is Keras's own function made
exact over its input's proven range (:mod:`.activation_table`: a lookup table or a comparison tree; with the
quantizer after it for ``QGRU``). ``QSimpleRNN`` feeds back its pre-activation quantizer's output (through the
state quantizer if enabled), ``QGRU`` its state quantizer's: the state stays bounded whatever the sequence length.
The spiking cells feed back their membrane after the reset (through the state quantizer if enabled; without it the
membrane's range is followed over every step of the fixed-length sequence). Their float32 arithmetic (decay,
integration, subtractive reset) must be exact in float32, which the step checks; the spike is an exact comparison
``mem > threshold`` (HGQ2: ``mem - threshold > 0`` in float32, the same for exact values). io_stream buffers the
whole sequence around this function (see :func:`~.codegen.buffered_stream_source`).

Attributes (set by :mod:`hgq_hls4ml.handlers.recurrent`): ``cell`` (``'simple_rnn'``/``'gru'``/``'snn'``),
``keras_class``, ``n_timesteps``, ``n_in``, ``n_units``, ``return_sequences``, ``go_backwards``; RNN cells:
``reset_after``, ``kernel``, ``recurrent_kernel``, ``input_bias``, ``recurrent_bias`` (quantized Keras values),
``cell_activation``, ``cell_recurrent_activation`` (names), ``activation_tables`` (attribute name ->
:class:`~.activation_table.ActivationTable`, for those computed by table); spiking
cells: ``beta`` (per unit, ``None`` for ``QSimpleSNN``), ``threshold``, ``graded_spikes_factor`` (per unit),
``reset_mechanism``; and per cell quantizer (``sq``, ``paq``, ``praq``, ``rhq``, ``oq``; ``None`` if absent) a dict
of ``kif``, ``round_mode``, ``overflow_mode``, ``affine``. The exact-range rule stores the input's range (all
steps) as ``hgq_input_range``.
"""

from .cells import CONSTANTS
from .fixpoint import final_step, output_range
from .template import HGQRecurrent, HGQRecurrentFunctionTemplate

__all__ = ['CONSTANTS', 'HGQRecurrent', 'HGQRecurrentFunctionTemplate', 'final_step', 'output_range']
