"""Pass ``hgq_stream_einsum``: in io_stream, hls4ml's ``EinsumDense`` and ``Einsum`` (implemented for io_parallel
only) become our buffered :class:`~hgq_hls4ml.layers.HGQStreamEinsumDense`/:class:`~hgq_hls4ml.layers.HGQStreamEinsum`,
which keep every attribute and run hls4ml's io_parallel kernels on the buffered tensors."""

from __future__ import annotations

from ..graph import is_stream
from .base import HGQModelPass

#: hls4ml class name -> ours.
REPLACEMENTS = {'EinsumDense': 'HGQStreamEinsumDense', 'Einsum': 'HGQStreamEinsum'}


class StreamEinsum(HGQModelPass):
    def run(self, model) -> None:
        for node in list(model.graph.values()):
            if node.class_name in REPLACEMENTS and is_stream(node):
                new = model.make_node(
                    REPLACEMENTS[node.class_name], node.name, dict(node.attributes), node.inputs.copy(), node.outputs
                )
                model.replace_node(node, new)
