"""Shared wiring of single-input HGQ2 layers: input quantizer -> core op -> activation -> output quantizer."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from ..analysis.families.activations import EXACT_ACTIVATIONS
from .base import Handler, NodeConfig, node_config, static_shape
from .quantizer import quantize_config, quantizer_problems

if TYPE_CHECKING:
    import keras


def activation_name(layer: keras.Layer, attr: str = 'activation') -> str:
    act = getattr(layer, attr, None)
    return 'linear' if act is None else getattr(act, '__name__', repr(act))


class QLayerHandler(Handler):
    """Base of single-input HGQ2 layers; subclasses build the core op in :meth:`core`."""

    #: The core applies the input quantizer itself (no ``HGQQuantize`` in front of it).
    core_quantizes_input: ClassVar[bool] = False

    def input_problems(self, layer: keras.Layer) -> list[str]:
        """Reasons the input quantizer has no exact firmware form."""
        return quantizer_problems(layer.iq, 'the input quantizer') if layer.enable_iq else []

    def problems(self, layer: keras.Layer) -> list[str]:
        found = self.input_problems(layer)
        if layer.enable_oq:
            found += quantizer_problems(layer.oq, 'the output quantizer')
        act = activation_name(layer)
        if act not in EXACT_ACTIVATIONS:
            found.append(
                f'activation {act!r} is computed in floating point; only {", ".join(EXACT_ACTIVATIONS)} are exact '
                '(use a QUnaryFunctionLUT layer for other functions)'
            )
        return found + self.option_problems(layer)

    def option_problems(self, layer: keras.Layer) -> list[str]:
        """Layer-specific reasons (none by default)."""
        return []

    @abstractmethod
    def core(self, layer: keras.Layer, src: str, dst: str, in_shape: tuple[int, ...], out_shape: tuple[int, ...]):
        """Configs of the layer's own arithmetic, from tensor ``src`` to tensor ``dst``."""

    def convert(
        self,
        layer: keras.Layer,
        in_tensors: Sequence[keras.KerasTensor],
        out_tensors: Sequence[keras.KerasTensor],
        quantized: str | None = None,
    ) -> list[NodeConfig]:
        """``quantized``: a tensor already holding ``layer.iq`` of the input (an input quantizer shared with another
        layer, emitted once)."""
        in_shape, out_shape = static_shape(in_tensors[0], layer), static_shape(out_tensors[0], layer)
        src, dst = in_tensors[0].name, out_tensors[0].name
        confs: list[NodeConfig] = []
        if quantized is not None:
            src = quantized
        elif layer.enable_iq and not self.core_quantizes_input:
            confs.append(quantize_config(layer.iq, in_shape, f'{layer.name}_iq', src, f'{src}@{layer.name}_iq'))
            src = confs[-1]['output_keras_tensor_names'][0]
        steps = [('core', None)]
        act = activation_name(layer)
        if act != 'linear':
            steps.append(('act', act))
        if layer.enable_oq:
            steps.append(('oq', None))
        for n, (kind, arg) in enumerate(steps):
            out = dst if n == len(steps) - 1 else f'{dst}@{layer.name}_{kind}'
            if kind == 'core':
                confs += self.core(layer, src, out, in_shape, out_shape)
            elif kind == 'act':
                confs.append(node_config(f'{layer.name}_{arg}', 'Activation', [src], [out], activation=arg))
            else:
                confs.append(quantize_config(layer.oq, out_shape, f'{layer.name}_oq', src, out))
            src = out
        return confs
