"""Read-only queries on an hls4ml graph: neighbours, element types, and what our passes decided for a node."""

from __future__ import annotations

from hls4ml.model.layers import Input, Layer

from ..precision.fixed import FixedType, from_precision


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


def truncated_frac(node: Layer) -> int | None:
    """Fractional bits the node's result keeps (floored) because no consumer reads lower bits, if set."""
    return node.get_attr('hgq_truncate_frac')


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
