"""Whole-model check, run before any layer is converted: every problem is reported at once.

It runs once per conversion: our ``convert`` runs it first (:func:`one_check`), and hls4ml's own API (which calls
our handlers one layer at a time) at the first handler call. The layers a passing check covered are remembered
until the same call of a layer is converted again, which starts a new conversion (a model, even unchanged, is
checked again each time).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..errors import UnsupportedLayerError
from ..hgq2_api import inbound_nodes, outbound_nodes, producer

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
        nodes = inbound_nodes(op) + outbound_nodes(op)
        for node in nodes:
            neighbours = [node.operation] + [producer(t) for t in node.arguments.keras_tensors]
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
    _CHECKED.clear()
    layers = connected_layers(layer)
    problems = model_problems(layers)
    if problems:
        raise UnsupportedLayerError(problems)
    _CHECKED.covered.update(layers)


class _Checked:
    """The layers the last passing whole-model check covered, and the layer calls converted since."""

    def __init__(self) -> None:
        self.covered: weakref.WeakSet = weakref.WeakSet()
        self.converted: set[tuple[int, tuple[str, ...]]] = set()
        #: Inside :func:`one_check`: a layer call converted again is another parse of the same conversion.
        self.pinned = False

    def clear(self) -> None:
        self.covered.clear()
        self.converted.clear()


_CHECKED = _Checked()


def check_model_once(layer: keras.Layer, out_names: tuple[str, ...]) -> None:
    """:func:`check_model_of`, unless this conversion's check already covered ``layer``: the first call of a layer
    not covered, or converted a second time (a new conversion), checks the whole model."""
    call = (id(layer), out_names)
    if layer not in _CHECKED.covered or (call in _CHECKED.converted and not _CHECKED.pinned):
        check_model_of(layer)
    _CHECKED.converted.add(call)


@contextmanager
def one_check(layer: keras.Layer) -> Iterator[None]:
    """Check the model of ``layer`` (:func:`check_model_of`); inside, that check stands for every parse of it
    (our ``convert`` has hls4ml parse the model twice: for its configuration, then for the graph)."""
    check_model_of(layer)
    _CHECKED.pinned = True
    try:
        yield
    finally:
        _CHECKED.pinned = False
