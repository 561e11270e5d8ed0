"""Every read or write of a Keras or HGQ2 private attribute, in one place (as :mod:`.hls4ml_api` is for hls4ml).

Keras 3 keeps a functional model's call graph in private attributes (``_inbound_nodes``, ``_keras_history``, ...);
HGQ2 keeps a quantizer's bit-width variables and some layers' derived constants in private ones too. When either
renames one, this module is the only place to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras

__all__ = [
    'AttentionParts',
    'apply_table_batch_norm',
    'assign_bits',
    'assign_integer_bits',
    'attention_parts',
    'average_scale',
    'batchnorm_scale_and_offset',
    'call_arguments',
    'einsum_table_geometry',
    'functional_node_keys',
    'inbound_nodes',
    'layer_ebops',
    'outbound_nodes',
    'producer',
    'quantizer_bits',
    'quantizer_integer_bits',
    'quantizer_keep_negative',
    'sublayers',
    'toq_input_shape',
]

# --- Keras's functional graph -------------------------------------------------------------------------------------


def inbound_nodes(op: Any) -> list:
    """The call nodes of a Keras operation (layer), one per call; none for an object that is not one."""
    return list(getattr(op, '_inbound_nodes', []))


def outbound_nodes(op: Any) -> list:
    """The call nodes that read the operation's outputs."""
    return list(getattr(op, '_outbound_nodes', []))


def producer(tensor: keras.KerasTensor) -> keras.Operation:
    """The operation (layer, or ``InputLayer`` for a model input) that produced a symbolic tensor."""
    return tensor._keras_history.operation


