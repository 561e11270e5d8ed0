"""hgq_hls4ml: bit-exact FPGA firmware from HGQ2 models through hls4ml.

Imported after Keras, it imports hgq2 too, which registers HGQ2's Keras classes: ``keras.models.load_model`` then
reads saved HGQ2 models. Before Keras is imported it does not: hls4ml imports this package to load the plugin, and
``import hls4ml`` must not pay Keras's import (seconds) for users who never touch Keras.
"""

from __future__ import annotations

import sys

import hls4ml  # noqa: F401  # loads hls4ml backends first; that registers this plugin

if 'keras' in sys.modules:
    try:
        import hgq  # noqa: F401  # registers HGQ2's Keras serializable classes
    except (ImportError, ValueError):  # no hgq2 or no usable Keras backend: never break `import hls4ml` (our plugin)
        pass

from .convert import convert
from .cost import CostReport, cost
from .csim import VerifyReport, verify
from .errors import (
    ArgumentError,
    CalibrationWarning,
    Float32Warning,
    HGQHls4mlError,
    InputPortWarning,
    InputPrecisionError,
    LayerPrecisionError,
    ModelInputError,
    OutputDirError,
    PrecisionWarning,
    StrategyWarning,
    SweepLockedError,
    UnsupportedLayerError,
)
from .options import MAX_TABLE_BITS, table_limit
from .plugin import PluginStatus, plugin_status
from .ptq import CheckReport, QuantizeReport, check, quantize
from .sweep import SweepResult, sweep

__version__ = '0.1.0'

__all__ = [
    'MAX_TABLE_BITS',
    'ArgumentError',
    'CalibrationWarning',
    'Float32Warning',
    'CheckReport',
    'CostReport',
    'HGQHls4mlError',
    'InputPortWarning',
    'InputPrecisionError',
    'LayerPrecisionError',
    'ModelInputError',
    'OutputDirError',
    'PrecisionWarning',
    'PluginStatus',
    'QuantizeReport',
    'StrategyWarning',
    'SweepLockedError',
    'SweepResult',
    'UnsupportedLayerError',
    'VerifyReport',
    'check',
    'convert',
    'cost',
    'plugin_status',
    'quantize',
    'sweep',
    'table_limit',
    'verify',
]
