"""Pass ``hgq_exact_accumulators``: ``Dense``, ``Conv1D`` and ``Conv2D`` get one accumulator type per output element.

Flat-input ``Dense`` becomes ``HGQDense``, channels-last convolutions ``HGQConv1D``/``HGQConv2D`` (see
:mod:`hgq_hls4ml.layers.exact_accum`), where hls4ml would use its fully parallel latency kernels (``io_parallel``,
latency strategy, reuse factor 1, no compression), which these replace output for output. The per-element types
are set later by ``hgq_exact_types``.
"""

from __future__ import annotations

from hls4ml.model.layers import Layer

from ..graph import is_stream
from .base import HGQModelPass

#: hls4ml class name -> ours.
REPLACEMENTS = {'Dense': 'HGQDense', 'Conv1D': 'HGQConv1D', 'Conv2D': 'HGQConv2D'}
#: Attributes of hls4ml's node that ours does not take: its weight variables (ours are made from the data) and
#: hls4ml's single accumulator type (ours are per element; the type would only be an unused typedef).
DROPPED = ('weight', 'bias', 'accum_t')


def fully_parallel(node: Layer) -> bool:
    config = node.model.config
    return (
        not is_stream(node)
        and config.get_strategy(node).lower() == 'latency'
        and config.get_reuse_factor(node) == 1
        and not config.get_compression(node)
    )


def replaceable(node: Layer) -> bool:
    """A flat-input ``Dense`` or a channels-last ``Conv1D``/``Conv2D`` built fully parallel."""
    if node.class_name not in REPLACEMENTS or not fully_parallel(node):
        return False
    if node.class_name == 'Dense':
        return len(node.get_input_variable().shape) == 1
    return node.get_attr('data_format', 'channels_last') == 'channels_last'


class UseExactAccumulators(HGQModelPass):
    optional = True

    def run(self, model) -> None:
        for node in list(model.graph.values()):
            if not replaceable(node):
                continue
            attrs = {k: v for k, v in node.attributes.items() if k not in DROPPED}
            new = model.make_node(REPLACEMENTS[node.class_name], node.name, attrs, node.inputs.copy(), node.outputs)
            model.replace_node(node, new)
