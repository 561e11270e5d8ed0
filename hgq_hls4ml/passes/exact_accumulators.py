"""Pass ``hgq_exact_accumulators``: ``Dense``, ``Conv1D`` and ``Conv2D`` get one accumulator type per output element.

Flat-input ``Dense`` becomes ``HGQDense``, channels-last convolutions ``HGQConv1D``/``HGQConv2D`` (see
:mod:`hgq_hls4ml.layers.exact_accum`), where hls4ml would use its fully parallel latency kernels (``io_parallel``,
latency strategy, reuse factor 1, no compression), which these replace output for output. The per-element types
are set later by ``hgq_exact_types``.
"""

from __future__ import annotations

import numpy as np
from hls4ml.model.layers import Layer

from ..analysis.graph import is_stream
from ..layers.windows import output_patch_index
from .base import HGQModelPass

#: hls4ml class name -> ours.
REPLACEMENTS = {'Dense': 'HGQDense', 'Conv1D': 'HGQConv1D', 'Conv2D': 'HGQConv2D'}


def fully_parallel(node: Layer) -> bool:
    config = node.model.config
    return (
        not is_stream(node)
        and config.get_strategy(node).lower() == 'latency'
        and config.get_reuse_factor(node) == 1
        and not config.get_compression(node)
    )


def patch_index(node: Layer) -> np.ndarray | None:
    """What each output position reads (see ``ExactAccumulators.patch_index``), or ``None`` if not replaceable."""
    shape = tuple(node.get_input_variable().shape)
    if node.class_name == 'Dense':
        return np.arange(shape[0])[None, :] if len(shape) == 1 else None
    if node.class_name in ('Conv1D', 'Conv2D') and node.get_attr('data_format', 'channels_last') == 'channels_last':
        return output_patch_index(node, shape[:-1])
    return None


class UseExactAccumulators(HGQModelPass):
    optional = True

    def run(self, model) -> None:
        for node in list(model.graph.values()):
            index = patch_index(node) if node.class_name in REPLACEMENTS and fully_parallel(node) else None
            if index is None:
                continue
            attrs = {k: v for k, v in node.attributes.items() if k not in ('weight', 'bias')}
            attrs['hgq_patch_index'] = index
            new = model.make_node(REPLACEMENTS[node.class_name], node.name, attrs, node.inputs.copy(), node.outputs)
            model.replace_node(node, new)
