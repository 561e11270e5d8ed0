"""The float model as a list of layer calls in topological order, and the cut that ``until`` makes in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ArgumentError
from ..hgq2_api import functional_node_keys, inbound_nodes
from ..options import spelled
from .base import input_name

if TYPE_CHECKING:
    import keras


@dataclass(frozen=True)
class Call:
    """One call of a layer in the model: the tensors it reads and writes (the float model's own)."""

    layer: keras.Layer
    inputs: tuple[keras.KerasTensor, ...]
    outputs: tuple[keras.KerasTensor, ...]
    #: How many times the model calls this layer (a shared layer has more than one call).
    uses: int = 1


def _until(name: str) -> str:
    return spelled(f'until={name!r}', f'--until {name}')


class FloatGraph:
    """Layer calls of a Keras model (Sequential or functional), inputs first; ``producer`` and ``consumers`` of
    every tensor by ``id``."""

    def __init__(self, model: keras.Model):
        import keras
        from keras.src.ops.function import make_node_key

        self.model = model
        own = functional_node_keys(model)
        known = {id(t) for t in model.inputs}
        pending = [
            (layer, node)
            for layer in model.layers
            if not isinstance(layer, keras.layers.InputLayer)
            for index, node in enumerate(inbound_nodes(layer))
            if own is None or make_node_key(layer, index) in own  # calls of the layer in other models are not ours
        ]
        found: list[tuple[keras.Layer, object]] = []
        progress = True
        while progress:  # a node is taken once every tensor it reads is known: topological order
            progress = False
            for item in list(pending):
                layer, node = item
                if all(id(t) in known for t in node.input_tensors):
                    found.append(item)
                    pending.remove(item)
                    known.update(id(t) for t in node.output_tensors)
                    progress = True
        uses = {}
        for layer, _ in found:
            uses[id(layer)] = uses.get(id(layer), 0) + 1
        self.calls: list[Call] = [
            Call(layer, tuple(node.input_tensors), tuple(node.output_tensors), uses[id(layer)]) for layer, node in found
        ]
        self.producer = {id(t): call for call in self.calls for t in call.outputs}
        self.consumers: dict[int, list[Call]] = {}
        for call in self.calls:
            for t in call.inputs:
                self.consumers.setdefault(id(t), []).append(call)

    def call_of(self, name: str) -> Call:
        for call in self.calls:
            if call.layer.name == name:
                return call
        names = ', '.join(call.layer.name for call in self.calls)
        raise ArgumentError(f'{_until(name)}: model {self.model.name!r} has no such layer (its layers: {names})')

    def ancestors(self, tensors: list[keras.KerasTensor]) -> list[Call]:
        """The calls ``tensors`` depend on, in model order."""
        needed: set[int] = set()
        todo = list(tensors)
        while todo:
            call = self.producer.get(id(todo.pop()))
            if call is not None and id(call) not in needed:
                needed.add(id(call))
                todo.extend(call.inputs)
        return [call for call in self.calls if id(call) in needed]

    def cut(self, until: str | None) -> tuple[list[Call], list[keras.KerasTensor], list[Call]]:
        """``(kept calls, their outputs, left-out calls)``: the whole model, or ``until`` and every layer it depends
        on, with the layers after it left out; these must read nothing but ``until``'s output and each other's."""
        if until is None:
            return list(self.calls), list(self.model.outputs), []
        last = self.call_of(until)
        kept = self.ancestors(list(last.outputs))
        kept_ids = {id(call) for call in kept}
        left_out = [call for call in self.calls if id(call) not in kept_ids]
        readable = {id(t) for t in last.outputs} | {id(t) for call in left_out for t in call.outputs}
        for call in left_out:
            for t in call.inputs:
                if id(t) not in readable:
                    source = self.producer.get(id(t))
                    what = f'the output of {source.layer.name!r}' if source else f'the model input {input_name(t)!r}'
                    raise ArgumentError(
                        f'{_until(until)} does not cut model {self.model.name!r} in two: {call.layer.name!r}, left '
                        f'out, also reads {what}; name a layer every path from the inputs to the outputs goes through'
                    )
        return kept, list(last.outputs), left_out

    def inputs_of(self, calls: list[Call]) -> list[keras.KerasTensor]:
        """The model inputs ``calls`` read, in the model's order."""
        read = {id(t) for call in calls for t in call.inputs}
        return [t for t in self.model.inputs if id(t) in read]
