"""Post-training quantization: a float Keras model -> an HGQ2 model that ``convert``/``verify`` take as is.

``quantize(model, samples)`` maps each float layer to its HGQ2 equivalent (one module per layer family, like
``handlers/``: :mod:`.kernels`, :mod:`.normalization`, :mod:`.pooling`, :mod:`.merge`, :mod:`.passthrough`),
copies the weights (batch normalization folded in where it follows a Dense/convolution) and calibrates the
activations with HGQ2's ``trace_minmax`` (:mod:`.calibrate`). ``check(model, data)`` reports, for any HGQ2 model,
the values each quantizer saturates or wraps on data and the ``WRAP`` quantizers never calibrated.
"""

from __future__ import annotations

from .check import CheckReport, QuantizerCheck, check
from .model import quantize
from .report import QuantizeReport

__all__ = ['CheckReport', 'QuantizeReport', 'QuantizerCheck', 'check', 'quantize']
