"""Whole-model check, run before any layer is converted: every problem is reported at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import UnsupportedLayerError

if TYPE_CHECKING:
    import keras


def class_path(layer: keras.Layer) -> str:
    return f'{type(layer).__module__}.{type(layer).__name__}'


def connected_layers(layer: keras.Layer) -> list[keras.Layer]:
    """Every layer reachable from ``layer`` through inbound and outbound nodes, in discovery order."""
    seen: dict[int, keras.Layer] = {id(layer): layer}
    todo = [layer]
    while todo:
        op = todo.pop()
        nodes = list(getattr(op, '_inbound_nodes', [])) + list(getattr(op, '_outbound_nodes', []))
        for node in nodes:
            neighbours = [node.operation] + [t._keras_history.operation for t in node.arguments.keras_tensors]
            for nb in neighbours:
                if id(nb) not in seen:
                    seen[id(nb)] = nb
                    todo.append(nb)
    return list(seen.values())


def layer_problems(layer: keras.Layer) -> list[str]:
    """Why ``layer`` cannot be converted bit-exactly by hgq_hls4ml (empty if it can)."""
    from . import HANDLERS
    from .keras_layers import PASSTHROUGH_LAYERS

    path = class_path(layer)
    if path in HANDLERS:
        return HANDLERS[path].problems(layer)
    if path in PASSTHROUGH_LAYERS:
        return PASSTHROUGH_LAYERS[path](layer)
    if path.startswith('hgq.'):
        return ['this HGQ2 layer is not supported by hgq_hls4ml yet (set HGQ_HLS4ML_DISABLE=1 to try upstream hls4ml)']
    return ['not an HGQ2 layer: its floating-point arithmetic cannot be reproduced bit-exactly in fixed point']


def model_problems(layers: list[keras.Layer]) -> list[tuple[str, str, str]]:
    """``(layer name, class name, reason)`` for every problem in ``layers``."""
    return [(lay.name, type(lay).__name__, reason) for lay in layers for reason in layer_problems(lay)]


def check_model_of(layer: keras.Layer) -> None:
    """Raise :class:`UnsupportedLayerError` listing every problem of the model ``layer`` belongs to."""
    problems = model_problems(connected_layers(layer))
    if problems:
        raise UnsupportedLayerError(problems)
