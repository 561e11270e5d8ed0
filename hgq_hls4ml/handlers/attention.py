"""QMultiHeadAttention, QLinformerAttention and their table variants (``...T``) -> their parts: Q/K/V projections
(EinsumDense, or HGQTableSum for the table variants' QEinsumDenseT), scores (Einsum), QSoftmax (HGQSoftmax), the
value combination (Einsum) and the output projection, each through our own handlers (in io_stream, the einsums
are buffered: :mod:`hgq_hls4ml.layers.stream_einsum`).

``fuse='qkv'``/``'kv'`` in HGQ2 0.2 shares the value projection's input quantizer with the query and/or key
projections (three projections still): the shared quantizer becomes one node feeding them. Static masks
(``use_causal_mask``, ``sliding_window``) are applied inside ``HGQSoftmax`` exactly as HGQ2's masked ``QSoftmax``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..hgq2_api import attention_parts, inbound_nodes
from ..hgq2_api import call_arguments as bound_arguments
from .base import Handler, NodeConfig, static_shape, to_numpy
from .einsum import einsum_config
from .einsum_dense import QEinsumDenseHandler
from .precheck import class_path
from .qlayer import QLayerHandler
from .quantizer import quantize_config, quantizer_problems
from .softmax import QSoftmaxHandler, softmax_problems
from .table import QTableHandler

if TYPE_CHECKING:
    import keras
    from hgq.layers import QMultiHeadAttention

#: Call arguments giving masks that depend on the input data (firmware masks are fixed by the shapes).
DATA_MASKS = ('query_mask', 'value_mask', 'key_mask', 'attention_mask')


def score_shape(layer: QMultiHeadAttention) -> tuple[int, ...]:
    """Shape (no batch) of the attention scores: ``einsum(dot_product_equation, K, Q)``."""
    parts = attention_parts(layer)
    k, q = (np.zeros((1, *parts.projections[d].full_output_shape[1:])) for d in ('key_dense', 'query_dense'))
    return np.einsum(parts.dot_product_equation, k, q).shape[1:]


#: Handlers of the projection sub-layers, by class.
PROJECTIONS: dict[str, QLayerHandler] = {
    path: handler for handler in (QEinsumDenseHandler(), QTableHandler()) for path in handler.handles
}


def projection(part: keras.Layer) -> QLayerHandler:
    """The handler of a projection sub-layer (QEinsumDense or QEinsumDenseT)."""
    return PROJECTIONS[class_path(part)]


def call_arguments(layer: keras.Layer) -> dict:
    """The (only) call of ``layer`` in the model, with defaults applied."""
    return bound_arguments(layer, inbound_nodes(layer)[0])


def static_mask(layer: QMultiHeadAttention, query, value, use_causal_mask: bool) -> np.ndarray | None:
    """The attention mask Keras builds from ``use_causal_mask`` and ``sliding_window`` (fixed by the shapes),
    expanded over the score shape as ``_masked_softmax`` does; ``None`` when every position is kept."""
    q, v = (np.zeros((1, *static_shape(t, layer)), dtype='float32') for t in (query, value))
    parts = attention_parts(layer)
    mask = parts.mask(q, v, use_causal_mask)
    if mask is None:
        return None
    scores = score_shape(layer)
    mask = to_numpy(mask).astype(bool)
    for _ in range(len(scores) + 1 - mask.ndim):
        mask = np.expand_dims(mask, -len(parts.attention_axes) * 2 - 1)
    mask = np.broadcast_to(mask, (1, *scores))[0]
    return None if mask.all() else mask


class QMultiHeadAttentionHandler(Handler):
    handles = (
        'hgq.layers.attn.mha.QMultiHeadAttention',
        'hgq.layers.attn.linformer.QLinformerAttention',
        'hgq.layers.attn.mha.QMultiHeadAttentionT',
        'hgq.layers.attn.linformer.QLinformerAttentionT',
    )

    def problems(self, layer: QMultiHeadAttention) -> list[str]:
        found = []
        if len(inbound_nodes(layer)) != 1:
            found.append(f'called {len(inbound_nodes(layer))} times; firmware needs one call per layer')
            return found
        args = call_arguments(layer)
        found += [
            f'{name} is not supported: it depends on the input data; firmware masks are static '
            '(use_causal_mask, sliding_window)'
            for name in DATA_MASKS
            if args.get(name) is not None
        ]
        if args.get('return_attention_scores'):
            found.append('return_attention_scores is not supported: firmware returns the attention output only')
        parts = attention_parts(layer)
        if parts.inverse_sqrt_key_dim != 1.0:
            found.append('queries are scaled in float32 outside the softmax tables')
        for part, sub in parts.projections.items():
            found += [f'{part}: {p}' for p in projection(sub).problems(sub)]
        found += [f'softmax: {p}' for p in softmax_problems(parts.softmax, score_shape(layer))]
        if layer.enable_oq:
            found += quantizer_problems(layer.oq, 'the output quantizer')
        return found

    @staticmethod
    def _linformer_projections(parts, key, value, tensor) -> tuple:
        """Configs projecting ``key`` and ``value`` (one shared projection when both are the same tensor)."""
        lin_k, lin_v = parts.projections['lin_k_proj'], parts.projections['lin_v_proj']
        key_in = tensor('lin_K', lin_k.full_output_shape[1:])
        confs = projection(lin_k).convert(lin_k, [key], [key_in])
        if lin_v is lin_k and value is key:
            return key_in, key_in, confs
        value_in = tensor('lin_V', lin_v.full_output_shape[1:])
        v_confs = projection(lin_v).convert(lin_v, [value], [value_in])
        if lin_v is lin_k:  # the same weights applied to a second tensor: distinct node names
            for conf in v_confs:
                conf['name'] = f'{conf["name"]}_value'
        return key_in, value_in, confs + v_confs

    @staticmethod
    def _projections(parts: Sequence[tuple]) -> list[NodeConfig]:
        """Configs of the projections ``(dense, input, output)``; an input quantizer that fused projections share
        (``fuse='qkv'``/``'kv'``) is emitted once per input tensor."""
        shared: dict[tuple[int, str], str] = {}
        confs = []
        for proj, src, dst in parts:
            handler = projection(proj)
            key = (id(proj.iq), src.name) if proj.enable_iq and not handler.core_quantizes_input else None
            part = handler.convert(proj, [src], [dst], quantized=shared.get(key))
            if key is not None and key not in shared:
                shared[key] = part[0]['output_keras_tensor_names'][0]
            confs += part
        return confs

    def convert(
        self,
        layer: QMultiHeadAttention,
        in_tensors: Sequence[keras.KerasTensor],
        out_tensors: Sequence[keras.KerasTensor],
    ) -> list[NodeConfig]:
        from keras import KerasTensor

        args = call_arguments(layer)
        query = args['query']
        value = args['value'] if args['value'] is not None else query
        key = args['key'] if args['key'] is not None else value
        name = layer.name

        def tensor(part: str, shape) -> KerasTensor:
            return KerasTensor(shape=(None, *shape), name=f'{name}_{part}')

        parts = attention_parts(layer)
        q_dense, k_dense, v_dense, o_dense = (
            parts.projections[p] for p in ('query_dense', 'key_dense', 'value_dense', 'output_dense')
        )
        Q, K, V = (tensor(p, d.full_output_shape[1:]) for p, d in (('Q', q_dense), ('K', k_dense), ('V', v_dense)))
        confs = []
        if 'lin_k_proj' in parts.projections:  # Linformer: project keys and values along the sequence first
            key, value, lin_confs = self._linformer_projections(parts, key, value, tensor)
            confs += lin_confs
        mask = static_mask(layer, query, value, args['use_causal_mask'])
        scores = score_shape(layer)
        pre_score, score = tensor('pre_score', scores), tensor('score', scores)
        pre_out = tensor('pre_out', (*static_shape(query, layer)[:-1], layer.num_heads, parts.value_dim))
        out = out_tensors[0]
        projected = tensor('projected', static_shape(out, layer)) if layer.enable_oq else out

        confs += [
            *self._projections(((q_dense, query, Q), (k_dense, key, K), (v_dense, value, V))),
            einsum_config(
                'scores',
                parts.dot_product_equation,
                [K.name, Q.name],
                pre_score.name,
                [K.shape[1:], Q.shape[1:]],
                scores,
            ),
            *QSoftmaxHandler().convert(parts.softmax, [pre_score], [score], mask),
            einsum_config(
                'combine',
                parts.combine_equation,
                [score.name, V.name],
                pre_out.name,
                [scores, V.shape[1:]],
                pre_out.shape[1:],
            ),
            *projection(o_dense).convert(o_dense, [pre_out], [projected]),
        ]
        if layer.enable_oq:
            confs.append(quantize_config(layer.oq, static_shape(out, layer), 'oq', projected.name, out.name))
        for conf in confs:
            conf['name'] = f'{name}_{conf["name"]}'
        return confs
