"""What every float -> HGQ2 layer mapping shares: the requested widths as HGQ2 quantizer configs, the mapping
context, the :class:`Mapper` base class, and HGQ2's own integer-bit rule applied to weights.

Widths count every bit, sign included. Weights (kernels, biases, batch-norm scales and offsets) are signed,
``SAT_SYM``, with ``weight_bits - 1`` magnitude bits and the fewest integer bits holding every weight (per output
channel, or per tensor). Activations are quantizers of ``activation_bits`` whose integer bits and sign HGQ2's
``trace_minmax`` calibrates on the samples (:mod:`.calibrate`), per channel (last axis) or per tensor: ``WRAP``, or
``SAT`` with ``margin`` integer bits more than the samples need (the model is then built twice, ``WRAP`` to trace).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..errors import ArgumentError
from ..hgq2_api import assign_integer_bits, producer, sublayers

if TYPE_CHECKING:
    import keras
    from hgq.quantizer import Quantizer, QuantizerConfig

    from .graph import Call

#: Narrowest and widest widths accepted: a sign and one bit, and 16 bits (sums of products of wider operands soon
#: outgrow float32's 24-bit mantissa: Keras's own result would no longer be exact).
MIN_BITS, MAX_BITS = 2, 16


@dataclass(frozen=True)
class Widths:
    """The requested bit widths as HGQ2 quantizer configs."""

    weight_bits: int = 8
    activation_bits: int = 8
    per_channel: bool = True
    #: ``'WRAP'`` or ``'SAT'``: what an activation quantizer does with a value beyond the calibrated range.
    overflow: str = 'WRAP'
    #: Integer bits a ``SAT`` activation quantizer gets beyond those the samples need.
    margin: int = 0
    #: Every activation quantizer ``WRAP`` (traced by ``trace_minmax``), whatever ``overflow`` says.
    tracing: bool = False

    def _axes(self) -> dict[str, tuple[int, ...]]:
        return {'heterogeneous_axis': (-1,) if self.per_channel else ()}

    def weight(self, place: str = 'weight') -> QuantizerConfig:
        """Kernels (``place='weight'``), biases, scales and offsets (``'bias'``): integer bits set by
        :func:`fit_integer_bits`."""
        from hgq.quantizer import QuantizerConfig

        return QuantizerConfig(
            'kbi',
            place,
            k0=1,
            b0=self.weight_bits - 1,
            i0=0,
            round_mode='RND',
            overflow_mode='SAT_SYM',
            **self._axes(),
        )

    def activation(self, table: bool = False) -> QuantizerConfig:
        """A layer input: ``b`` is set to ``activation_bits - k`` once the sign ``k`` is traced (:mod:`.calibrate`);
        until then an integer grid, ``i0 = b0`` (what :mod:`.check` calls uncalibrated). The input of a table
        (``table=True``) saturates: a function's value at the edge of the calibrated range beats a wrapped one."""
        from hgq.quantizer import QuantizerConfig

        bits = self.activation_bits
        overflow = 'WRAP' if self.tracing else 'SAT' if table else self.overflow
        return QuantizerConfig(
            'kbi', 'datalane', k0=1, b0=bits, i0=bits, round_mode='RND', overflow_mode=overflow, **self._axes()
        )


@dataclass
class Context:
    """What a mapper needs besides the float layer: the widths, the batch normalizations folded into the layer
    before them (producer name -> BatchNormalization), and the layer whose activation stays out of the firmware."""

    widths: Widths
    folds: dict[str, keras.Layer] = field(default_factory=dict)
    cut_activation: str | None = None
    #: Dense/convolution name -> the input scaling (Rescaling, Normalization) folded into its weights.
    input_folds: dict[str, keras.Layer] = field(default_factory=dict)
    #: ``id`` of a float-model tensor carrying a model input as is (through reshapes and folded scalings) -> the
    #: quantizer of the input's port format (``input_precision``), which reads it instead of a calibrated one.
    ports: dict[int, QuantizerConfig] = field(default_factory=dict)

    def input_conf(self, t: keras.KerasTensor | None, table: bool = False) -> QuantizerConfig:
        """The input quantizer of a layer reading float-model tensor ``t``: the port format if ``t`` carries a
        model input that has one, else a calibrated activation quantizer."""
        return self.ports.get(id(t)) or self.widths.activation(table)


