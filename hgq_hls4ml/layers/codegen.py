"""C++ generation shared by our layers: the per-layer function template, per-element sources and the buffered
stream adapter.

A per-element layer describes each element by a hashable *key* (its quantizer, its table, ...) and a function
turning ``(key, src, dst)`` into one C++ statement. io_parallel emits one statement per element; io_stream emits
one block per distinct pixel pattern and switches on the pixel index when patterns differ.

Layers whose outputs read arbitrary input elements (recurrent, table sums, 3D convolutions, softmax rows that
differ) have no per-pixel form: in io_stream :func:`buffered_stream_source` reads the whole input tensor into an
array, runs their io_parallel function on it and streams the whole output back (no line buffer: the tensors are
held in registers whole).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Hashable, Sequence
from functools import partial
from math import prod
from typing import ClassVar

import numpy as np
from hls4ml.backends.template import FunctionCallTemplate
from hls4ml.model.layers import Layer
from hls4ml.model.optimizer import ModelOptimizerPass
from hls4ml.model.types import Source

from ..graph import is_hgq_graph, is_stream
from ..hls4ml_api import default_function_params, project_dir

Statement = Callable[[Hashable, str, str], str]

#: ``FROM_RAW<T>(bits)``: the ``T`` whose raw bits are ``bits`` (tables store raw codes).
FROM_RAW = 'hgq_from_raw'
#: ``QUANTIZE_TO<T>(x, y)``: ``y = T(x)``, and ``QUANTIZE_VIA<T, W>(x, y)``: ``y = T(W(x))``. Out of line in the C
#: simulation only: g++ then compiles each distinct cast once instead of inlining an ``ap_fixed`` rounding, overflow
#: and conversion into every element's statement (an SVHN-sized CNN's quantizers: 71 s of g++ CPU inline, 11 s
#: out of line). Vitis HLS (``__SYNTHESIS__``) sees the pragma, inlines them, and builds the same logic as from
#: ``y = T(x)`` written in place.
QUANTIZE_TO = 'hgq_quantize_to'
QUANTIZE_VIA = 'hgq_quantize_via'

#: ``CSIM_NOINLINE``: ``__attribute__((noinline))`` in the C simulation, nothing for Vitis HLS (``__SYNTHESIS__``),
#: on helpers that also say ``#pragma HLS INLINE``.
CSIM_NOINLINE = 'HGQ_HLS4ML_CSIM_NOINLINE'

#: Helpers in the static header :data:`HELPER_HEADER`, in this order: name -> definition.
HELPERS: dict[str, str] = {
    CSIM_NOINLINE: f"""#ifdef __SYNTHESIS__
#define {CSIM_NOINLINE}
#else
#define {CSIM_NOINLINE} __attribute__((noinline))
#endif""",
    FROM_RAW: f"""template <class T, class R> T {FROM_RAW}(R bits) {{
    #pragma HLS INLINE
    T y;
    y.range() = bits;
    return y;
}}""",
    QUANTIZE_TO: f"""template <class T, class S, class D> {CSIM_NOINLINE} void {QUANTIZE_TO}(const S &x, D &y) {{
    #pragma HLS INLINE
    y = T(x);
}}""",
    QUANTIZE_VIA: f"""template <class T, class W, class S, class D>
{CSIM_NOINLINE} void {QUANTIZE_VIA}(const S &x, D &y) {{
    #pragma HLS INLINE
    y = T(W(x));
}}""",
}
#: The static header holding :data:`HELPERS`, written once into the project's ``firmware/nnet_utils/`` and
#: included at the top of ``nnet_code_gen.h``, at global scope: our layers' functions (inside ``namespace nnet``)
#: and their configurations in ``parameters.h`` (outside it, after it includes ``nnet_code_gen.h``) both see them.
HELPER_HEADER = 'hgq_hls4ml_helpers.h'
HELPER_HEADER_PASS = 'hgq_helper_header'
#: The file of the project's C++ that hls4ml generates our layers' code into (``firmware/nnet_utils/``).
CODE_GEN_HEADER = 'nnet_code_gen.h'


def helper_header() -> str:
    """The text of :data:`HELPER_HEADER`."""
    body = '\n\n'.join(HELPERS.values())
    return (
        '#ifndef HGQ_HLS4ML_HELPERS_H_\n#define HGQ_HLS4ML_HELPERS_H_\n\n#include "ap_fixed.h"\n#include "ap_int.h"\n\n'
        f'{body}\n\n#endif\n'
    )


def with_helper_header(code_gen: str) -> str:
    """``nnet_code_gen.h``'s text with :data:`HELPER_HEADER` included first (once)."""
    include = f'#include "{HELPER_HEADER}"\n'
    return code_gen if code_gen.startswith(include) else include + code_gen


