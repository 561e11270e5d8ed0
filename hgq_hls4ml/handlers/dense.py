"""QDense and QBatchNormDense -> hls4ml ``Dense``."""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING

from .base import NodeConfig, node_config, to_numpy
from .qlayer import QLayerHandler

if TYPE_CHECKING:
    from hgq.layers import QDense


class QDenseHandler(QLayerHandler):
    handles = ('hgq.layers.core.dense.QDense', 'hgq.layers.core.dense.QBatchNormDense')

    def core(self, layer: QDense, src: str, dst: str, in_shape, out_shape) -> list[NodeConfig]:
        kernel = to_numpy(layer.qkernel)
        bias = None if layer.qbias is None else to_numpy(layer.qbias)
        attrs = dict(weight_data=kernel, bias_data=bias, n_in=in_shape[-1], n_out=out_shape[-1])
        attrs['use_bias'] = bias is not None
        if len(in_shape) > 1:
            attrs['parallelization_factor'] = int(layer.parallelization_factor or prod(in_shape[:-1]))
        return [node_config(layer.name, 'Dense', [src], [dst], data_format='channels_last', **attrs)]
