"""Pass ``hgq_check_strategy``: layers of ours asked for a strategy they have no form for are refused, all at once.

hls4ml's ``Dense``/``Conv1D``/``Conv2D``/``EinsumDense`` honour ``Strategy: distributed_arithmetic`` themselves
(``hgq_exact_accumulators`` leaves them to hls4ml then). A layer type of ours that computes products of constant
kernels with no distributed-arithmetic form declares why in its class attribute ``no_distributed_arithmetic``;
asked for that strategy, at the model or the layer level, it is refused before any file is written.
"""

from __future__ import annotations

from ..errors import UnsupportedLayerError
from .base import HGQModelPass

DA_NAMES = ('distributed_arithmetic', 'da')


class CheckStrategy(HGQModelPass):
    def run(self, model) -> None:
        problems = []
        for node in model.graph.values():
            reason = getattr(type(node), 'no_distributed_arithmetic', None)
            if reason is None or model.config.get_strategy(node).lower() not in DA_NAMES:
                continue
            problems.append(
                (
                    node.get_attr('hgq_source_layer') or node.name,
                    node.get_attr('hgq_source_class') or node.class_name,
                    f"Strategy 'distributed_arithmetic': {reason}; set hls_config['LayerName'][{node.name!r}]"
                    "['Strategy'] = 'Latency' to build this layer fully parallel",
                )
            )
        if problems:
            raise UnsupportedLayerError(problems)
