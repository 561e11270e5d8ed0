"""Pass ``hgq_hoist_quantizers``: move a quantizer that follows a reshape/flatten in front of it.

Quantization is element-wise, so ``quantize(reshape(x)) == reshape(quantize'(x))`` with the per-element
parameters reshaped back. In front of the reshape the quantizer sees the producer's layout (in io_stream its
packets), can fold into the producer, and the reshape stays a free in-place view.
"""

from __future__ import annotations

from hls4ml.model.layers import Reshape

from ..graph import input_nodes, output_nodes
from ..layers.element_quantizer import HGQQuantize
from .base import HGQModelPass


def hoistable(q: HGQQuantize) -> Reshape | None:
    (producer,) = input_nodes(q)
    if isinstance(producer, Reshape) and len(output_nodes(producer)) == 1 and len(producer.inputs) == 1:
        return producer
    return None


class HoistQuantizers(HGQModelPass):
    optional = True

    def run(self, model) -> None:
        moved = True
        while moved:
            moved = False
            for q in [n for n in model.graph.values() if isinstance(n, HGQQuantize)]:
                reshape = hoistable(q)
                if reshape is None:
                    continue
                shape = tuple(reshape.get_input_variable().shape)
                attrs = {key: q.get_attr(key) for key in ('round_mode', 'overflow_mode', 'hgq_source_layer')}
                attrs['kif'] = tuple(a.reshape(shape) for a in q.kif)
                model.remove_node(q)
                new = model.make_node(HGQQuantize, q.name, attrs, [reshape.inputs[0]])
                model.insert_node(new, before=reshape)
                moved = True
