"""The HGQ2 0.2 layer classes hgq_hls4ml has no handler for, and the stand-in handler refusing them.

Every class listed gets our handler if there is one, else :class:`RefuseHandler`, which runs the whole-model
check, so a model using an unconverted class fails with the complete list of problems instead of silently falling
back to upstream hls4ml's (non-exact) paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..errors import UnsupportedLayerError
from .base import Handler, NodeConfig
from .precheck import layer_problems

if TYPE_CHECKING:
    import keras

#: Public layer classes of HGQ2 0.2 that no handler of ours converts (refused, with the whole model's problems).
REFUSED_HGQ2_CLASSES = (
    'hgq.layers.attn.salt.QSALTAttention',
    'hgq.layers.snn.base.QLIFCell',
    'hgq.layers.snn.base.QSimpleSNNCell',
)


def hgq2_layer_classes(handled: Iterable[str]) -> tuple[str, ...]:
    """Every public HGQ2 layer class: the HGQ2 classes among ``handled`` (our handlers' ``handles``) and the
    refused ones."""
    return tuple(sorted({*(path for path in handled if path.startswith('hgq.')), *REFUSED_HGQ2_CLASSES}))


class RefuseHandler(Handler):
    """Stands in for an HGQ2 class without a handler: reports every problem of the model."""

    def problems(self, layer: keras.Layer) -> list[str]:
        return layer_problems(layer)

    def convert(
        self, layer: keras.Layer, in_tensors: Sequence[keras.KerasTensor], out_tensors: Sequence[keras.KerasTensor]
    ) -> list[NodeConfig]:
        raise UnsupportedLayerError([(layer.name, type(layer).__name__, reason) for reason in self.problems(layer)])
