"""The HGQ2 0.2 layer classes and the stand-in handler of those hgq_hls4ml has no handler for.

Every class listed gets our handler if there is one, else :class:`RefuseHandler`, which runs the whole-model
check, so a model using an unconverted class fails with the complete list of problems instead of silently falling
back to upstream hls4ml's (non-exact) paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import UnsupportedLayerError
from .base import Handler, NodeConfig
from .precheck import layer_problems

if TYPE_CHECKING:
    import keras

#: Public layer classes of HGQ2 0.2 (classes with a handler of ours may be left out).
HGQ2_LAYER_CLASSES = (
    'hgq.layers.activation.QUnaryFunctionLUT',
    'hgq.layers.attn.linformer.QLinformerAttention',
    'hgq.layers.attn.mha.QMultiHeadAttention',
    'hgq.layers.attn.salt.QSALTAttention',
    'hgq.layers.batch_normalization.QBatchNormalization',
    'hgq.layers.conv.QConv1D',
    'hgq.layers.conv.QConv2D',
    'hgq.layers.core.dense.QBatchNormDense',
    'hgq.layers.core.dense.QDense',
    'hgq.layers.core.einsum_dense.QEinsumDense',
    'hgq.layers.einsum_dense_batchnorm.QEinsumDenseBatchnorm',
    'hgq.layers.ops.einsum.QEinsum',
    'hgq.layers.ops.merge.QAdd',
    'hgq.layers.ops.merge.QAveragePow2',
    'hgq.layers.ops.merge.QDot',
    'hgq.layers.ops.merge.QMaximum',
    'hgq.layers.ops.merge.QMinimum',
    'hgq.layers.ops.merge.QMultiply',
    'hgq.layers.ops.merge.QSubtract',
    'hgq.layers.pooling.QAveragePooling1D',
    'hgq.layers.pooling.QAveragePooling2D',
    'hgq.layers.pooling.QGlobalAveragePooling1D',
    'hgq.layers.pooling.QGlobalAveragePooling2D',
    'hgq.layers.pooling.QGlobalMaxPooling1D',
    'hgq.layers.pooling.QGlobalMaxPooling2D',
    'hgq.layers.pooling.QMaxPooling1D',
    'hgq.layers.pooling.QMaxPooling2D',
    'hgq.layers.rnn.gru.QGRU',
    'hgq.layers.rnn.simple_rnn.QSimpleRNN',
    'hgq.layers.snn.base.QLIF',
    'hgq.layers.snn.base.QLIFCell',
    'hgq.layers.snn.base.QSimpleSNN',
    'hgq.layers.snn.base.QSimpleSNNCell',
    'hgq.layers.softmax.QSoftmax',
)


class RefuseHandler(Handler):
    """Stands in for an HGQ2 class without a handler: reports every problem of the model."""

    def problems(self, layer: keras.Layer) -> list[str]:
        return layer_problems(layer)

    def convert(
        self, layer: keras.Layer, in_tensors: Sequence[keras.KerasTensor], out_tensors: Sequence[keras.KerasTensor]
    ) -> list[NodeConfig]:
        raise UnsupportedLayerError([(layer.name, type(layer).__name__, reason) for reason in self.problems(layer)])
