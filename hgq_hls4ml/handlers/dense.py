"""QDense and QBatchNormDense -> hls4ml ``Dense``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import NodeConfig, to_numpy
from .einsum_dense import dense_config
from .qlayer import QLayerHandler

if TYPE_CHECKING:
    from hgq.layers import QDense


class QDenseHandler(QLayerHandler):
    handles = ('hgq.layers.core.dense.QDense', 'hgq.layers.core.dense.QBatchNormDense')

    def core(self, layer: QDense, src: str, dst: str, in_shape, out_shape) -> list[NodeConfig]:
        kernel = to_numpy(layer.qkernel)
        bias = None if layer.qbias is None else to_numpy(layer.qbias)
        parallelization = layer.parallelization_factor
        return [dense_config(layer.name, src, dst, kernel, bias, in_shape, out_shape, parallelization)]
