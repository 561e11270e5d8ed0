"""Pass ``hgq_fuse_quantizers``: fold homogeneous quantizers into the type of the layer producing their input.

An ``ap_fixed`` assignment applies rounding and overflow, so a quantizer whose elements share one (k, i, f)
and whose mode is native to ``ap_fixed`` is exactly the producer's result type. Only a producer with no other
consumer is changed. Heterogeneous quantizers stay as ``HGQQuantize`` layers, and so does a quantizer that reads
the model input and is itself a model output (a model of one standalone quantizer needs a layer between its ports),
an unsigned quantizer feeding a padded max pooling (hls4ml pads with the MSB set, so that input needs a sign), and
a quantizer reading an input whose port type the user gave (the detector's format, which it then quantizes).
"""

from __future__ import annotations

from hls4ml.model.layers import Input

from ..analysis.families import traits_of
from ..analysis.families.pooling import feeds_padded_max_pooling
from ..analysis.port import user_port
from ..graph import fused_quantizer, input_nodes, output_nodes
from ..layers.element_quantizer import HGQQuantize
from ..precision.fixed import NATIVE_OVERFLOW_MODES, element_type
from .base import HGQModelPass


def fusible(q: HGQQuantize) -> bool:
    if not q.homogeneous or q.get_attr('overflow_mode') not in NATIVE_OVERFLOW_MODES:
        return False
    k, i, f = (int(a.flat[0]) for a in q.kif)
    if element_type(k, i, f, q.get_attr('round_mode'), q.get_attr('overflow_mode')) is None:
        return False
    (producer,) = input_nodes(q)
    if isinstance(producer, Input) and (set(q.outputs) & set(q.model.outputs) or user_port(producer) is not None):
        return False
    if k == 0 and feeds_padded_max_pooling(q):  # the result type gets a sign bit, which an unsigned quantizer lacks
        return False
    traits = traits_of(producer)
    return (
        traits is not None
        and traits.fuses_quantizer
        and fused_quantizer(producer) is None
        and len(output_nodes(producer)) == 1
    )


class FuseQuantizers(HGQModelPass):
    optional = True

    def run(self, model) -> None:
        for q in [n for n in model.graph.values() if isinstance(n, HGQQuantize)]:
            if not fusible(q):
                continue
            (producer,) = input_nodes(q)
            k, i, f = (int(a.flat[0]) for a in q.kif)
            producer.set_attr('hgq_fused_quantizer', (k, i, f, q.get_attr('round_mode'), q.get_attr('overflow_mode')))
            model.remove_node(q)
