"""HGQ2's EBOPs (effective bit operations) per layer of a Keras model, without a training call."""

from __future__ import annotations

from typing import Any

from ..hgq2_api import layer_ebops


def keras_ebops(model: Any) -> dict[str, float]:
    """EBOPs of every layer with EBOPs enabled, keyed by layer name.

    The value is what HGQ2 assigns to ``layer.ebops`` in a training or tracing call (``_compute_ebops`` of the
    layer's input shapes with batch 1, times ``ebops_factor``), evaluated directly: such a call would also change
    the model (WRAP quantizers re-trace their integer bits, batch normalization updates its statistics).
    """
    from keras import ops

    found = {}
    for layer in model.layers:
        if not getattr(layer, 'enable_ebops', False):
            continue
        tensors = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
        shapes = [(1, *t.shape[1:]) for t in tensors]
        found[layer.name] = float(ops.convert_to_numpy(layer_ebops(layer, *shapes) * layer.ebops_factor))
    return found
