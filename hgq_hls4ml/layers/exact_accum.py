"""``HGQDense``, ``HGQConv1D/2D/3D``: dense and convolution layers with one exact accumulator type per output element.

hls4ml's dense and convolution kernels sum every output in the layer's single ``accum_t``, as wide as the widest
output needs. Here each output element accumulates in the narrowest type holding its own proven range
(``hgq_accumulators``, set by the ``hgq_exact_types`` pass; it differs between positions of a convolution when the
input's bit-widths do), so the adders of narrow outputs are narrow too. The sums are exact: every product is on
its output's grid, and two's-complement wrap-around of partial sums cancels once the final value fits.
``HGQDense``/``HGQConv1D``/``HGQConv2D`` replace hls4ml's layers for io_parallel with the latency strategy and reuse
factor 1, where hls4ml's kernels are fully parallel too; ``HGQConv3D``, which hls4ml lacks, is always fully parallel
(in io_stream on the whole buffered tensor, see :func:`~.codegen.buffered_stream_source`).

They are plain hls4ml ``Layer`` subclasses, not subclasses of hls4ml's ``Dense``/``Conv1D``/``Conv2D``: hls4ml's
passes that match those classes prepare hls4ml's own kernels (im2col ``fill_buffer_*`` functions, ``accum_t`` and
``index_t`` types, strategy and partition attributes), none of which our C++ uses.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from hls4ml.model.attributes import Attribute, TypeAttribute, WeightAttribute
from hls4ml.model.layers import Layer

from ..precision.fixed import FixedType
from .codegen import GeneratedFunctionTemplate
from .windows import AXES, PAD_SIDES, output_patch_index


class ExactAccumulators:
    """Mixin: per-output accumulator types and the input patch each output position reads."""

    attributes: dict

    @property
    def accumulators(self) -> list[FixedType | None]:
        """Accumulator type of each output element, flat (``None``: constantly zero)."""
        return self.attributes['hgq_accumulators']

    @property
    def patch_index(self) -> np.ndarray:
        """Flat input index of each (output position, tap); ``-1`` reads zero padding or an input element that is
        constantly zero (``hgq_exact_types``). Dense: one position."""
        return self.attributes['hgq_patch_index']


_CONSTANTS = [WeightAttribute('weight'), WeightAttribute('bias'), TypeAttribute('weight'), TypeAttribute('bias')]


class HGQDense(ExactAccumulators, Layer):
    """A flat-input dense layer with per-output accumulators."""

    _expected_attributes = [Attribute('n_in'), Attribute('n_out'), *_CONSTANTS]

    def initialize(self) -> None:
        self.add_output_variable([self.get_attr('n_out')])
        self.add_weights()
        self.add_bias()
        self.set_attr('hgq_patch_index', np.arange(self.get_attr('n_in'))[None, :])


class HGQConv(ExactAccumulators, Layer):
    """A channels-last convolution over ``n_axes`` spatial axes with per-output accumulators."""

    n_axes: ClassVar[int]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if 'n_axes' in cls.__dict__:
            axes = AXES[cls.n_axes]
            cls._expected_attributes = [
                *(Attribute(f'{kind}_{ax}') for ax in axes for kind in ('in', 'out', 'filt', 'stride')),
                *(Attribute(f'pad_{side}') for ax in axes for side in PAD_SIDES[ax]),
                Attribute('n_chan'),
                Attribute('n_filt'),
                *_CONSTANTS,
            ]

    def initialize(self) -> None:
        axes = AXES[self.n_axes]
        self.add_output_variable([*(self.get_attr(f'out_{ax}') for ax in axes), self.get_attr('n_filt')])
        self.add_weights()
        self.add_bias()
        self.set_attr('hgq_patch_index', output_patch_index(self, tuple(self.get_attr(f'in_{ax}') for ax in axes)))


class HGQConv1D(HGQConv):
    """A channels-last 1D convolution with per-filter accumulators."""

    n_axes = 1


class HGQConv2D(HGQConv):
    """A channels-last 2D convolution with per-filter accumulators."""

    n_axes = 2


class HGQConv3D(HGQConv):
    """A channels-last 3D convolution (hls4ml has none), always fully parallel."""

    n_axes = 3
    no_distributed_arithmetic: ClassVar[str] = (
        "hls4ml's distributed-arithmetic code generator has no 3D convolution (it expresses Dense, Conv1D, Conv2D "
        'and EinsumDense)'
    )


def _cpp_table(name: str, index: np.ndarray) -> str:
    rows = ',\n        '.join('{' + ', '.join(map(str, row)) + '}' for row in index.tolist())
    return f'static const int {name}[{index.shape[0]}][{index.shape[1]}] = {{\n        {rows}}};'


class HGQDenseFunctionTemplate(GeneratedFunctionTemplate):
    """A per-layer dot-product helper (templated on the accumulator type) called for every output element with that
    element's type (one unrolled loop per type over its outputs); it reads its inputs through the constant table of
    what each output position reads."""

    layer_class = HGQDense
    prefix = 'hgq_dense'

    def arguments(self, node: Layer) -> list[str]:
        return [node.get_weights('weight').name, node.get_weights('bias').name]

    def source(self, node: Layer, fn_name: str) -> str:
        index = node.patch_index
        (n_pos, n_tap), n_in = index.shape, node.get_input_variable().size()
        accs = node.accumulators
        n_col = len(accs) // n_pos

        groups: dict[FixedType | None, list[int]] = {}
        for j, t in enumerate(accs):
            groups.setdefault(t, []).append(j)

        def group(g: int, t: FixedType | None, outs: list[int]) -> str:
            dot = f'{fn_name}_dot<{t and t.cpp()}>(x, patch[j / {n_col}], w, b[j % {n_col}], j % {n_col})'
            value = '0' if t is None else dot
            return f"""static const int outputs_{g}[{len(outs)}] = {{{', '.join(map(str, outs))}}};
    for (unsigned n = 0; n < {len(outs)}; n++) {{
        #pragma HLS UNROLL
        const int j = outputs_{g}[n];
        y[j] = {value};
    }}"""

        outputs = '\n    '.join(group(g, t, outs) for g, (t, outs) in enumerate(groups.items()))
        return f"""
template <class acc_t, class input_t, class weight_t, class bias_t>
acc_t {fn_name}_dot(input_t x[{n_in}], const int taps[{n_tap}], weight_t w[{n_tap * n_col}], bias_t bias, unsigned c) {{
    #pragma HLS INLINE
    acc_t acc = bias;
    for (unsigned k = 0; k < {n_tap}; k++) {{
        #pragma HLS UNROLL
        if (taps[k] >= 0) {{
            acc += x[taps[k]] * w[k * {n_col} + c];
        }}
    }}
    return acc;
}}

template <class input_t, class output_t, class weight_t, class bias_t>
void {fn_name}(input_t x[{n_in}], output_t y[{n_pos * n_col}], weight_t w[{n_tap * n_col}], bias_t b[{n_col}]) {{
    #pragma HLS INLINE
    {_cpp_table('patch', index)}
    {outputs}
}}
"""


class HGQConv1DFunctionTemplate(HGQDenseFunctionTemplate):
    layer_class = HGQConv1D
    prefix = 'hgq_conv1d'


class HGQConv2DFunctionTemplate(HGQDenseFunctionTemplate):
    layer_class = HGQConv2D
    prefix = 'hgq_conv2d'


class HGQConv3DFunctionTemplate(HGQDenseFunctionTemplate):
    layer_class = HGQConv3D
    prefix = 'hgq_conv3d'
    buffered_stream = True
