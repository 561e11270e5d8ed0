"""hls4ml's ``EinsumDense`` and ``Einsum`` in io_stream: their io_parallel kernels behind the buffered stream adapter.

hls4ml implements both for io_parallel only (its config templates assert it). In an io_stream graph of ours, the
pass ``hgq_stream_einsum`` makes them :class:`HGQStreamEinsumDense`/:class:`HGQStreamEinsum`, which keep every
attribute, weight and exact type of hls4ml's layer (hls4ml's initialisation applies to them, being subclasses):

- the config is hls4ml's own, formatted as for io_parallel (the kernels do not read ``io_type``), followed by a
  struct ``config<index>_kernel`` whose ``run`` calls hls4ml's kernel (in ``parameters.h``, after hls4ml's
  headers, which ``nnet_code_gen.h`` precedes);
- the function reads every input pixel into a fully partitioned array, runs hls4ml's ``nnet::einsum_dense`` or
  ``nnet::einsum`` on the arrays and streams the result out (:func:`~.codegen.buffered_stream_source`). Its
  registers: every input and output element, as in io_parallel; its pipeline: the input's pixels, then the kernel,
  then the output's pixels.
"""

from __future__ import annotations

from typing import ClassVar

from hls4ml.backends.vivado.passes.einsum import EinsumConfigTemplate
from hls4ml.backends.vivado.passes.einsum_dense import EinsumDenseConfigTemplate
from hls4ml.model.layers import Einsum, EinsumDense, Layer

from ..hls4ml_api import format_as_io_parallel
from .codegen import GeneratedFunctionTemplate


class HGQStreamEinsumDense(EinsumDense):
    """hls4ml's ``EinsumDense`` in io_stream, buffered."""

    no_distributed_arithmetic = "in io_stream an einsum product is hls4ml's latency kernel behind a buffered adapter"


class HGQStreamEinsum(Einsum):
    """hls4ml's two-input ``Einsum`` in io_stream, buffered."""


class _BufferedKernelConfig:
    """Mixin before an hls4ml config template: its config for ``layer``, formatted as for io_parallel, then the
    struct ``config<index>_kernel`` whose ``run(args)`` (template parameters ``params``) makes ``call``."""

    layer: ClassVar[type[Layer]]
    params: ClassVar[str]
    args: ClassVar[str]
    call: ClassVar[str]  # with ``{index}``

    def __init__(self):
        super().__init__()
        self.layer_class = [self.layer]
        self.name = f'{self.layer.__name__.lower()}_config_template'

    def format(self, node: Layer) -> str:
        return f"""{format_as_io_parallel(super().format, node)}
struct config{node.index}_kernel {{
    template <{self.params}>
    static void run({self.args}) {{
        #pragma HLS INLINE
        {self.call.format(index=node.index)};
    }}
}};
"""


class HGQStreamEinsumDenseConfigTemplate(_BufferedKernelConfig, EinsumDenseConfigTemplate):
    layer = HGQStreamEinsumDense
    params = 'class x_t, class y_t, class w_t, class b_t'
    args = 'x_t *x, y_t *y, w_t *w, b_t *b'
    call = 'nnet::einsum_dense<x_t, y_t, config{index}>(x, y, w, b)'


class HGQStreamEinsumConfigTemplate(_BufferedKernelConfig, EinsumConfigTemplate):
    layer = HGQStreamEinsum
    params = 'class x0_t, class x1_t, class y_t'
    args = 'x0_t *x0, x1_t *x1, y_t *y'
    call = 'nnet::einsum<x0_t, x1_t, y_t, config{index}>(x0, x1, y)'


class HGQStreamEinsumDenseFunctionTemplate(GeneratedFunctionTemplate):
    layer_class = HGQStreamEinsumDense
    prefix = 'hgq_stream_einsum_dense'
    buffered_stream = True
    include_header = ('nnet_utils/nnet_einsum_dense.h', 'nnet_utils/nnet_dense.h')

    def type_arguments(self, node: HGQStreamEinsumDense) -> list[str]:
        return [f'config{node.index}_kernel']

    def arguments(self, node: HGQStreamEinsumDense) -> list[str]:
        return [node.get_weights('weight').name, node.get_weights('bias').name]

    def source(self, node: HGQStreamEinsumDense, fn_name: str) -> str:
        n_in, n_out = node.get_input_variable().size(), node.get_output_variable().size()
        n_w, n_b = node.get_weights('weight').data.size, node.get_weights('bias').data.size
        return f"""
template <class kernel_t, class input_t, class output_t, class weight_t, class bias_t>
void {fn_name}(input_t x[{n_in}], output_t y[{n_out}], weight_t w[{n_w}], bias_t b[{n_b}]) {{
    #pragma HLS INLINE
    kernel_t::template run<input_t, output_t, weight_t, bias_t>(x, y, w, b);
}}
"""


class HGQStreamEinsumFunctionTemplate(GeneratedFunctionTemplate):
    layer_class = HGQStreamEinsum
    prefix = 'hgq_stream_einsum'
    buffered_stream = True
    include_header = ('nnet_utils/nnet_einsum.h',)

    def type_arguments(self, node: HGQStreamEinsum) -> list[str]:
        return [f'config{node.index}_kernel']

    def source(self, node: HGQStreamEinsum, fn_name: str) -> str:
        n0, n1 = (node.get_input_variable(name).size() for name in node.inputs)
        n_out = node.get_output_variable().size()
        return f"""
template <class kernel_t, class input0_t, class input1_t, class output_t>
void {fn_name}(input0_t x0[{n0}], input1_t x1[{n1}], output_t y[{n_out}]) {{
    #pragma HLS INLINE
    kernel_t::template run<input0_t, input1_t, output_t>(x0, x1, y);
}}
"""
