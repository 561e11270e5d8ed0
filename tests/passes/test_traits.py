"""Every layer type the plugin generates or receives from hls4ml's handlers is declared once, with a range rule."""

from hls4ml.model.layers import Layer

from hgq_hls4ml.analysis.families import DECLARED, traits_of
from hgq_hls4ml.analysis.traits import Floor
from hgq_hls4ml.layers import LAYERS


def _node(name: str, base: type = Layer) -> Layer:
    """A bare instance of a class called ``name`` derived from ``base``: ``traits_of`` reads only the class."""
    return type(name, (base,), {'__init__': lambda self: None})()


def test_every_layer_type_of_ours_has_a_range_rule():
    for cls, *_ in LAYERS:
        traits = traits_of(_node(cls.__name__, cls))
        assert traits is not None and traits.range is not None, cls.__name__


def test_backend_classes_are_found_by_name_and_move_values():
    for name in ('Repack', 'Clone'):
        node = _node(name)
        assert traits_of(node) is DECLARED[name] and traits_of(node).floor_of(node) is Floor.MOVES


def test_an_undeclared_type_has_no_traits():
    assert traits_of(_node('SomethingNew')) is None
