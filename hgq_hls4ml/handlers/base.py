"""Handler base class: one HGQ2/Keras layer -> one or more hls4ml layer configs.

A handler lists the fully qualified Keras classes it converts in ``handles``. ``problems(layer)`` returns the
reasons a layer cannot be converted bit-exactly (empty when it can); ``convert`` builds the configs. The
plugin registers handler instances into hls4ml's Keras-3 converter under every name in ``handles``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..errors import ModelInputError
from .precheck import check_model_once

if TYPE_CHECKING:
    import keras

#: One hls4ml layer configuration (a node of the ModelGraph to be) as a handler emits it.
NodeConfig = dict[str, Any]


def static_shape(tensor: keras.KerasTensor, layer: keras.Layer) -> tuple[int, ...]:
    """Shape without the batch axis; every dimension must be known."""
    shape = tuple(tensor.shape[1:])
    if any(d is None for d in shape):
        raise ModelInputError(
            f'layer {layer.name!r} ({type(layer).__name__}): tensor {tensor.name!r} has shape {tensor.shape}; '
            'firmware needs every non-batch dimension fixed — build the model with a fully specified input shape'
        )
    return shape  # type: ignore[return-value]


def to_numpy(x: Any) -> np.ndarray:
    from keras import ops

    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


class Handler(ABC):
    """Base class of all hgq_hls4ml layer handlers."""

    handles: ClassVar[tuple[str, ...]] = ()

    def problems(self, layer: keras.Layer) -> list[str]:
        """Reasons this layer cannot be converted bit-exactly (none by default)."""
        return []

    @abstractmethod
    def convert(
        self, layer: keras.Layer, in_tensors: Sequence[keras.KerasTensor], out_tensors: Sequence[keras.KerasTensor]
    ) -> list[NodeConfig]:
        """The hls4ml layer configs for one call of ``layer``."""

    def __call__(
        self, layer: keras.Layer, in_tensors: Sequence[keras.KerasTensor], out_tensors: Sequence[keras.KerasTensor]
    ) -> tuple[NodeConfig, ...]:
        check_model_once(layer, tuple(t.name for t in out_tensors))
        confs = self.convert(layer, in_tensors, out_tensors)
        for conf in confs:
            conf.setdefault('hgq_source_layer', layer.name)
            conf.setdefault('hgq_source_class', type(layer).__name__)
        return tuple(confs)


def node_config(name: str, class_name: str, inputs: Sequence[str], outputs: Sequence[str], **attrs: Any) -> NodeConfig:
    """One hls4ml layer config, wired by Keras tensor names."""
    return {
        'name': name,
        'class_name': class_name,
        'input_keras_tensor_names': list(inputs),
        'output_keras_tensor_names': list(outputs),
        **attrs,
    }


def chain_configs(
    layer_name: str, src: str, dst: str, nodes: Sequence[tuple[str, str, dict]], main: str | None = None
) -> list[NodeConfig]:
    """Configs of a chain of nodes ``(suffix, class_name, attrs)`` from ``src`` to ``dst``; the node whose suffix is
    ``main`` (default: the last) takes the Keras layer's name, the others ``{layer_name}_{suffix}``."""
    main = nodes[-1][0] if main is None else main
    confs = []
    for n, (suffix, class_name, attrs) in enumerate(nodes):
        out = dst if n == len(nodes) - 1 else f'{dst}@{layer_name}_{suffix}'
        name = layer_name if suffix == main else f'{layer_name}_{suffix}'
        confs.append(node_config(name, class_name, [src], [out], **attrs))
        src = out
    return confs
