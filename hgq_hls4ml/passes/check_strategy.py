"""Pass ``hgq_check_strategy``: layers asked for a strategy they have no form for are refused, all at once, or built
with the one they have.

hls4ml's ``Dense``/``Conv1D``/``Conv2D``/``EinsumDense`` honour ``Strategy: distributed_arithmetic`` themselves
(``hgq_exact_accumulators`` leaves them to hls4ml then). A layer type of ours that computes products of constant
kernels with no distributed-arithmetic form declares why in its class attribute ``no_distributed_arithmetic``;
asked for that strategy, at the model or the layer level, it is refused before any file is written. The kernel and
bias of the others are kept in ``hgq_da_constants`` (hls4ml's DA templates delete ``weight`` and ``bias``).

hls4ml implements ``EinsumDense`` and ``Einsum`` with the latency strategy only: asked for ``Resource`` (e.g. at
the model level, for its dense layers), upstream hls4ml fails with a ``TypeError`` in Vitis's resource check or an
assertion in the config template. They are built fully parallel instead, with a :class:`StrategyWarning`.
"""

from __future__ import annotations

import warnings

from hls4ml.model.layers import Einsum, EinsumDense

from .. import hls4ml_api
from ..da import DA_CONSTANTS
from ..errors import StrategyWarning, UnsupportedLayerError
from ..options import DA_NAMES, spelled
from .base import HGQModelPass

#: hls4ml layers whose only implementation is the latency one (besides distributed arithmetic for EinsumDense).
LATENCY_ONLY = (EinsumDense, Einsum)


def _hls4ml_class(node) -> str:
    return next(cls.__name__ for cls in LATENCY_ONLY if isinstance(node, cls))


def _resource_without_form(node) -> bool:
    return isinstance(node, LATENCY_ONLY) and node.model.config.get_strategy(node).lower() == 'resource'


class CheckStrategy(HGQModelPass):
    def run(self, model) -> None:
        problems = []
        latency = [node for node in model.graph.values() if _resource_without_form(node)]
        if latency:
            names = ', '.join(f'{n.name} ({_hls4ml_class(n)})' for n in latency)
            warnings.warn(
                f"Strategy 'Resource': hls4ml implements EinsumDense and Einsum with the Latency strategy only; "
                f'built fully parallel (their ReuseFactor still sets the initiation interval): {names}',
                StrategyWarning,
                stacklevel=2,
            )
            for node in latency:
                hls4ml_api.set_layer_strategy(node, 'latency')
        for node in model.graph.values():
            if model.config.get_strategy(node).lower() not in DA_NAMES:
                continue
            if node.get_attr('weight_data') is not None:  # hls4ml's DA templates delete them; ranges and cost need them
                node.set_attr(DA_CONSTANTS, (node.get_attr('weight_data'), node.get_attr('bias_data')))
            reason = getattr(type(node), 'no_distributed_arithmetic', None)
            if reason is None:
                continue
            problems.append(
                (
                    node.get_attr('hgq_source_layer') or node.name,
                    node.get_attr('hgq_source_class') or node.class_name,
                    f"Strategy 'distributed_arithmetic': {reason}; set "
                    + spelled(
                        f"hls_config['LayerName'][{node.name!r}]['Strategy'] = 'Latency'",
                        f'hls_config.LayerName.{node.name}.Strategy: Latency in the --config file',
                    )
                    + ' to build this layer fully parallel',
                )
            )
        if problems:
            raise UnsupportedLayerError(problems)
