"""Shared base of hgq_hls4ml's optimizer passes: each acts only on graphs built by our handlers.

``hls_config['SkipOptimizers']`` (which hls4ml 1.3 accepts but no longer applies) switches off our optional passes
by name; the passes bit-exactness depends on refuse to be skipped.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from hls4ml.model.optimizer import ModelOptimizerPass

from ..errors import ConfigError
from ..graph import KERAS_BACKEND_KEY, has_tagged_nodes, is_hgq_graph, mark_graph
from ..hls4ml_api import selected_optimizers


class MarkGraph(ModelOptimizerPass):
    """Pass ``hgq_mark_graph``: remember that the graph is ours while every node still carries its tag, and record
    the Keras backend it was converted on (:data:`~..graph.KERAS_BACKEND_KEY`)."""

    def __init__(self, name: str | None = None):
        self.name = name or type(self).__name__

    def transform(self, model) -> bool:
        if has_tagged_nodes(model):
            import keras

            mark_graph(model)
            model.config.config[KERAS_BACKEND_KEY] = keras.backend.backend()
        return False


def skipped(model, name: str) -> bool:
    """Whether the model's configuration (``SkipOptimizers``) leaves out the pass ``name``."""
    selected = selected_optimizers(model)
    return selected is not None and name not in selected


class HGQModelPass(ModelOptimizerPass):
    """A whole-graph pass that runs once, and only on HGQ2 graphs; ``optional`` ones may be skipped."""

    optional: ClassVar[bool] = False

    def __init__(self, name: str | None = None):
        self.name = name or type(self).__name__

    def transform(self, model) -> bool:
        if not is_hgq_graph(model):
            return False
        if skipped(model, self.name):
            if not self.optional:
                raise ConfigError(f'SkipOptimizers: pass {self.name!r} is needed for bit-exact firmware')
            return False
        self.run(model)
        return True

    @abstractmethod
    def run(self, model) -> None:
        """Apply the pass to an HGQ2 graph."""
