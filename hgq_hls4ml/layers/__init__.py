"""hls4ml layer types added by the plugin, each with the template generating its C++."""

from __future__ import annotations

from .average import (
    HGQAveragePooling1D,
    HGQAveragePooling2D,
    HGQAveragePoolingConfigTemplate,
    HGQAveragePoolingFunctionTemplate,
    HGQGlobalAveragePooling1D,
    HGQGlobalAveragePooling2D,
)
from .broadcast import HGQBroadcast, HGQBroadcastFunctionTemplate
from .exact_accum import (
    ExactAccumulators,
    HGQConv,
    HGQConv1D,
    HGQConv1DFunctionTemplate,
    HGQConv2D,
    HGQConv2DFunctionTemplate,
    HGQConv3D,
    HGQConv3DFunctionTemplate,
    HGQDense,
    HGQDenseFunctionTemplate,
)
from .quantize import HGQQuantize, HGQQuantizeFunctionTemplate
from .recurrent import HGQRecurrent, HGQRecurrentFunctionTemplate
from .softmax import HGQSoftmax, HGQSoftmaxFunctionTemplate
from .stream_einsum import (
    HGQStreamEinsum,
    HGQStreamEinsumConfigTemplate,
    HGQStreamEinsumDense,
    HGQStreamEinsumDenseConfigTemplate,
    HGQStreamEinsumDenseFunctionTemplate,
    HGQStreamEinsumFunctionTemplate,
)
from .table import HGQTableSum, HGQTableSumFunctionTemplate
from .unary_lut import HGQUnaryLUT, HGQUnaryLUTFunctionTemplate

#: (layer class, its templates) the plugin registers for the Vivado and Vitis backends.
LAYERS = (
    (HGQQuantize, HGQQuantizeFunctionTemplate),
    (HGQUnaryLUT, HGQUnaryLUTFunctionTemplate),
    (HGQSoftmax, HGQSoftmaxFunctionTemplate),
    (HGQDense, HGQDenseFunctionTemplate),
    (HGQConv1D, HGQConv1DFunctionTemplate),
    (HGQConv2D, HGQConv2DFunctionTemplate),
    (HGQConv3D, HGQConv3DFunctionTemplate),
    (HGQRecurrent, HGQRecurrentFunctionTemplate),
    (HGQTableSum, HGQTableSumFunctionTemplate),
    (HGQBroadcast, HGQBroadcastFunctionTemplate),
    (HGQStreamEinsumDense, HGQStreamEinsumDenseConfigTemplate, HGQStreamEinsumDenseFunctionTemplate),
    (HGQStreamEinsum, HGQStreamEinsumConfigTemplate, HGQStreamEinsumFunctionTemplate),
    (HGQAveragePooling1D, HGQAveragePoolingConfigTemplate, HGQAveragePoolingFunctionTemplate),
    (HGQAveragePooling2D,),
    (HGQGlobalAveragePooling1D,),
    (HGQGlobalAveragePooling2D,),
)

__all__ = [
    'LAYERS',
    'HGQAveragePooling1D',
    'HGQAveragePooling2D',
    'HGQGlobalAveragePooling1D',
    'HGQGlobalAveragePooling2D',
    'ExactAccumulators',
    'HGQConv',
    'HGQBroadcast',
    'HGQConv1D',
    'HGQConv2D',
    'HGQConv3D',
    'HGQDense',
    'HGQQuantize',
    'HGQRecurrent',
    'HGQSoftmax',
    'HGQStreamEinsum',
    'HGQStreamEinsumDense',
    'HGQTableSum',
    'HGQUnaryLUT',
]
