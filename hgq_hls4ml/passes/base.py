"""Shared base of hgq_hls4ml's optimizer passes: each acts only on graphs built by our handlers."""

from __future__ import annotations

from abc import abstractmethod

from hls4ml.model.optimizer import ModelOptimizerPass

from ..layers.quantize import HGQQuantize


def is_hgq_graph(model) -> bool:
    """True when the graph came from an HGQ2 model through hgq_hls4ml's handlers."""
    return any(isinstance(n, HGQQuantize) or n.get_attr('hgq_source_layer') for n in model.graph.values())


class HGQModelPass(ModelOptimizerPass):
    """A whole-graph pass that runs once, and only on HGQ2 graphs."""

    def __init__(self):
        self.name = type(self).__name__

    def transform(self, model) -> bool:
        if not is_hgq_graph(model):
            return False
        self.run(model)
        return True

    @abstractmethod
    def run(self, model) -> None:
        """Apply the pass to an HGQ2 graph."""
