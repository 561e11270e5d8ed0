"""Pass ``hgq_materialize``: write into nodes what their C++ needs from the final exact ranges.

* ``HGQSoftmax`` with ``stable=False``: its exponent table is tabulated over the input's proven type (the handler
  leaves it deferred, holding the Keras table layer's function, which this replaces with plain arrays).
* ``HGQRecurrent``: ``hgq_input_range``, the input range of every time step, from which its C++ is generated.

It runs last among the type passes, when no range changes any more.
"""

from __future__ import annotations

from ..analysis.families.recurrent import step_input_range
from ..analysis.families.softmax import exponent_part
from ..analysis.graph import input_nodes
from ..analysis.ranges import propagate
from ..layers.recurrent import HGQRecurrent
from ..layers.softmax import HGQSoftmax
from .base import HGQModelPass


class Materialize(HGQModelPass):
    def run(self, model) -> None:
        ranges = propagate(model)
        for node in model.graph.values():
            if not isinstance(node, (HGQSoftmax, HGQRecurrent)):
                continue
            x = ranges[input_nodes(node)[0].name].out
            if isinstance(node, HGQSoftmax):
                node.set_attr('exp', exponent_part(node, x))
            else:
                node.set_attr('hgq_input_range', step_input_range(x))