class Mapper(ABC):
    """Maps the float Keras layers named in ``handles`` (fully qualified class paths) to HGQ2 layers."""

    handles: ClassVar[tuple[str, ...]] = ()
    #: The HGQ2 layer built quantizes what it reads (an input quantizer of its own).
    quantizes_input: ClassVar[bool] = False

    def quantizes(self, layer: keras.Layer) -> bool:
        """Whether what is built for ``layer`` quantizes what it reads."""
        return self.quantizes_input

    def shape_only(self, layer: keras.Layer) -> bool:
        """Whether what is built only reshapes or passes on what it reads (no new values), as the converter lets a
        model input go through on its way to a quantizer."""
        return False

    def problems(self, layer: keras.Layer, ctx: Context) -> list[str]:
        """Reasons ``layer`` has no HGQ2 equivalent (none by default); the firmware's own limits on the layers
        built are checked afterwards by the converter's handlers."""
        return []

    def float_tail(self, layer: keras.Layer) -> str | None:
        """The activation of ``layer`` left out when it is the last layer quantized (``until``); none by default."""
        return None

    @abstractmethod
    def build(self, call: Call, inputs: Sequence[keras.KerasTensor], ctx: Context) -> keras.KerasTensor:
        """The HGQ2 layer(s) applied to ``inputs`` (the new model's tensors), float weights copied in."""


def fit_integer_bits(q: Quantizer, values: Any) -> None:
    """The fewest integer bits that hold every one of ``values`` at the quantizer's width, per element of its
    bit-width map (HGQ2's own rule, ``get_minimal_i``), so that no weight saturates."""
    qi = q.quantizer
    assign_integer_bits(qi, qi.get_minimal_i(np.asarray(values, dtype=np.float32)))


def copy_weights(q: Quantizer, variable: Any, values: np.ndarray) -> None:
    """Assign float ``values`` to ``variable`` and fit its quantizer ``q`` to them."""
    variable.assign(np.asarray(values, dtype=np.float32))
    fit_integer_bits(q, values)


def input_name(t: keras.KerasTensor) -> str:
    """The name of the InputLayer that makes a model input."""
    return producer(t).name


def input_arrays(data: Any, model: keras.Model, what: str) -> list[np.ndarray]:
    """One float32 array per model input, from an array (one input) or a sequence of arrays, checked against the
    model's input shapes; ``what`` names the data in errors."""
    arrays = [np.asarray(a, np.float32) for a in (data if isinstance(data, (list, tuple)) else [data])]
    if len(arrays) != len(model.inputs):
        raise ArgumentError(f'{what}: {len(arrays)} array(s) for a model with {len(model.inputs)} input(s)')
    for t, a in zip(model.inputs, arrays):
        if a.shape[1:] != tuple(t.shape[1:]) or len(a) == 0 or len(a) != len(arrays[0]):
            raise ArgumentError(
                f'{what}: shape {a.shape} does not fit input {input_name(t)!r} of shape {tuple(t.shape)} '
                '(N >= 1 samples, as many for every input)'
            )
    return arrays


def quantizers_of(model: keras.Model) -> list[tuple[str, str, Quantizer]]:
    """``(name, layer, quantizer)`` for every HGQ2 quantizer of ``model``, nested ones included, in model order;
    ``layer`` is the model layer holding it. The inputs of a merge are named ``<layer>_iq[<n>]`` (HGQ2 numbers
    them ``quantizer``, ``quantizer_1``, ... across the whole model)."""
    from hgq.layers.core.base import MultipleQuantizers
    from hgq.quantizer import Quantizer

    found = []

    def walk(layer: Any, owner: str) -> None:
        for n, sub in enumerate(sublayers(layer)):
            if isinstance(sub, Quantizer):
                name = f'{owner}_iq[{n}]' if isinstance(layer, MultipleQuantizers) else sub.name
                found.append((name, owner, sub))
            walk(sub, owner)

    for layer in model.layers:
        if isinstance(layer, Quantizer):
            found.append((layer.name, layer.name, layer))
        walk(layer, layer.name)
    return found
