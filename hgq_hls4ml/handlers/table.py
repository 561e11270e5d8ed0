"""QDenseT, QConvT1D, QConvT2D and QEinsumDenseT (HGQ2's table layers) -> ``HGQTableSum``.

HGQ2 broadcasts the input to a *pre-sum* tensor (for ``QDenseT`` of shape ``(..., n_in, n_out)``: every input
element once per output), quantizes it element by element (``iq``), maps each element through its own learned
sub-network (``n_hl`` hidden ``EinsumDense`` layers of ``d_hl`` units with ``subnn_activation``, then a linear
one; optional batch normalisation, divided by ``sqrt(n_in)``), quantizes the result (``toq``), sums over the
contracted axes and applies ``activation`` (and ``oq`` if enabled). Each pre-sum element is therefore a function
of one quantized input element: the firmware's table for it is computed by running the layer's own quantizers,
sub-network and batch normalisation (the Keras float32 path of ``call``, minus the broadcast and the sum) on
every code of the element's input type. Convolutions gather their patches with Keras's own ``extract_patches``.
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod, sqrt
from typing import TYPE_CHECKING

import numpy as np

from ..hgq2_api import apply_table_batch_norm, einsum_table_geometry, toq_input_shape
from ..layers.unary_lut import build_tables
from ..precision.fixed import normalize_overflow_mode, normalize_round_mode
from .base import NodeConfig, node_config, to_numpy
from .qlayer import QLayerHandler
from .quantizer import quantizer_kif, quantizer_problems
from .unary_lut import table_input_problems

if TYPE_CHECKING:
    from hgq.layers import QDenseT, QEinsumDenseT
    from hgq.layers.table import QConvTBase


def _is_einsum(layer) -> bool:
    from hgq.layers import QEinsumDenseT

    return isinstance(layer, QEinsumDenseT)


def _is_conv(layer) -> bool:
    from hgq.layers.table import QConvTBase

    return isinstance(layer, QConvTBase)


def presum_shape(layer: QDenseT | QEinsumDenseT) -> tuple[int, ...]:
    """Shape (no batch) of the tensor the layer quantizes, tabulates and sums (its ``toq`` was built for it)."""
    return toq_input_shape(layer)[1:]


def patch_sources(layer: QConvTBase, in_shape: tuple[int, ...]) -> np.ndarray:
    """Flat input index of each (output position..., patch element) of a table convolution, ``-1`` for padding:
    Keras's ``extract_patches``, as the layer calls it, applied to the (float32-exact) index of every element."""
    from keras import ops

    x = (np.arange(prod(in_shape), dtype=np.float32) + 1).reshape(1, *in_shape)
    if layer.rank == 1:
        x = x[:, :, None]
    patches = ops.image.extract_patches(x, **layer.im2col_params)
    if layer.rank == 1:
        patches = patches[:, :, 0]
    return np.rint(to_numpy(patches[0])).astype(np.int64) - 1


def presum_sources(layer: QDenseT | QEinsumDenseT, in_shape: tuple[int, ...]) -> np.ndarray:
    """Flat input index each pre-sum element reads (``-1``: padding), of :func:`presum_shape`."""
    shape = presum_shape(layer)
    if _is_conv(layer):
        return np.broadcast_to(patch_sources(layer, in_shape)[..., None], shape)
    index = np.arange(prod(in_shape))
    if _is_einsum(layer):
        return np.broadcast_to(index.reshape(einsum_table_geometry(layer)[0][1:]), shape)
    return np.broadcast_to(index.reshape(*in_shape, 1), shape)


def summed_axes(layer: QDenseT | QEinsumDenseT, rank: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Axes (no batch) of the rank-``rank`` pre-sum tensor summed over, and the permutation of the kept axes that
    gives the output (``QDenseT``/``QConvT``: the ``n_in`` axis, next to last; no permutation)."""
    if _is_einsum(layer):
        _, summed, transpose = einsum_table_geometry(layer)
        return tuple(a - 1 for a in summed), tuple(a - 1 for a in transpose[1:])
    return (rank - 2,), tuple(range(rank - 1))


def output_terms(shape: tuple[int, ...], summed: tuple[int, ...], perm: tuple[int, ...]) -> np.ndarray:
    """Flat pre-sum index of every term of every output element, shape ``(outputs, terms)``."""
    kept = [a for a in range(len(shape)) if a not in summed]
    ids = np.arange(prod(shape)).reshape(shape).transpose(*kept, *summed)
    ids = ids.reshape(*(shape[a] for a in kept), -1)
    return ids.transpose(*perm, len(kept)).reshape(-1, ids.shape[-1])


def subnetwork(layer: QDenseT | QEinsumDenseT) -> Callable[[np.ndarray], np.ndarray]:
    """The pre-sum part of the layer's ``call`` at inference: input quantizer, sub-network, batch normalisation,
    table output quantizer, element by element, as a function of a float32 batch of pre-sum tensors."""

    def fn(x: np.ndarray) -> np.ndarray:
        t = layer.module(layer.iq(x, training=False)[..., None], training=False)
        if _is_einsum(layer):
            t = apply_table_batch_norm(layer, t)
        elif layer.enable_bn:
            t = layer.bn_module(t, training=False) / sqrt(layer.n_in)
        return to_numpy(layer.toq(t, training=False))

    return fn


def table_sum_attributes(layer: QDenseT | QEinsumDenseT, in_shape: tuple[int, ...]) -> dict:
    """The ``HGQTableSum`` attributes of a table layer applied to an input of ``in_shape`` (no batch)."""
    shape = presum_shape(layer)
    kif = quantizer_kif(layer.iq, shape)
    tables, ids = build_tables(subnetwork(layer), kif)
    terms = output_terms(shape, *summed_axes(layer, len(shape)))
    q = layer.iq.quantizer
    return {
        'source': presum_sources(layer, in_shape).ravel()[terms],
        'table_id': ids.ravel()[terms],
        'kif': tuple(a.ravel()[terms] for a in kif),
        'round_mode': normalize_round_mode(q.round_mode),
        'overflow_mode': normalize_overflow_mode(q.overflow_mode),
        'tables': tables,
    }


class QTableHandler(QLayerHandler):
    handles = (
        'hgq.layers.table.dense.QDenseT',
        'hgq.layers.table.dense.QEinsumDenseT',
        'hgq.layers.table.conv.QConvT1D',
        'hgq.layers.table.conv.QConvT2D',
    )
    core_quantizes_input = True

    def input_problems(self, layer: QDenseT | QEinsumDenseT) -> list[str]:
        return table_input_problems(layer, presum_shape(layer), 'the tables')

    def option_problems(self, layer: QDenseT | QEinsumDenseT) -> list[str]:
        found = quantizer_problems(layer.toq, 'the table output quantizer (toq)')
        if _is_conv(layer) and layer.data_format != 'channels_last':
            found.append(f'data_format={layer.data_format!r}; firmware convolutions are channels_last')
        if _is_einsum(layer) and (0 in einsum_table_geometry(layer)[1] or einsum_table_geometry(layer)[2][0] != 0):
            found.append(f'equation {layer.equation!r} sums over or moves the batch axis')
        return found

    def core(self, layer: QDenseT | QEinsumDenseT, src: str, dst: str, in_shape, out_shape) -> list[NodeConfig]:
        attrs = table_sum_attributes(layer, tuple(in_shape))
        return [node_config(layer.name, 'HGQTableSum', [src], [dst], out_shape=tuple(out_shape), **attrs)]
