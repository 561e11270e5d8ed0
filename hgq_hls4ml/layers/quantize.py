"""``HGQQuantize``: an hls4ml layer applying an HGQ2 quantizer element by element.

Each element is cast through its own ``ap_fixed`` type (which carries HGQ2's rounding and overflow) and stored in
the layer's output type, which holds every element exactly. The C++ is generated per layer into
``nnet_code_gen.h``; io_parallel casts every element, io_stream casts each packet according to its pixel.
"""

from __future__ import annotations

from math import prod

import numpy as np
from hls4ml.backends.template import FunctionCallTemplate
from hls4ml.model.layers import Layer
from hls4ml.model.types import Source

from ..precision.fixed import NATIVE_OVERFLOW_MODES, element_type


class HGQQuantize(Layer):
    """Quantize each element with its own (k, i, f); rounding/overflow modes are per layer."""

    def initialize(self) -> None:
        inp = self.get_input_variable()
        self.add_output_variable(inp.shape)
        self.set_attr('n_in', inp.size())

    @property
    def kif(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.attributes['kif']

    @property
    def homogeneous(self) -> bool:
        return all(np.unique(a).size == 1 for a in self.kif)


def element_cast(k: int, i: int, f: int, round_mode: str, overflow_mode: str, src: str) -> str:
    """C++ expression quantizing ``src`` like HGQ2 does (``0`` for zero-width elements)."""
    if overflow_mode not in NATIVE_OVERFLOW_MODES:
        # WRAP_SM: ap_fixed's sign-magnitude wrap is not HGQ2's; refuse rather than emit a silent mismatch.
        raise ValueError(f'overflow mode {overflow_mode} has no exact ap_fixed equivalent')
    t = element_type(k, i, f, round_mode, overflow_mode)
    return '0' if t is None else f'{t.cpp()}({src})'


def _element_kifs(node: HGQQuantize) -> list[tuple[int, int, int]]:
    k, i, f = (np.asarray(a).ravel() for a in node.kif)
    return list(zip(k.tolist(), i.tolist(), f.tolist()))


def _casts(kifs: list[tuple[int, int, int]], node: HGQQuantize, src: str, dst: str) -> list[str]:
    rnd, ovf = node.attributes['round_mode'], node.attributes['overflow_mode']
    return [
        f'{dst.format(j)} = {element_cast(k, i, f, rnd, ovf, src.format(j))};' for j, (k, i, f) in enumerate(kifs)
    ]


def parallel_source(node: HGQQuantize, fn_name: str) -> str:
    n = node.get_attr('n_in')
    body = '\n    '.join(_casts(_element_kifs(node), node, 'in[{}]', 'out[{}]'))
    return f"""
template <class input_t, class output_t>
void {fn_name}(input_t in[{n}], output_t out[{n}]) {{
    #pragma HLS INLINE
    {body}
}}
"""


def stream_source(node: HGQQuantize, fn_name: str) -> str:
    shape = node.get_input_variable().shape
    n_chan = shape[-1]
    n_pix = prod(shape[:-1])
    kifs = _element_kifs(node)
    per_pixel = [tuple(kifs[p * n_chan : (p + 1) * n_chan]) for p in range(n_pix)]
    groups: dict[tuple, list[int]] = {}
    for p, pix in enumerate(per_pixel):
        groups.setdefault(pix, []).append(p)

    def block(pix: tuple) -> str:
        return '\n            '.join(_casts(list(pix), node, 'x[{}]', 'y[{}]'))

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
    for (unsigned p = 0; p < {n_pix}; p++) {{
        #pragma HLS PIPELINE
        input_t x = in.read();
        output_t y;
        PRAGMA_DATA_PACK(y)
        {body}
        out.write(y);
    }}
}}
"""


def function_name(node: HGQQuantize) -> str:
    return f'hgq_quantize_{node.name}'


def generate_source(node: HGQQuantize) -> None:
    """Attach the layer's C++ to the node (written to ``nnet_code_gen.h`` by hls4ml's writer)."""
    io_type = node.model.config.get_config_value('IOType')
    gen = stream_source if io_type == 'io_stream' else parallel_source
    node.set_attr('quantize_codegen', Source(gen(node, function_name(node))))


class HGQQuantizeFunctionTemplate(FunctionCallTemplate):
    """Calls the generated per-layer function."""

    def __init__(self):
        super().__init__(HGQQuantize, include_header=[])

    def format(self, node: HGQQuantize) -> str:
        generate_source(node)
        p = self._default_function_params(node)
        namespace = node.model.config.get_writer_config().get('Namespace', None) or 'nnet'
        return f'{namespace}::{function_name(node)}<{p["input_t"]}, {p["output_t"]}>({p["input"]}, {p["output"]});'
