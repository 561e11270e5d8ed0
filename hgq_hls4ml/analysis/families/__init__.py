"""What the analyses know of each layer type, one module per layer family; :func:`traits_of` looks it up."""

from __future__ import annotations

from hls4ml.model.layers import Layer

from ..traits import Declarations, LayerTraits
from . import activations, merge, movement, pooling, products, quantizers, recurrent, softmax, tables

DECLARED: Declarations = {
    **quantizers.TRAITS,
    **tables.TRAITS,
    **softmax.TRAITS,
    **recurrent.TRAITS,
    **products.TRAITS,
    **activations.TRAITS,
    **movement.TRAITS,
    **merge.TRAITS,
    **pooling.TRAITS,
}


#: What is known of a layer type nobody declared: no range rule, nothing else.
UNDECLARED = LayerTraits(range=None)


def declared(node: Layer) -> LayerTraits:
    """The traits declared for ``node`` (:func:`traits_of`), else :data:`UNDECLARED`."""
    return traits_of(node) or UNDECLARED


def traits_of(node: Layer) -> LayerTraits | None:
    """The traits declared for ``node``'s class name (backend classes made at run time), else for its class or its
    nearest declared base class."""
    if node.class_name in DECLARED:
        return DECLARED[node.class_name]
    return next((DECLARED[cls] for cls in type(node).__mro__ if cls in DECLARED), None)
