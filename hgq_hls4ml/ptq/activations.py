"""Activations: ``softmax`` -> ``QSoftmax``; any other element-wise function -> ``QUnaryFunctionLUT``, a table
indexed by a saturating input quantizer calibrated on the samples; ``relu`` and ``linear`` as they are.

They come as layers (``Activation``, ``Softmax``, ``LeakyReLU``, ``ELU``, a ``ReLU`` with options) or as the
``activation=`` of a Dense/convolution (built linear, the activation after it). Tables are exact in firmware (the
converter tabulates the Keras layer itself on every input code), so a piecewise-linear function such as a
power-of-two ``LeakyReLU`` is exact as a table too.

The softmax's own quantizers are fixed by the width ``B`` (``activation_bits``) and the row length ``N``, no
calibration: the stable softmax reads ``d = max - x >= 0``; ``exp(-d)`` (``B`` fractional bits, saturating at
``1 - 2**-B``) rounds to 0 once ``d > (B + 1) ln 2``, so ``d`` gets the integer bits up to there and saturates
beyond; the row sum (less than ``N``) gets ``ceil(log2 N)`` integer bits, its inverse (at most 1) ``B`` fractional
bits. A sample's probabilities all share the inverse, so the argmax is that of the quantized exponentials.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..handlers.qlayer import activation_name
from .base import Context, Mapper

if TYPE_CHECKING:
    import keras
    from hgq.quantizer import QuantizerConfig

    from .graph import Call

#: Keras activations that are not element-wise (softmax aside, which becomes a QSoftmax).
NOT_ELEMENTWISE = ('log_softmax', 'glu', 'sparsemax')
#: Copied as they are: exact on fixed-point values.
EXACT = ('linear', 'relu')

_A = 'keras.src.layers.activations.'


@dataclass(frozen=True)
class Activation:
    """A Keras activation function by name, with its keyword arguments, and the axes of a softmax."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    axis: tuple[int, ...] = (-1,)

    def problems(self) -> list[str]:
        if self.name in NOT_ELEMENTWISE:
            return [f'activation {self.name!r} is not element-wise and not a softmax: no table or HGQ2 layer for it']
        return []


def of_layer(layer: keras.Layer) -> Activation:
    """The activation an activation layer applies."""
    kind = type(layer).__name__
    if kind == 'Softmax':
        return Activation('softmax', axis=tuple(layer.axis) if isinstance(layer.axis, (list, tuple)) else (layer.axis,))
    if kind == 'LeakyReLU':
        return Activation('leaky_relu', {'negative_slope': float(layer.negative_slope)})
    if kind == 'ELU':
        return Activation('elu', {'alpha': float(layer.alpha)})
    if kind == 'ReLU':
        options = {'negative_slope': float(layer.negative_slope), 'threshold': float(layer.threshold)}
        if layer.max_value not in (None, float('inf')):
            options['max_value'] = float(layer.max_value)
        plain = options == {'negative_slope': 0.0, 'threshold': 0.0}
        return Activation('relu', {} if plain else options)
    return Activation(activation_name(layer))


def _softmax(act: Activation, x: keras.KerasTensor, name: str, ctx: Context) -> keras.KerasTensor:
    from hgq.layers import QSoftmax
    from hgq.quantizer import QuantizerConfig

    bits = ctx.widths.activation_bits
    rank = len(x.shape)
    n = math.prod(int(x.shape[a if a >= 0 else a + rank]) for a in act.axis)

    def conf(place: str, integers: int) -> QuantizerConfig:
        return QuantizerConfig(
            'kbi', place, k0=0, b0=bits, i0=integers, round_mode='RND', overflow_mode='SAT', heterogeneous_axis=()
        )

    return QSoftmax(
        axis=act.axis,
        stable=True,
        enable_iq=False,
        exp_iq_conf=conf('datalane', math.ceil(math.log2((bits + 1) * math.log(2)))),
        exp_oq_conf=conf('table', 0),
        inv_iq_conf=conf('datalane', max(0, math.ceil(math.log2(n)))),
        inv_oq_conf=conf('table', 0),
        name=name,
    )(x)


def table_output(bits: int) -> QuantizerConfig:
    """A table's output quantizer before :func:`~.calibrate.fit_tables` fits its sign and integer bits to the
    function's values: ``bits`` wide, per tensor, saturating."""
    from hgq.quantizer import QuantizerConfig

    return QuantizerConfig(
        'kbi', 'table', k0=1, b0=bits - 1, i0=bits // 2, round_mode='RND', overflow_mode='SAT', heterogeneous_axis=()
    )


def apply(
    act: Activation, x: keras.KerasTensor, name: str, ctx: Context, source: keras.KerasTensor | None = None
) -> keras.KerasTensor:
    """``act`` applied to ``x`` (made from the float model's tensor ``source``) by the layer named ``name``."""
    import keras
    from hgq.layers import QUnaryFunctionLUT

    from .functions import Elementwise

    if act.name == 'linear':
        return x
    if act.name == 'relu' and not act.kwargs:
        return keras.layers.Activation('relu', name=name)(x)
    if act.name == 'softmax':
        return _softmax(act, x, name, ctx)
    function = Elementwise(act.name, act.kwargs) if act.kwargs else act.name
    iq_conf, oq_conf = ctx.input_conf(source, table=True), table_output(ctx.widths.activation_bits)
    return QUnaryFunctionLUT(function, iq_conf=iq_conf, oq_conf=oq_conf, name=name)(x)


def fused(layer: keras.Layer) -> Activation:
    """The ``activation=`` of a Dense/convolution."""
    return Activation(activation_name(layer))


class ActivationMapper(Mapper):
    """Activation layers: copied (relu), dropped (linear), a QSoftmax or a table."""

    handles = (
        f'{_A}activation.Activation',
        f'{_A}softmax.Softmax',
        f'{_A}leaky_relu.LeakyReLU',
        f'{_A}elu.ELU',
        f'{_A}relu.ReLU',
    )

    def quantizes(self, layer: keras.Layer) -> bool:
        return of_layer(layer).name not in (*EXACT, 'softmax')

    def shape_only(self, layer: keras.Layer) -> bool:
        return of_layer(layer).name == 'linear'

    def problems(self, layer: keras.Layer, ctx: Context) -> list[str]:
        return of_layer(layer).problems()

    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        layer, act = call.layer, of_layer(call.layer)
        if act.name == 'relu' and not act.kwargs:
            return type(layer).from_config(layer.get_config())(inputs[0])
        return apply(act, inputs[0], layer.name, ctx, call.inputs[0])