class WriteHelperHeader(ModelOptimizerPass):
    """Writer pass ``hgq_helper_header``: :data:`HELPER_HEADER` into the ``firmware/nnet_utils/`` of the projects
    of graphs the plugin converted, included by their ``nnet_code_gen.h``."""

    def __init__(self, name: str = HELPER_HEADER_PASS):
        self.name = name

    def transform(self, model) -> bool:
        if not is_hgq_graph(model):
            return False
        utils = project_dir(model) / 'firmware' / 'nnet_utils'
        (utils / HELPER_HEADER).write_text(helper_header())
        code_gen = utils / CODE_GEN_HEADER
        code_gen.write_text(with_helper_header(code_gen.read_text()))
        return False


def parallel_source(fn_name: str, keys: Sequence[Hashable], stmt: Statement) -> str:
    n = len(keys)
    body = '\n    '.join(stmt(key, f'in[{j}]', f'out[{j}]') for j, key in enumerate(keys))
    return f"""
template <class input_t, class output_t>
void {fn_name}(input_t in[{n}], output_t out[{n}]) {{
    #pragma HLS INLINE
    {body}
}}
"""


def stream_source(fn_name: str, shape: Sequence[int], keys: Sequence[Hashable], stmt: Statement) -> str:
    """One pipelined pixel loop; pixels whose channels differ in their keys switch on the pixel index, each distinct
    pattern a function of its own (inlined by Vitis HLS, out of line in the C simulation, :data:`CSIM_NOINLINE`:
    g++ spends its time on large functions, and hundreds of patterns are one large switch)."""
    n_chan, n_pix = shape[-1], prod(shape[:-1])
    per_pixel = [tuple(keys[p * n_chan : (p + 1) * n_chan]) for p in range(n_pix)]
    groups: dict[tuple, list[int]] = {}
    for p, pix in enumerate(per_pixel):
        groups.setdefault(pix, []).append(p)

    def block(pix: tuple, indent: str) -> str:
        return f'\n{indent}'.join(stmt(key, f'x[{c}]', f'y[{c}]') for c, key in enumerate(pix))

    patterns = ''
    if len(groups) == 1:
        body = block(per_pixel[0], ' ' * 8)
    else:
        cases = []
        for g, (pix, pixels) in enumerate(groups.items()):
            labels = ' '.join(f'case {p}:' for p in pixels)
            patterns += f"""
template <class input_t, class output_t>
{CSIM_NOINLINE} void {fn_name}_pattern{g}(const input_t &x, output_t &y) {{
    #pragma HLS INLINE
    {block(pix, ' ' * 4)}
}}
"""
            cases.append(f'{labels}\n            {fn_name}_pattern{g}<input_t, output_t>(x, y);\n            break;')
        body = 'switch (p) {\n        ' + '\n        '.join(cases) + '\n        }'
    return patterns + pixel_loop(fn_name, n_pix, body)


def pixel_loop(fn_name: str, n_pix: int, body: str, head: str = '') -> str:
    """The io_stream function ``fn_name``: ``head``, then a pipelined loop over ``n_pix`` pixels, each read as ``x``,
    turned into ``y`` by ``body`` (which may read the pixel index ``p``) and written."""
    return f"""
template <class input_t, class output_t>
void {fn_name}(hls::stream<input_t> &in, hls::stream<output_t> &out) {{
    {head}for (unsigned p = 0; p < {n_pix}; p++) {{
        #pragma HLS PIPELINE
        input_t x = in.read();
        output_t y;
        PRAGMA_DATA_PACK(y)
        {body}
        out.write(y);
    }}
}}
"""


