"""hgq_hls4ml: bit-exact FPGA firmware from HGQ2 models through hls4ml."""

from __future__ import annotations

from .errors import (
    HGQHls4mlError,
    ModelInputError,
    OutputDirError,
    UnsupportedLayerError,
)
from .plugin import PluginStatus, plugin_status

__version__ = '0.1.0'

__all__ = [
    'HGQHls4mlError',
    'ModelInputError',
    'OutputDirError',
    'PluginStatus',
    'UnsupportedLayerError',
    'plugin_status',
]
