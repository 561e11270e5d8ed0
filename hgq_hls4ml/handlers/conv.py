"""QConv1D, QConv2D, QConv3D -> hls4ml ``Conv1D``/``Conv2D``, our ``HGQConv3D`` (channels_last)."""

from __future__ import annotations

from math import ceil
from typing import TYPE_CHECKING

from ..layers.windows import AXES, PAD_SIDES
from .base import NodeConfig, node_config, to_numpy
from .qlayer import QLayerHandler

if TYPE_CHECKING:
    from hgq.layers.conv import QBaseConv


def padding_amounts(padding: str, size: int, kernel: int, stride: int) -> tuple[int, int]:
    """Keras padding -> (before, after) for one spatial axis."""
    if padding == 'valid':
        return 0, 0
    if padding == 'causal':
        return kernel - 1, 0
    total = max(ceil(size / stride) * stride - size + kernel - stride, 0)
    return total // 2, total - total // 2


def window_geometry(
    in_shape: tuple[int, ...],
    out_shape: tuple[int, ...],
    window: tuple[int, ...],
    strides: tuple[int, ...],
    padding: str,
    window_key: str = 'filt',
) -> dict[str, int]:
    """hls4ml's spatial attributes (``in_width``, ``pad_left``, ``stride_width``, ``filt_width`` ...)."""
    attrs = {}
    for ax, n_in, n_out, k, s in zip(AXES[len(window)], in_shape[:-1], out_shape[:-1], window, strides):
        lo, hi = padding_amounts(padding, n_in, k, s)
        b, a = PAD_SIDES[ax]
        attrs.update({f'in_{ax}': n_in, f'out_{ax}': n_out, f'{window_key}_{ax}': k, f'stride_{ax}': s})
        attrs.update({f'pad_{b}': lo, f'pad_{a}': hi})
    return attrs


def conv_geometry(layer: QBaseConv, in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> dict[str, int]:
    attrs = window_geometry(in_shape, out_shape, layer.kernel_size, layer.strides, layer.padding)
    return {'n_chan': in_shape[-1], 'n_filt': out_shape[-1], **attrs}


#: Graph class by number of spatial axes.
CLASS_NAMES = {1: 'Conv1D', 2: 'Conv2D', 3: 'HGQConv3D'}


class QConvHandler(QLayerHandler):
    handles = ('hgq.layers.conv.QConv1D', 'hgq.layers.conv.QConv2D', 'hgq.layers.conv.QConv3D')

    def option_problems(self, layer: QBaseConv) -> list[str]:
        found = []
        if layer.data_format != 'channels_last':
            found.append(f'data_format={layer.data_format!r}; firmware convolutions are channels_last')
        if any(d != 1 for d in layer.dilation_rate):
            found.append(f'dilation_rate={layer.dilation_rate}; hls4ml convolutions have no dilation')
        if layer.groups != 1:
            found.append(f'groups={layer.groups}; hls4ml convolutions have no groups')
        return found

    def core(self, layer: QBaseConv, src: str, dst: str, in_shape, out_shape) -> list[NodeConfig]:
        kernel = to_numpy(layer.qkernel)
        bias = None if layer.qbias is None else to_numpy(layer.qbias)
        # no parallelization_factor: hls4ml's layer config key ParallelizationFactor sets it (default 1, written
        # for every convolution by config_from_keras_model, which overrode a value set here, with a warning)
        return [
            node_config(
                layer.name,
                CLASS_NAMES[len(in_shape) - 1],
                [src],
                [dst],
                data_format='channels_last',
                weight_data=kernel,
                bias_data=bias,
                use_bias=bias is not None,
                **conv_geometry(layer, in_shape, out_shape),
            )
        ]