def buffered_stream_source(
    fn_name: str,
    parallel: Callable[[str], str],
    in_shapes: Sequence[Sequence[int]],
    out_shape: Sequence[int],
    n_args: int = 0,
    type_params: Sequence[str] = (),
) -> str:
    """An io_stream function ``fn_name`` around the io_parallel one ``parallel(name)`` defines as ``name``.

    It reads every pixel of each input (one ``input_t`` of ``input_t::size`` channels per pixel, pixels being all
    dimensions but the last) into a fully partitioned array, calls the io_parallel function on the arrays (with
    ``n_args`` extra arguments, e.g. weights, passed through by reference) and writes the output array back pixel by
    pixel. One input is ``in``/``input_t``; several are ``in0``, ``in1``, ... of ``input0_t``, ``input1_t``, ...
    ``type_params`` are template parameters of both functions, first in their lists (e.g. a kernel to call).
    """
    inner = f'{fn_name}_parallel'
    suffixes = [''] if len(in_shapes) == 1 else [str(i) for i in range(len(in_shapes))]
    n_out = prod(out_shape)
    leading = ''.join(f'{name}, ' for name in type_params)
    types = ''.join(f'class {name}, ' for name in type_params) + ''.join(f'class input{s}_t, ' for s in suffixes)
    streams = ''.join(f'hls::stream<input{s}_t> &in{s}, ' for s in suffixes)
    arg_types = ''.join(f', class arg{a}_t' for a in range(n_args))
    arg_decls = ''.join(f', arg{a}_t &arg{a}' for a in range(n_args))
    arg_names = ''.join(f', arg{a}' for a in range(n_args))
    reads = ''.join(
        f"""
    typename input{s}_t::value_type x{s}[{prod(shape)}];
    #pragma HLS ARRAY_PARTITION variable=x{s} complete
    for (unsigned p = 0; p < {prod(shape) // shape[-1]}; p++) {{
        #pragma HLS PIPELINE
        input{s}_t x_pack = in{s}.read();
        for (unsigned c = 0; c < input{s}_t::size; c++) {{
            #pragma HLS UNROLL
            x{s}[p * input{s}_t::size + c] = x_pack[c];
        }}
    }}"""
        for s, shape in zip(suffixes, in_shapes)
    )
    value_types = ''.join(f'typename input{s}_t::value_type, ' for s in suffixes)
    inputs = ''.join(f'x{s}, ' for s in suffixes)
    return f"""{parallel(inner)}
template <{types}class output_t{arg_types}>
void {fn_name}({streams}hls::stream<output_t> &out{arg_decls}) {{{reads}
    typename output_t::value_type y[{n_out}];
    #pragma HLS ARRAY_PARTITION variable=y complete
    {inner}<{leading}{value_types}typename output_t::value_type>({inputs}y{arg_names});
    for (unsigned p = 0; p < {n_out // out_shape[-1]}; p++) {{
        #pragma HLS PIPELINE
        output_t y_pack;
        PRAGMA_DATA_PACK(y_pack)
        for (unsigned c = 0; c < output_t::size; c++) {{
            #pragma HLS UNROLL
            y_pack[c] = y[p * output_t::size + c];
        }}
        out.write(y_pack);
    }}
}}
"""


class ElementwiseLayer(Layer):
    """A layer whose output has its input's shape; ``kif`` is its per-element input quantizer (if it has one)."""

    def initialize(self) -> None:
        inp = self.get_input_variable()
        self.add_output_variable(inp.shape)
        self.set_attr('n_in', inp.size())

    @property
    def kif(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.attributes['kif']


def element_source(node: Layer, fn_name: str, keys: Sequence[Hashable], stmt: Statement, declarations: str = '') -> str:
    """The per-element function for the node's IO type, after ``declarations`` (namespace scope: e.g. the tables
    its statements read)."""
    if is_stream(node):
        return declarations + stream_source(fn_name, node.get_input_variable().shape, keys, stmt)
    return declarations + parallel_source(fn_name, keys, stmt)


class GeneratedFunctionTemplate(FunctionCallTemplate):
    """Generates a per-layer C++ function into ``nnet_code_gen.h`` (via a ``Source`` attribute) and calls it.

    Set ``buffered_stream`` for a layer whose :meth:`source` is io_parallel only: io_stream then wraps it in the
    buffered adapter (:func:`buffered_stream_source`).
    """

    layer_class: ClassVar[type[Layer]]
    prefix: ClassVar[str]
    buffered_stream: ClassVar[bool] = False
    #: hls4ml headers the generated function needs (``nnet_utils/...``).
    include_header: ClassVar[tuple[str, ...]] = ()

    def __init__(self):
        super().__init__(self.layer_class, include_header=list(self.include_header))

    @abstractmethod
    def source(self, node: Layer, fn_name: str) -> str:
        """The C++ definition of ``fn_name`` for this node."""

    def arguments(self, node: Layer) -> list[str]:
        """Arguments passed after the input and output (e.g. weight arrays)."""
        return []

    def type_arguments(self, node: Layer) -> list[str]:
        """Template arguments passed before the input and output types (the buffered adapter forwards them)."""
        return []

    def buffers_stream(self, node: Layer) -> bool:
        """Whether the node's function is the buffered io_stream adapter around its io_parallel :meth:`source`."""
        return self.buffered_stream and is_stream(node)

    def format(self, node: Layer) -> str:
        fn_name = f'{self.prefix}_{node.name}'
        extra = self.arguments(node)
        inputs = [node.get_input_variable(name) for name in node.inputs]
        if self.buffers_stream(node):
            in_shapes, out_shape = [v.shape for v in inputs], node.get_output_variable().shape
            source = buffered_stream_source(
                fn_name,
                partial(self.source, node),
                in_shapes,
                out_shape,
                len(extra),
                [f'type{i}_t' for i, _ in enumerate(self.type_arguments(node))],
            )
        else:
            source = self.source(node, fn_name)
        node.set_attr(f'{self.prefix}_codegen', Source(source))
        p = default_function_params(self, node)
        namespace = node.model.config.get_writer_config().get('Namespace', None) or 'nnet'
        types = ', '.join([*self.type_arguments(node), *(v.type.name for v in inputs), p['output_t']])
        args = ', '.join([*(v.name for v in inputs), p['output'], *extra])
        return f'{namespace}::{fn_name}<{types}>({args});'
