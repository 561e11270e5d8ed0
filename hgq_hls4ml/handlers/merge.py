"""HGQ2 merges (QAdd, QSubtract, QMultiply, QMaximum, QMinimum, QAveragePow2, QDot) -> hls4ml ``Merge`` chains.

Each input goes through its own quantizer; n-ary merges become a chain of binary ones; QAveragePow2's power-of-two
scale is an exact ``BatchNormalization`` (scale only); QDot is an element-wise multiply followed by a ``Dense`` of
ones (an exact sum with an exactly sized accumulator).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from typing import TYPE_CHECKING

import numpy as np

from .base import Handler, NodeConfig, node_config, static_shape
from .quantizer import multi_input_problems, quantize_config, quantize_inputs

if TYPE_CHECKING:
    import keras

_M = 'hgq.layers.ops.merge.'

#: HGQ2 class -> hls4ml merge op.
MERGE_OPS = {
    'QAdd': 'add',
    'QSubtract': 'subtract',
    'QMultiply': 'multiply',
    'QMaximum': 'maximum',
    'QMinimum': 'minimum',
    'QAveragePow2': 'add',
    'QDot': 'multiply',
}


class QMergeHandler(Handler):
    handles = tuple(f'{_M}{cls}' for cls in MERGE_OPS)

    def problems(self, layer: keras.Layer) -> list[str]:
        found = multi_input_problems(layer)
        shapes = [tuple(t.shape[1:]) for t in layer.input]
        if len(set(shapes)) > 1:
            found.append(f'input shapes {shapes} differ; firmware merges need equal shapes (no broadcasting)')
        if type(layer).__name__ == 'QDot' and len(shapes[0]) != 1:
            found.append(f'inputs of rank {len(shapes[0])}; firmware dot products take flat vectors')
        return found

    def convert(
        self, layer: keras.Layer, in_tensors: Sequence[keras.KerasTensor], out_tensors: Sequence[keras.KerasTensor]
    ) -> list[NodeConfig]:
        shape = static_shape(in_tensors[0], layer)
        confs, srcs = quantize_inputs(layer, [shape] * len(in_tensors), [t.name for t in in_tensors])
        cls = type(layer).__name__
        tail = [
            kind
            for kind, on in (('sum', cls == 'QDot'), ('scale', cls == 'QAveragePow2'), ('oq', layer.enable_oq))
            if on
        ]
        dst = out_tensors[0].name
        acc = srcs[0]
        for j, other in enumerate(srcs[1:], start=1):
            last = j == len(srcs) - 1 and not tail
            out = dst if last else f'{dst}@{layer.name}_{j}'
            name = layer.name if j == len(srcs) - 1 else f'{layer.name}_{j}'
            confs.append(node_config(name, 'Merge', [acc, other], [out], op=MERGE_OPS[cls]))
            acc = out
        out_shape = static_shape(out_tensors[0], layer)
        for n, kind in enumerate(tail):
            out = dst if n == len(tail) - 1 else f'{dst}@{layer.name}_{kind}'
            if kind == 'sum':
                ones = np.ones((shape[0], 1))
                confs.append(
                    node_config(
                        f'{layer.name}_sum',
                        'Dense',
                        [acc],
                        [out],
                        weight_data=ones,
                        bias_data=None,
                        use_bias=False,
                        n_in=shape[0],
                        n_out=1,
                    )
                )
            elif kind == 'scale':
                n_filt = out_shape[-1]
                confs.append(
                    node_config(
                        f'{layer.name}_scale',
                        'BatchNormalization',
                        [acc],
                        [out],
                        n_in=prod(out_shape),
                        n_filt=n_filt,
                        scale_data=np.full(n_filt, layer._scale),
                        bias_data=np.zeros(n_filt),
                        use_gamma=True,
                        use_beta=True,
                    )
                )
            else:
                confs.append(quantize_config(layer.oq, out_shape, f'{layer.name}_oq', acc, out))
            acc = out
        return confs
