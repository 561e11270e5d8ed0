"""``HGQTableSum``: HGQ2's table layers (``QDenseT``, ``QConvT1D/2D``, ``QEinsumDenseT``) as sums of exact lookups.

Each output element is a sum of *terms*; a term reads one input element, quantizes it with its connection's own
input quantizer (an ``ap_fixed`` cast with HGQ2's rounding and overflow) and looks the raw bits of that value up
in its connection's table, which holds exactly what the Keras layer's sub-network and table output quantizer give
for it. A term reading convolution padding is the table entry of ``0``. Terms of constant tables (zero-bit inputs
or outputs) fold into one constant; the rest accumulate in the output element's exact accumulator type
(``hgq_accumulators``, from the proven range), so the sum is exact. io_stream buffers the whole input and output
around this function (see :func:`~.codegen.buffered_stream_source`).
"""

from __future__ import annotations

import numpy as np
from hls4ml.model.layers import Layer

from ..graph import input_type
from .codegen import GeneratedFunctionTemplate
from .exact_accum import ExactAccumulators
from .unary_lut import TableData, is_constant, literal, lookup, table_decl, table_type


class HGQTableSum(ExactAccumulators, TableData, Layer):
    """``out[j] = sum over terms t of tables[table_id[j, t]][code of in[source[j, t]] quantized to kif[:][j, t]]``.

    Attributes: ``source`` (flat input index of each term, ``-1`` for padding; shape ``(outputs, terms)``),
    ``table_id`` and ``kif`` (same shape), ``round_mode``/``overflow_mode`` of the input quantizer, ``tables``,
    ``out_shape``.
    """

    def initialize(self) -> None:
        self.add_output_variable(list(self.get_attr('out_shape')))

    @property
    def kif(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.attributes['kif']

    @property
    def source(self) -> np.ndarray:
        return self.attributes['source']

    def varying(self) -> np.ndarray:
        """Terms whose value depends on the input (a non-constant table read at a real input element)."""
        constant = np.array([is_constant(t) for t in self.tables])
        return (self.source >= 0) & ~constant[self.table_id]

    def constant_part(self) -> np.ndarray:
        """Per output element: the sum of its other terms (their tables' entry for the input ``0``, code 0)."""
        first = np.array([t[0] for t in self.tables])[self.table_id]
        return np.where(self.varying(), 0.0, first).sum(axis=1)


class HGQTableSumFunctionTemplate(GeneratedFunctionTemplate):
    layer_class = HGQTableSum
    prefix = 'hgq_tables'
    buffered_stream = True

    def source(self, node: HGQTableSum, fn_name: str) -> str:
        rnd, ovf = node.get_attr('round_mode'), node.get_attr('overflow_mode')
        src_type = input_type(node)
        varying, constants = node.varying(), node.constant_part()
        used = sorted(set(node.table_id[varying].tolist()))
        decls = [table_decl(f't{t}', node.tables[t]) for t in used]
        blocks = []
        for j, acc in enumerate(node.accumulators):
            if acc is None:
                blocks.append(f'out[{j}] = 0;')
                continue
            c = constants[j]  # in its own exact type: the accumulator wraps it like any partial sum
            init = f'{table_type(np.array([c])).cpp()}({literal(c)})' if c else '0'
            lines = [f'{acc.cpp()} acc = {init};']
            for n in np.flatnonzero(varying[j]):
                t, kif = int(node.table_id[j, n]), tuple(int(a[j, n]) for a in node.kif)
                read = lookup(f't{t}', node.tables[t], kif, rnd, ovf, f'in[{node.source[j, n]}]', src_type)
                lines.append(f'acc += {read};')
            lines.append(f'out[{j}] = acc;')
            blocks.append('{\n        ' + '\n        '.join(lines) + '\n    }')
        n_in, n_out = node.get_input_variable().size(), len(node.accumulators)
        body = '\n    '.join(decls + blocks)
        return f"""
template <class input_t, class output_t>
void {fn_name}(input_t in[{n_in}], output_t out[{n_out}]) {{
    #pragma HLS INLINE
    {body}
}}
"""
