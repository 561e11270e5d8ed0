"""HGQ2 merges (QAdd, QSubtract, QMultiply, QMaximum, QMinimum, QAveragePow2, QDot) -> hls4ml ``Merge`` chains.

Each input goes through its own quantizer (of that input's own shape); n-ary merges become a chain of binary ones,
in Keras's order; QAveragePow2's power-of-two scale is an exact ``BatchNormalization`` (scale only); QDot is an
element-wise multiply followed by a ``Dense`` of ones (an exact sum with an exactly sized accumulator).

Broadcasting follows Keras (numpy's rules: trailing axes aligned, an axis of 1 or a missing leading axis repeated):
at each binary step, an operand whose shape differs from the step's broadcast shape goes through an
``HGQBroadcast`` (data movement, :mod:`hgq_hls4ml.layers.broadcast`) to that shape, so every ``Merge`` reads two
operands of one shape and everything downstream is unchanged. Broadcasting step by step, not every input to the
final shape up front, keeps a chain of small operands small until it meets a larger one (fewer merge operators,
and in io_stream fewer pixels held). The broadcast operand is quantized before it is broadcast (fewer quantizers,
and HGQ2's input quantizer has the operand's own shape).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from typing import TYPE_CHECKING

import numpy as np

from ..hgq2_api import average_scale
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


def broadcast_shape(shapes: Sequence[tuple[int, ...]]) -> tuple[int, ...] | None:
    """The shape Keras broadcasts ``shapes`` (without the batch axis) to; ``None`` if they do not broadcast."""
    try:
        return tuple(int(d) for d in np.broadcast_shapes(*shapes))
    except ValueError:
        return None


class QMergeHandler(Handler):
    handles = tuple(f'{_M}{cls}' for cls in MERGE_OPS)

    def problems(self, layer: keras.Layer) -> list[str]:
        found = multi_input_problems(layer)
        shapes = [tuple(t.shape[1:]) for t in layer.input]
        if type(layer).__name__ == 'QDot':
            if len(set(shapes)) > 1:
                found.append(f'input shapes {shapes} differ; a dot product takes two vectors of one length')
            if len(shapes[0]) != 1:
                found.append(f'inputs of rank {len(shapes[0])}; firmware dot products take flat vectors')
        elif all(None not in s for s in shapes) and broadcast_shape(shapes) is None:  # Keras refuses these first
            found.append(f'input shapes {shapes} do not broadcast together (Keras broadcasting)')
        return found

    def convert(
        self, layer: keras.Layer, in_tensors: Sequence[keras.KerasTensor], out_tensors: Sequence[keras.KerasTensor]
    ) -> list[NodeConfig]:
        shapes = [static_shape(t, layer) for t in in_tensors]
        confs, srcs = quantize_inputs(layer, shapes, [t.name for t in in_tensors])
        cls = type(layer).__name__
        tail = [
            kind
            for kind, on in (('sum', cls == 'QDot'), ('scale', cls == 'QAveragePow2'), ('oq', layer.enable_oq))
            if on
        ]
        dst = out_tensors[0].name
        acc, acc_shape = srcs[0], shapes[0]
        for j, (other, other_shape) in enumerate(zip(srcs[1:], shapes[1:]), start=1):
            last = j == len(srcs) - 1 and not tail
            out = dst if last else f'{dst}@{layer.name}_{j}'
            name = layer.name if j == len(srcs) - 1 else f'{layer.name}_{j}'
            shape = broadcast_shape([acc_shape, other_shape])
            operands = []
            left = 0 if j == 1 else f'partial{j - 1}'  # input 0, or the partial result of step j - 1
            for src, src_shape, which in ((acc, acc_shape, left), (other, other_shape, j)):
                if src_shape != shape:
                    moved = f'{src}@{layer.name}_broadcast{which}'
                    confs.append(
                        node_config(f'{layer.name}_broadcast{which}', 'HGQBroadcast', [src], [moved], out_shape=shape)
                    )
                    src = moved
                operands.append(src)
            confs.append(node_config(name, 'Merge', operands, [out], op=MERGE_OPS[cls]))
            acc, acc_shape = out, shape
        out_shape = static_shape(out_tensors[0], layer)
        for n, kind in enumerate(tail):
            out = dst if n == len(tail) - 1 else f'{dst}@{layer.name}_{kind}'
            if kind == 'sum':
                n = shapes[0][0]
                ones = np.ones((n, 1))
                confs.append(
                    node_config(
                        f'{layer.name}_sum',
                        'Dense',
                        [acc],
                        [out],
                        weight_data=ones,
                        bias_data=None,
                        use_bias=False,
                        n_in=n,
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
                        scale_data=np.full(n_filt, average_scale(layer)),
                        bias_data=np.zeros(n_filt),
                        use_gamma=True,
                        use_beta=True,
                    )
                )
            else:
                confs.append(quantize_config(layer.oq, out_shape, f'{layer.name}_oq', acc, out))
            acc = out
        return confs
