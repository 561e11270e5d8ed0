"""Shared base of hgq_hls4ml's optimizer passes: each acts only on graphs built by our handlers.

``hls_config['SkipOptimizers']`` (which hls4ml 1.3 accepts but no longer applies) switches off our optional passes
by name; the passes bit-exactness depends on refuse to be skipped.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from hls4ml.model.optimizer import ModelOptimizerPass

from ..analysis.graph import KERAS_BACKEND_KEY
from ..errors import ConfigError
from ..hls4ml_api import selected_optimizers
from ..layers.quantize import HGQQuantize

#: ModelGraph attribute set once the graph is known to come from our handlers.
GRAPH_MARK = '_hgq_hls4ml_graph'


def is_hgq_graph(model) -> bool:
    """True when the graph came from an HGQ2 model through hgq_hls4ml's handlers.

    The handlers tag their nodes (``hgq_source_layer``), but hls4ml's own rewrites replace nodes without it (a
    multidimensional ``Dense`` becomes a convolution, an io_stream ``Reshape`` a ``Repack``), and a folded
    quantizer leaves no ``HGQQuantize`` behind: a graph can lose every tag. So ``hgq_mark_graph``, before hls4ml's
    ``convert`` flow, marks the graph itself, for good.
    """
    return getattr(model, GRAPH_MARK, False) or has_tagged_nodes(model)


def has_tagged_nodes(model) -> bool:
    """Whether some node still carries what our handlers put on theirs (an ``HGQQuantize``, a source tag)."""
    return any(isinstance(n, HGQQuantize) or n.get_attr('hgq_source_layer') for n in model.graph.values())


class MarkGraph(ModelOptimizerPass):
    """Pass ``hgq_mark_graph``: remember that the graph is ours while every node still carries its tag, and record
    the Keras backend it was converted on (:data:`~..analysis.graph.KERAS_BACKEND_KEY`)."""

    def __init__(self, name: str | None = None):
        self.name = name or type(self).__name__

    def transform(self, model) -> bool:
        if has_tagged_nodes(model):
            import keras

            setattr(model, GRAPH_MARK, True)
            model.config.config[KERAS_BACKEND_KEY] = keras.backend.backend()
        return False


def exact_types_follow(model) -> bool:
    """Our part of hls4ml's ``bit_exact`` stage on an HGQ2 graph: nothing yet. Whatever ``bit_exact`` says (True,
    False or None), the required passes of the flow ``hgq_hls4ml:exact`` later give every result, accumulator and
    constant its exact type, which is what hls4ml promises under ``bit_exact=True``; hls4ml's own range analysis
    knows none of our layer types."""
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
