"""The ``HGQRecurrent`` hls4ml layer and its function template: one time loop over the fixed sequence length."""

from __future__ import annotations

from typing import ClassVar

from hls4ml.model.layers import Layer

from ..codegen import GeneratedFunctionTemplate
from .fixpoint import final_step


class HGQRecurrent(Layer):
    """A recurrent layer over a ``(n_timesteps, n_in)`` input: the whole sequence or the last state."""

    no_distributed_arithmetic: ClassVar[str] = (
        "hls4ml's distributed-arithmetic code generator has no recurrent cell (it expresses Dense, Conv1D, Conv2D "
        'and EinsumDense)'
    )

    def initialize(self) -> None:
        t, u = self.get_attr('n_timesteps'), self.get_attr('n_units')
        self.add_output_variable([t, u] if self.get_attr('return_sequences') else [u])


class HGQRecurrentFunctionTemplate(GeneratedFunctionTemplate):
    layer_class = HGQRecurrent
    prefix = 'hgq_rnn'
    buffered_stream = True

    def source(self, node: HGQRecurrent, fn_name: str) -> str:
        a = node.attributes
        types, s, out, new = final_step(a)
        t_len, n_in, u = a['n_timesteps'], a['n_in'], a['n_units']
        n_out = t_len * u if a['return_sequences'] else u
        state = '\n    '.join([*s.tables, *(f'{t.cpp()} h_{j} = 0;' for j, t in enumerate(types))])
        row = f't * {u} + ' if a['return_sequences'] else ''  # else every step overwrites: the last one stays
        store = [f'y[{row}{j}] = {name};' for j, name in enumerate(out.names)]
        body = s.lines + store + [f'h_{j} = {name};' for j, name in enumerate(new.names)]
        step = f'{t_len - 1} - t' if a['go_backwards'] else 't'
        steps = '\n        '.join(body)
        return f"""
template <class input_t, class output_t>
void {fn_name}(input_t x[{t_len * n_in}], output_t y[{n_out}]) {{
    #pragma HLS INLINE
    {state}
    for (unsigned t = 0; t < {t_len}; t++) {{
        const unsigned base = ({step}) * {n_in};
        {steps}
    }}
}}
"""
