"""Read-only queries on an hls4ml graph that every stage needs: whether the graph is ours, neighbours, element types,
and what our passes decided for a node. Imports nothing of the package but the precision math."""

from __future__ import annotations

from hls4ml.model.layers import Input, Layer

from .precision.fixed import FixedType, from_precision


def input_nodes(node: Layer) -> list[Layer]:
    if isinstance(node, Input):
        return []
    model = node.model
    return [model.graph[name] if name in model.graph else _producer(model, name) for name in node.inputs]


def _producer(model, var_name: str) -> Layer:
    """The node producing output variable ``var_name`` (multi-output nodes such as Clone)."""
    for n in model.graph.values():
        if var_name in n.outputs:
            return n
    raise KeyError(var_name)


def output_nodes(node: Layer) -> list[Layer]:
    outs = set(node.outputs)
    return [n for n in node.model.graph.values() if outs & set(n.inputs)]


def output_type(node: Layer) -> FixedType:
    return from_precision(node.get_output_variable().type.precision)


def input_type(node: Layer) -> FixedType:
    return from_precision(node.get_input_variable().type.precision)


def is_stream(node: Layer) -> bool:
    return node.model.config.get_config_value('IOType') == 'io_stream'


def fused_quantizer(node: Layer) -> tuple[int, int, int, str, str] | None:
    """``(k, i, f, round_mode, overflow_mode)`` of a quantizer folded into ``node``'s result type."""
    return node.get_attr('hgq_fused_quantizer')


def element_accumulators(node: Layer) -> list[FixedType | None] | None:
    """The accumulator type of each output element, flat (``None``: constantly zero), of a node summing each in a
    type of its own (set by ``hgq_exact_types``); ``None`` for every other node."""
    return node.get_attr('hgq_accumulators')


def truncated_frac(node: Layer) -> int | None:
    """Fractional bits the node's result keeps (floored) because no consumer reads lower bits, if set."""
    return node.get_attr('hgq_truncate_frac')


#: ModelGraph attribute set once the graph is known to come from our handlers.
GRAPH_MARK = '_hgq_hls4ml_graph'
#: The hls4ml class of our per-element quantizer (it need not carry a source tag: see :func:`is_hgq_graph`).
QUANTIZER_CLASS = 'HGQQuantize'


def is_tagged(node: Layer) -> bool:
    """Whether the node carries what our handlers put on theirs (an ``HGQQuantize``, a source tag)."""
    return node.class_name == QUANTIZER_CLASS or bool(node.get_attr('hgq_source_layer'))


def has_tagged_nodes(model) -> bool:
    """Whether some node of the graph still carries our handlers' tag."""
    return any(is_tagged(n) for n in model.graph.values())


def mark_graph(model) -> None:
    """Remember, for good, that the graph came from our handlers (see :func:`is_hgq_graph`)."""
    setattr(model, GRAPH_MARK, True)


def is_hgq_graph(model) -> bool:
    """True when the graph came from an HGQ2 model through hgq_hls4ml's handlers.

    The handlers tag their nodes (``hgq_source_layer``), but hls4ml's own rewrites replace nodes without it (a
    multidimensional ``Dense`` becomes a convolution, an io_stream ``Reshape`` a ``Repack``), and a folded
    quantizer leaves no ``HGQQuantize`` behind: a graph can lose every tag. So ``hgq_mark_graph``, before hls4ml's
    ``convert`` flow, marks the graph itself, for good.
    """
    return getattr(model, GRAPH_MARK, False) or has_tagged_nodes(model)


#: Model configuration key (written to the project's ``hls4ml_config.yml``): the Keras backend the model was
#: converted on, whose float32 arithmetic the firmware reproduces where Keras rounds (averages).
KERAS_BACKEND_KEY = 'HGQKerasBackend'


def float32_averages(model) -> dict[str, str]:
    """Nodes computing a float32 average as a Keras backend does: name -> its arithmetic."""
    return {
        n.name: n.get_attr('hgq_average_arithmetic')
        for n in model.graph.values()
        if n.get_attr('hgq_average_arithmetic') is not None and n.class_name.startswith('HGQ')
    }