def call_arguments(layer: keras.Layer, node: Any) -> dict[str, Any]:
    """The arguments of one call ``node`` of ``layer``, by parameter name, defaults applied."""
    bound = layer._call_signature.bind(*node.arguments.args, **node.arguments.kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def functional_node_keys(model: keras.Model) -> set | None:
    """Keys of the call nodes that belong to ``model`` (a Sequential's graph is its ``_functional``), or ``None``
    when the model keeps none."""
    return getattr(getattr(model, '_functional', None) or model, '_nodes', None)


def sublayers(layer: keras.Layer) -> list:
    """The layers a layer tracks directly (HGQ2's quantizers of a layer among them)."""
    return list(layer._layers)


# --- HGQ2 quantizers ----------------------------------------------------------------------------------------------


def quantizer_keep_negative(qi: Any) -> np.ndarray:
    """``k`` of an HGQ2 fixed-point quantizer's internals (``q.quantizer``)."""
    return np.asarray(qi._k, dtype=np.float64)


def quantizer_integer_bits(qi: Any) -> np.ndarray:
    """``i`` of a ``kif``-parametrised quantizer."""
    return np.asarray(qi._i, dtype=np.float64)


def quantizer_bits(qi: Any) -> np.ndarray:
    """``b`` (bits besides the sign) of a ``kbi``-parametrised quantizer."""
    return np.asarray(qi._b, dtype=np.float64)


def assign_integer_bits(qi: Any, values: Any) -> None:
    """Set ``i`` of a ``kif``-parametrised quantizer (cast to its variable's dtype)."""
    from keras import ops

    qi._i.assign(ops.cast(values, qi._i.dtype))


def assign_bits(qi: Any, bits: Any) -> None:
    """Set ``b`` of a ``kbi``-parametrised quantizer, broadcast to its shape (cast to its variable's dtype)."""
    from keras import ops

    qi._b.assign(ops.cast(np.broadcast_to(bits, qi._b.shape), qi._b.dtype))


def assign_keep_negative(qi: Any, k: Any) -> None:
    """Set ``k`` of an HGQ2 fixed-point quantizer, broadcast to its shape (cast to its variable's dtype)."""
    from keras import ops

    qi._k.assign(ops.cast(np.broadcast_to(k, qi._k.shape), qi._k.dtype))


def has_bit_widths(qi: Any) -> bool:
    """Whether a quantizer's internals are a ``kbi`` fixed-point quantizer's (``k``, ``b``, ``i``)."""
    return hasattr(qi, '_b') and hasattr(qi, '_i') and hasattr(qi, '_k')


def quantizer_state(qi: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Copies of a ``kbi`` quantizer's ``(k, b, i)``, in their variables' dtypes (see :func:`set_quantizer_state`)."""
    return tuple(np.array(v) for v in (qi._k, qi._b, qi._i))


def set_quantizer_state(qi: Any, state: tuple[Any, Any, Any]) -> None:
    """Set a ``kbi`` quantizer's ``(k, b, i)`` (as :func:`quantizer_state` returns them)."""
    k, b, i = state
    assign_keep_negative(qi, k)
    assign_bits(qi, b)
    assign_integer_bits(qi, i)


# --- HGQ2 layers --------------------------------------------------------------------------------------------------


def average_scale(layer: keras.Layer) -> float:
    """The constant factor of ``QAveragePow2`` (a power of two)."""
    return layer._scale


def batchnorm_scale_and_offset(layer: keras.Layer) -> tuple[Any, Any]:
    """``QBatchNormalization``'s folded per-channel scale and offset (what its ``kq`` and ``bq`` quantize)."""
    return layer._scaler_and_offset()


def layer_ebops(layer: keras.Layer, *input_shapes: tuple) -> Any:
    """HGQ2's EBOPs of a layer for the given input shapes (batch first), before its ``ebops_factor``."""
    return layer._compute_ebops(*input_shapes)


def toq_input_shape(layer: keras.Layer) -> tuple:
    """The shape (batch first) a table layer's ``toq`` quantizer was built for: its pre-sum tensor."""
    return tuple(layer.toq._build_shapes_dict['input_shape'])


def einsum_table_geometry(layer: keras.Layer) -> tuple[tuple, tuple, tuple]:
    """``QEinsumDenseT``'s input broadcast shape, summed axes and output permutation (batch axis included)."""
    return tuple(layer._bcast[0]), tuple(layer._contract_axes), tuple(layer._output_transpose)


def apply_table_batch_norm(layer: keras.Layer, t: Any) -> Any:
    """``QEinsumDenseT``'s batch normalisation of its tables' outputs, at inference."""
    return layer._apply_batch_norm(t, training=False)


@dataclass(frozen=True)
class AttentionParts:
    """What a Keras/HGQ2 multi-head attention layer keeps privately: its sub-layers and equations."""

    layer: Any
    #: Projection sub-layers by name (``query_dense``, ``key_dense``, ``value_dense``, ``output_dense`` and, for
    #: Linformer, ``lin_k_proj``, ``lin_v_proj``).
    projections: dict[str, Any]
    softmax: Any
    dot_product_equation: str
    combine_equation: str
    attention_axes: tuple[int, ...]
    inverse_sqrt_key_dim: float
    value_dim: int

    def mask(self, query: np.ndarray, value: np.ndarray, use_causal_mask: bool) -> Any:
        """The attention mask Keras builds for these inputs (``None``: every position kept)."""
        return self.layer._compute_attention_mask(query, value, use_causal_mask=use_causal_mask)


#: Projection sub-layers an attention layer may have, by their public name.
ATTENTION_PROJECTIONS = ('query_dense', 'key_dense', 'value_dense', 'output_dense', 'lin_k_proj', 'lin_v_proj')


def attention_parts(layer: keras.Layer) -> AttentionParts:
    """The private parts of a (Q)MultiHeadAttention or QLinformerAttention layer."""
    return AttentionParts(
        layer=layer,
        projections={name: getattr(layer, f'_{name}') for name in ATTENTION_PROJECTIONS if hasattr(layer, f'_{name}')},
        softmax=layer._softmax,
        dot_product_equation=layer._dot_product_equation,
        combine_equation=layer._combine_equation,
        attention_axes=tuple(layer._attention_axes),
        inverse_sqrt_key_dim=layer._inverse_sqrt_key_dim,
        value_dim=layer._value_dim,
    )
