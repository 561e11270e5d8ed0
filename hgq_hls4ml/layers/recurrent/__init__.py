"""``HGQRecurrent``: HGQ2's ``QSimpleRNN``, ``QGRU``, ``QSimpleSNN`` and ``QLIF``, every time step bit-exact.

The C++ is one time loop over the fixed sequence length. Each step is generated element by element from the same
description that gives its exact ranges (:class:`~.tracer.Step`): matrix products accumulate in the narrowest type
holding their proven range (weights are inline constants), every HGQ2 quantizer is an exact ``ap_fixed`` cast of its
own element (with HGQ2's power-of-two ``affine`` after it: the hard sigmoid), and sums and products are stored in
the exact type of their range. A float32 activation (``tanh``, ``sigmoid``, ...) is Keras's own function made exact
over its input's proven range (:mod:`hgq_hls4ml.layers.activation_table`: a lookup table or a comparison tree; with
the quantizer after it for ``QGRU``). ``QSimpleRNN`` feeds back its pre-activation quantizer's output (through the
state quantizer if enabled), ``QGRU`` its state quantizer's: the state stays bounded whatever the sequence length.
The spiking cells feed back their membrane after the reset (through the state quantizer if enabled; without it the
membrane's range is followed over every step of the fixed-length sequence). Their float32 arithmetic (decay,
integration, subtractive reset) must be exact in float32, which the step checks; the spike is an exact comparison
``mem > threshold`` (HGQ2: ``mem - threshold > 0`` in float32, the same for exact values). io_stream buffers the
whole sequence around this function (see :func:`~hgq_hls4ml.layers.codegen.buffered_stream_source`).

The handler (:mod:`hgq_hls4ml.handlers.recurrent`) describes the layer in a :class:`~.spec.RecurrentSpec`.
Modules: :mod:`.spec` (that description), :mod:`.tracer` (one step traced element by element: ranges, C++ and operator
counts), :mod:`.cells` (each cell's step), :mod:`.fixpoint` (the state's range over the time steps) and
:mod:`.template` (the hls4ml layer and its C++).
"""

from .fixpoint import final_step, output_range
from .spec import ActivationSpec, QuantizerSpec, RecurrentSpec
from .template import HGQRecurrent, HGQRecurrentFunctionTemplate

__all__ = [
    'ActivationSpec',
    'HGQRecurrent',
    'HGQRecurrentFunctionTemplate',
    'QuantizerSpec',
    'RecurrentSpec',
    'final_step',
    'output_range',
]
