"""The ``HGQRecurrent`` hls4ml layer and its function template: one time loop over the fixed sequence length."""

from __future__ import annotations

from typing import ClassVar

from hls4ml.model.attributes import Attribute
from hls4ml.model.layers import Layer

from ..codegen import GeneratedFunctionTemplate
from .fixpoint import final_step
from .spec import RecurrentSpec


class HGQRecurrent(Layer):
    """A recurrent layer over a ``(n_timesteps, n_in)`` input: the whole sequence or the last state.

    Attributes: ``recurrent``, its :class:`~.spec.RecurrentSpec` (set by :mod:`hgq_hls4ml.handlers.recurrent`),
    and ``hgq_input_range``, the input's range over every step (set by the pass ``hgq_materialize``).
    """

    no_distributed_arithmetic: ClassVar[str] = (
        "hls4ml's distributed-arithmetic code generator has no recurrent cell (it expresses Dense, Conv1D, Conv2D "
        'and EinsumDense)'
    )

    _expected_attributes = [Attribute('recurrent', value_type=RecurrentSpec)]

    @property
    def spec(self) -> RecurrentSpec:
        """The layer's description (attribute ``recurrent``)."""
        return self.get_attr('recurrent')

    def initialize(self) -> None:
        spec = self.spec
        t, u = spec.n_timesteps, spec.n_units
        self.add_output_variable([t, u] if spec.return_sequences else [u])


class HGQRecurrentFunctionTemplate(GeneratedFunctionTemplate):
    """The layer's C++: the state's registers, then one loop over the time steps, each generated element by element."""

    layer_class = HGQRecurrent
    prefix = 'hgq_rnn'
    buffered_stream = True

    def source(self, node: HGQRecurrent, fn_name: str) -> str:
        spec = node.spec
        types, step, out, new = final_step(spec, node.get_attr('hgq_input_range'))
        t_len, n_in, u = spec.n_timesteps, spec.n_in, spec.n_units
        n_out = t_len * u if spec.return_sequences else u
        state = '\n    '.join([*step.tables, *(f'{t.cpp()} h_{j} = 0;' for j, t in enumerate(types))])
        row = f't * {u} + ' if spec.return_sequences else ''  # else every step overwrites: the last one stays
        store = [f'y[{row}{j}] = {name};' for j, name in enumerate(out.names)]
        body = step.lines + store + [f'h_{j} = {name};' for j, name in enumerate(new.names)]
        time = f'{t_len - 1} - t' if spec.go_backwards else 't'
        lines = '\n        '.join(body)
        return f"""
template <class input_t, class output_t>
void {fn_name}(input_t x[{t_len * n_in}], output_t y[{n_out}]) {{
    #pragma HLS INLINE
    {state}
    for (unsigned t = 0; t < {t_len}; t++) {{
        const unsigned base = ({time}) * {n_in};
        {lines}
    }}
}}
"""
