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
from hls4ml.model.types import Source

from ..analysis.graph import is_stream
from ..hls4ml_api import default_function_params

Statement = Callable[[Hashable, str, str], str]

#: ``FROM_RAW<T>(bits)``: the ``T`` whose raw bits are ``bits`` (tables store raw codes); defined once in the
#: generated header, before the first function using it.
FROM_RAW = 'hgq_from_raw'
FROM_RAW_DEFINITION = f"""
#ifndef HGQ_HLS4ML_FROM_RAW
#define HGQ_HLS4ML_FROM_RAW
template <class T, class R> T {FROM_RAW}(R bits) {{
    #pragma HLS INLINE
    T y;
    y.range() = bits;
    return y;
}}
#endif
"""


def parallel_source(fn_name: str, keys: Sequence[Hashable], stmt: Statement, preamble: str = '') -> str:
    n = len(keys)
    body = '\n    '.join(stmt(key, f'in[{j}]', f'out[{j}]') for j, key in enumerate(keys))
    return f"""
template <class input_t, class output_t>
void {fn_name}(input_t in[{n}], output_t out[{n}]) {{
    #pragma HLS INLINE
    {preamble}{body}
}}
"""


def stream_source(
    fn_name: str, shape: Sequence[int], keys: Sequence[Hashable], stmt: Statement, preamble: str = ''
) -> str:
    n_chan, n_pix = shape[-1], prod(shape[:-1])
    per_pixel = [tuple(keys[p * n_chan : (p + 1) * n_chan]) for p in range(n_pix)]
    groups: dict[tuple, list[int]] = {}
    for p, pix in enumerate(per_pixel):
        groups.setdefault(pix, []).append(p)

    def block(pix: tuple) -> str:
        return '\n            '.join(stmt(key, f'x[{c}]', f'y[{c}]') for c, key in enumerate(pix))

    if len(groups) == 1:
        body = block(per_pixel[0])
    else:
        cases = []
        for pix, pixels in groups.items():
            labels = ' '.join(f'case {p}:' for p in pixels)
            cases.append(f'{labels} {{\n            {block(pix)}\n            break;\n        }}')
        body = 'switch (p) {\n        ' + '\n        '.join(cases) + '\n        }'
    return f"""
template <class input_t, class output_t>
void {fn_name}(hls::stream<input_t> &in, hls::stream<output_t> &out) {{
    {preamble}for (unsigned p = 0; p < {n_pix}; p++) {{
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
    fn_name: str, parallel: Callable[[str], str], in_shape: Sequence[int], out_shape: Sequence[int], n_args: int = 0
) -> str:
    """An io_stream function ``fn_name`` around the io_parallel one ``parallel(name)`` defines as ``name``.

    It reads every pixel (one ``input_t`` of ``input_t::size`` channels per pixel, pixels being all dimensions but
    the last) into a fully partitioned array, calls the io_parallel function on the arrays (with ``n_args`` extra
    arguments, e.g. weights, passed through by reference) and writes the output array back pixel by pixel.
    """
    inner = f'{fn_name}_parallel'
    n_in, n_out = prod(in_shape), prod(out_shape)
    arg_types = ''.join(f', class arg{a}_t' for a in range(n_args))
    arg_decls = ''.join(f', arg{a}_t &arg{a}' for a in range(n_args))
    arg_names = ''.join(f', arg{a}' for a in range(n_args))
    return f"""{parallel(inner)}
template <class input_t, class output_t{arg_types}>
void {fn_name}(hls::stream<input_t> &in, hls::stream<output_t> &out{arg_decls}) {{
    typename input_t::value_type x[{n_in}];
    #pragma HLS ARRAY_PARTITION variable=x complete
    typename output_t::value_type y[{n_out}];
    #pragma HLS ARRAY_PARTITION variable=y complete
    for (unsigned p = 0; p < {n_in // in_shape[-1]}; p++) {{
        #pragma HLS PIPELINE
        input_t x_pack = in.read();
        for (unsigned c = 0; c < input_t::size; c++) {{
            #pragma HLS UNROLL
            x[p * input_t::size + c] = x_pack[c];
        }}
    }}
    {inner}<typename input_t::value_type, typename output_t::value_type>(x, y{arg_names});
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


def element_source(node: Layer, fn_name: str, keys: Sequence[Hashable], stmt: Statement, preamble: str = '') -> str:
    """The per-element function for the node's IO type."""
    if is_stream(node):
        return stream_source(fn_name, node.get_input_variable().shape, keys, stmt, preamble)
    return parallel_source(fn_name, keys, stmt, preamble)


class GeneratedFunctionTemplate(FunctionCallTemplate):
    """Generates a per-layer C++ function into ``nnet_code_gen.h`` (via a ``Source`` attribute) and calls it.

    Set ``buffered_stream`` for a layer whose :meth:`source` is io_parallel only: io_stream then wraps it in the
    buffered adapter (:func:`buffered_stream_source`).
    """

    layer_class: ClassVar[type[Layer]]
    prefix: ClassVar[str]
    buffered_stream: ClassVar[bool] = False

    def __init__(self):
        super().__init__(self.layer_class, include_header=[])

    @abstractmethod
    def source(self, node: Layer, fn_name: str) -> str:
        """The C++ definition of ``fn_name`` for this node."""

    def arguments(self, node: Layer) -> list[str]:
        """Arguments passed after the input and output (e.g. weight arrays)."""
        return []

    def buffers_stream(self, node: Layer) -> bool:
        """Whether the node's function is the buffered io_stream adapter around its io_parallel :meth:`source`."""
        return self.buffered_stream and is_stream(node)

    def format(self, node: Layer) -> str:
        fn_name = f'{self.prefix}_{node.name}'
        extra = self.arguments(node)
        if self.buffers_stream(node):
            in_shape, out_shape = node.get_input_variable().shape, node.get_output_variable().shape
            source = buffered_stream_source(fn_name, partial(self.source, node), in_shape, out_shape, len(extra))
        else:
            source = self.source(node, fn_name)
        if FROM_RAW in source:
            source = FROM_RAW_DEFINITION + source
        node.set_attr(f'{self.prefix}_codegen', Source(source))
        p = default_function_params(self, node)
        namespace = node.model.config.get_writer_config().get('Namespace', None) or 'nnet'
        args = ', '.join([p['input'], p['output'], *extra])
        return f'{namespace}::{fn_name}<{p["input_t"]}, {p["output_t"]}>({args});'
