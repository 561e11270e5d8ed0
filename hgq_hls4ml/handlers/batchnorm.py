"""QBatchNormalization -> hls4ml ``BatchNormalization`` with HGQ2's quantized scale and offset."""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING

import numpy as np

from .base import NodeConfig, node_config, to_numpy
from .qlayer import QLayerHandler

if TYPE_CHECKING:
    from hgq.layers import QBatchNormalization


class QBatchNormalizationHandler(QLayerHandler):
    handles = ('hgq.layers.batch_normalization.QBatchNormalization',)

    def option_problems(self, layer: QBatchNormalization) -> list[str]:
        rank = len(layer.input.shape)
        if layer.axis not in (-1, rank - 1):
            return [f'axis={layer.axis}; firmware batch normalization normalizes the last (channel) axis']
        return []

    def core(self, layer: QBatchNormalization, src: str, dst: str, in_shape, out_shape) -> list[NodeConfig]:
        scale, offset = (np.ravel(to_numpy(a)) for a in layer.qscaler_and_qoffset)
        return [
            node_config(
                layer.name,
                'BatchNormalization',
                [src],
                [dst],
                n_in=prod(in_shape),
                n_filt=scale.size,
                scale_data=scale,
                bias_data=offset,
                use_gamma=True,
                use_beta=True,
            )
        ]
