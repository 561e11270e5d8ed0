"""Keras/HGQ2 layers -> hls4ml layer configs, one module per layer family."""

from __future__ import annotations

from .attention import QMultiHeadAttentionHandler
from .base import Handler
from .batchnorm import QBatchNormalizationHandler
from .conv import QConvHandler
from .dense import QDenseHandler
from .einsum import QEinsumHandler
from .einsum_dense import QEinsumDenseHandler
from .keras_layers import PASSTHROUGH_LAYERS
from .merge import QMergeHandler
from .pooling import QPoolingHandler
from .precheck import check_model_of, connected_layers, model_problems
from .quantizer import QuantizerHandler
from .recurrent import QRecurrentHandler
from .reduction import QReductionHandler
from .softmax import QSoftmaxHandler
from .table import QTableHandler
from .unary_lut import QUnaryFunctionLUTHandler

HANDLER_CLASSES: tuple[type[Handler], ...] = (
    QuantizerHandler,
    QDenseHandler,
    QEinsumDenseHandler,
    QEinsumHandler,
    QConvHandler,
    QBatchNormalizationHandler,
    QMergeHandler,
    QReductionHandler,
    QPoolingHandler,
    QUnaryFunctionLUTHandler,
    QSoftmaxHandler,
    QMultiHeadAttentionHandler,
    QRecurrentHandler,
    QTableHandler,
)

#: Keras class path -> handler instance.
HANDLERS: dict[str, Handler] = {path: cls() for cls in HANDLER_CLASSES for path in cls.handles}

__all__ = [
    'HANDLERS',
    'HANDLER_CLASSES',
    'PASSTHROUGH_LAYERS',
    'Handler',
    'check_model_of',
    'connected_layers',
    'model_problems',
]
