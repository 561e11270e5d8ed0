"""hls4ml layer types added by the plugin, each with the template generating its C++."""

from __future__ import annotations

from .quantize import HGQQuantize, HGQQuantizeFunctionTemplate
from .softmax import HGQSoftmax, HGQSoftmaxFunctionTemplate
from .unary_lut import HGQUnaryLUT, HGQUnaryLUTFunctionTemplate

#: (layer class, function template) pairs the plugin registers for the Vivado and Vitis backends.
LAYERS = (
    (HGQQuantize, HGQQuantizeFunctionTemplate),
    (HGQUnaryLUT, HGQUnaryLUTFunctionTemplate),
    (HGQSoftmax, HGQSoftmaxFunctionTemplate),
)

__all__ = ['LAYERS', 'HGQQuantize', 'HGQSoftmax', 'HGQUnaryLUT']
