"""Cost report of a converted model: weight bits, multiplies, widths, a LUT/DSP proxy and HGQ2's EBOPs.

``cost(hls_model, keras_model=None)`` works on any hls4ml graph made from an HGQ2 model (this plugin's or
upstream's). The proxy's definitions are in :mod:`hgq_hls4ml.cost.proxy`.
"""

from __future__ import annotations

from ..analysis.counts import DSP_MIN_WIDTH
from .ebops import keras_ebops
from .proxy import cost
from .report import CostReport, LayerCost

__all__ = ['DSP_MIN_WIDTH', 'CostReport', 'LayerCost', 'cost', 'keras_ebops']
