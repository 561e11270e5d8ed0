"""QMultiHeadAttention, QLinformerAttention and their table variants (``...T``) -> their parts: Q/K/V projections
(EinsumDense, or HGQTableSum for the table variants' QEinsumDenseT), scores (Einsum), QSoftmax (HGQSoftmax), the
value combination (Einsum) and the output projection, each through our own handlers (io_parallel)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .base import Config, Handler, static_shape
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

#: Call arguments with no firmware form yet.
UNSUPPORTED_ARGUMENTS = (
    'query_mask',
    'value_mask',
    'key_mask',
    'attention_mask',
    'return_attention_scores',
    'use_causal_mask',
)


def score_shape(layer: QMultiHeadAttention) -> tuple[int, ...]:
    """Shape (no batch) of the attention scores: ``einsum(dot_product_equation, K, Q)``."""
    k, q = (np.zeros((1, *d.full_output_shape[1:])) for d in (layer._key_dense, layer._query_dense))
    return np.einsum(layer._dot_product_equation, k, q).shape[1:]


#: Handlers of the projection sub-layers, by class.
PROJECTIONS: dict[str, QLayerHandler] = {
    path: handler for handler in (QEinsumDenseHandler(), QTableHandler()) for path in handler.handles
}


def projection(part: keras.Layer) -> QLayerHandler:
    """The handler of a projection sub-layer (QEinsumDense or QEinsumDenseT)."""
    return PROJECTIONS[class_path(part)]


def call_arguments(layer: keras.Layer) -> dict:
    """The (only) call of ``layer`` in the model, with defaults applied."""
    node = layer._inbound_nodes[0]
    bound = layer._call_signature.bind(*node.arguments.args, **node.arguments.kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


class QMultiHeadAttentionHandler(Handler):
    handles = (
        'hgq.layers.attn.mha.QMultiHeadAttention',
        'hgq.layers.attn.linformer.QLinformerAttention',
        'hgq.layers.attn.mha.QMultiHeadAttentionT',
        'hgq.layers.attn.linformer.QLinformerAttentionT',
    )

    def problems(self, layer: QMultiHeadAttention) -> list[str]:
        found = []
        if len(layer._inbound_nodes) != 1:
            found.append(f'called {len(layer._inbound_nodes)} times; firmware needs one call per layer')
            return found
        args = call_arguments(layer)
        found += [f'{name} is not supported' for name in UNSUPPORTED_ARGUMENTS if args.get(name)]
        if layer._inverse_sqrt_key_dim != 1.0:
            found.append('queries are scaled in float32 outside the softmax tables')
        for part in ('_query_dense', '_key_dense', '_value_dense', '_output_dense', '_lin_k_proj', '_lin_v_proj'):
            if hasattr(layer, part):
                sub = getattr(layer, part)
                found += [f'{part.strip("_")}: {p}' for p in projection(sub).problems(sub)]
        found += [f'softmax: {p}' for p in softmax_problems(layer._softmax, score_shape(layer))]
        if layer.enable_oq:
            found += quantizer_problems(layer.oq, 'the output quantizer')
        return found

    @staticmethod
    def _linformer_projections(layer, key, value, tensor) -> tuple:
        """Configs projecting ``key`` and ``value`` (one shared projection when both are the same tensor)."""
        lin_k, lin_v = layer._lin_k_proj, layer._lin_v_proj
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

    def convert(
        self,
        layer: QMultiHeadAttention,
        in_tensors: Sequence[keras.KerasTensor],
        out_tensors: Sequence[keras.KerasTensor],
    ) -> list[Config]:
        from keras import KerasTensor

        args = call_arguments(layer)
        query = args['query']
        value = args['value'] if args['value'] is not None else query
        key = args['key'] if args['key'] is not None else value
        name = layer.name

        def tensor(part: str, shape) -> KerasTensor:
            return KerasTensor(shape=(None, *shape), name=f'{name}_{part}')

        q_dense, k_dense, v_dense, o_dense = (
            layer._query_dense,
            layer._key_dense,
            layer._value_dense,
            layer._output_dense,
        )
        Q, K, V = (tensor(p, d.full_output_shape[1:]) for p, d in (('Q', q_dense), ('K', k_dense), ('V', v_dense)))
        softmax = QSoftmaxHandler()
        confs = []
        if hasattr(layer, '_lin_k_proj'):  # Linformer: project keys and values along the sequence first
            key, value, lin_confs = self._linformer_projections(layer, key, value, tensor)
            confs += lin_confs
        scores = score_shape(layer)
        pre_score, score = tensor('pre_score', scores), tensor('score', scores)
        pre_out = tensor('pre_out', (*static_shape(query, layer)[:-1], layer.num_heads, layer._value_dim))
        out = out_tensors[0]
        projected = tensor('projected', static_shape(out, layer)) if layer.enable_oq else out

        confs += [
            *projection(q_dense).convert(q_dense, [query], [Q]),
            *projection(k_dense).convert(k_dense, [key], [K]),
            *projection(v_dense).convert(v_dense, [value], [V]),
            einsum_config(
                'scores',
                layer._dot_product_equation,
                [K.name, Q.name],
                pre_score.name,
                [K.shape[1:], Q.shape[1:]],
                scores,
            ),
            *softmax.convert(layer._softmax, [pre_score], [score]),
            einsum_config(
                'combine',
                layer._combine_equation,
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
