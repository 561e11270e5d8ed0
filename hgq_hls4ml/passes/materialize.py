"""Pass ``hgq_materialize``: write into nodes what their C++ needs from the final exact ranges.

* ``HGQSoftmax`` with ``stable=False``: its exponent table is tabulated over the input's proven type (the handler
  leaves it deferred, holding the Keras table layer's function, which this replaces with plain arrays).
* ``HGQRecurrent``: ``hgq_input_range``, the input range of every time step, from which its C++ is generated.

Each family declares what its nodes need (``LayerTraits.materialize``). It runs last among the type passes, when
no range changes any more.
"""

from __future__ import annotations

from ..analysis.families import declared
from ..analysis.ranges import propagate
from ..graph import input_nodes
from .base import HGQModelPass


class Materialize(HGQModelPass):
    def run(self, model) -> None:
        ranges = propagate(model)
        for node in model.graph.values():
            rule = declared(node).materialize
            if rule is not None:
                for name, value in rule(node, ranges[input_nodes(node)[0].name].out).items():
                    node.set_attr(name, value)
