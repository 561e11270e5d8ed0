"""``HGQBroadcast``: a tensor broadcast to a larger shape, Keras's (and numpy's) broadcasting, as data movement.

The merge handler puts one in front of hls4ml's ``Merge`` for each operand whose shape differs from the merge's
output shape (Keras aligns the trailing axes; an axis of size 1, or a missing leading axis, is repeated), so the
``Merge`` sees two operands of one shape, as both of hls4ml's Merge implementations need (io_parallel reads
``data[i % n_elem]``, which tiles a whole tensor but repeats no inner axis; io_stream reads both streams packet by
packet and asserts equal packets). Every element keeps its own range: output element ``j`` is input element
``broadcast_index(...)[j]``, copied unchanged.

Hardware. io_parallel: ``out[j] = in[index[j]]`` for every element of an inlined function, i.e. wiring (each input
element fans out to the outputs reading it; no logic, no register). io_stream: the operand arrives pixel by pixel
and must be held while the other operand streams by, but only as long as it is still to be read: output pixel ``p``
reads input pixel ``src[p]``; input pixels are first needed in their own order (input pixel ``q``'s first reader is
``q``'s multi-index with 0 on the broadcast axes, an embedding that keeps row-major order), so each is read from the
stream when first needed and kept in a register slot until its last reader has been written. Slots are reused as
pixels die (:func:`stream_schedule`), so the registers held are the most input pixels alive at once times the input
channels: ``(N, C)`` with ``(1, C)`` holds one pixel (``C`` elements, the whole operand), ``(N, C)`` with ``(N, 1)``
one element, ``(2, 3, 4)`` with ``(1, 3, 1)`` three (the whole operand, since every pixel is read again after the
last one arrives). The output is written one pixel per cycle, each as soon as the input pixel it reads has arrived:
no output buffer and no delay beyond the operand's own arrival. With more than one slot, each output element is a
multiplexer over the slots.

(The shared buffered stream adapter, :func:`~.codegen.buffered_stream_source`, would also hold the whole output
tensor, and start writing only after the operand's last pixel: the schedule above avoids both.)
"""

from __future__ import annotations

from math import prod

import numpy as np
from hls4ml.model.layers import Layer

from ..graph import is_stream
from .codegen import GeneratedFunctionTemplate


def broadcast_index(in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> np.ndarray:
    """For each output element (array of ``out_shape``), the flat index of the input element it copies."""
    return np.broadcast_to(np.arange(prod(in_shape)).reshape(in_shape), tuple(out_shape))


def stream_schedule(in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, int]:
    """io_stream schedule: per output pixel, whether it reads a new input pixel from the stream (``fresh``) and the
    register slot holding the input pixel it reads (``slot``); and the number of slots.

    Slots are allocated greedily in order of first use, and freed after an input pixel's last use (optimal for
    intervals: as many slots as input pixels alive at once).
    """
    n_out_pix = prod(out_shape[:-1])
    src = broadcast_index(in_shape, out_shape).reshape(n_out_pix, out_shape[-1])[:, 0] // in_shape[-1]
    last = np.zeros(prod(in_shape[:-1]), dtype=np.int64)
    last[src] = np.arange(n_out_pix)  # numpy keeps the last write of a repeated index
    fresh = np.zeros(n_out_pix, dtype=bool)
    slot = np.zeros(n_out_pix, dtype=np.int64)
    held: dict[int, int] = {}  # input pixel -> slot
    free: list[int] = []
    n_slots = 0
    for p, q in enumerate(src.tolist()):
        if q not in held:
            fresh[p] = True
            if not free:
                free.append(n_slots)
                n_slots += 1
            held[q] = free.pop(free.index(min(free)))
        slot[p] = held[q]
        if last[q] == p:
            free.append(held.pop(q))
    # what the C++ relies on: the stream's pixels are read in their own order, each once
    assert (src[fresh] == np.arange(last.size)).all(), (in_shape, out_shape)
    return fresh, slot, n_slots


class HGQBroadcast(Layer):
    """Attribute ``out_shape``: the shape its input is broadcast to (Keras's rules, trailing axes aligned)."""

    def initialize(self) -> None:
        self.add_output_variable(list(self.get_attr('out_shape')))

    @property
    def in_shape(self) -> tuple[int, ...]:
        return tuple(self.get_input_variable().shape) or (1,)  # a scalar is one element

    @property
    def out_shape(self) -> tuple[int, ...]:
        return tuple(self.get_attr('out_shape'))

    @property
    def source_index(self) -> np.ndarray:
        """Flat input index of each output element (array of the output's shape)."""
        return broadcast_index(self.in_shape, self.out_shape)


def _bool_table(values: np.ndarray) -> str:
    return ', '.join('true' if v else 'false' for v in values.tolist())


class HGQBroadcastFunctionTemplate(GeneratedFunctionTemplate):
    layer_class = HGQBroadcast
    prefix = 'hgq_broadcast'

    def source(self, node: HGQBroadcast, fn_name: str) -> str:
        return _stream_source(node, fn_name) if is_stream(node) else _parallel_source(node, fn_name)


def _parallel_source(node: HGQBroadcast, fn_name: str) -> str:
    index = node.source_index.ravel()
    body = '\n    '.join(f'out[{j}] = in[{i}];' for j, i in enumerate(index.tolist()))
    return f"""
template <class input_t, class output_t>
void {fn_name}(input_t in[{prod(node.in_shape)}], output_t out[{index.size}]) {{
    #pragma HLS INLINE
    {body}
}}
"""


def _stream_source(node: HGQBroadcast, fn_name: str) -> str:
    in_shape, out_shape = node.in_shape, node.out_shape
    fresh, slot, n_slots = stream_schedule(in_shape, out_shape)
    n_pix, c_in, c_out = fresh.size, in_shape[-1], out_shape[-1]
    tables = [f'static const bool fresh[{n_pix}] = {{{_bool_table(fresh)}}};']
    where = '0'
    if n_slots > 1:
        tables.append(f'static const unsigned slot[{n_pix}] = {{{", ".join(map(str, slot.tolist()))}}};')
        where = 'slot[p]'
    channel = 'c' if c_in == c_out else '0'
    decls = '\n    '.join(tables)
    return f"""
template <class input_t, class output_t>
void {fn_name}(hls::stream<input_t> &in, hls::stream<output_t> &out) {{
    typename input_t::value_type held[{n_slots}][{c_in}];
    #pragma HLS ARRAY_PARTITION variable=held complete dim=0
    {decls}
    for (unsigned p = 0; p < {n_pix}; p++) {{
        #pragma HLS PIPELINE
        if (fresh[p]) {{
            input_t x = in.read();
            for (unsigned c = 0; c < {c_in}; c++) {{
                #pragma HLS UNROLL
                held[{where}][c] = x[c];
            }}
        }}
        output_t y;
        PRAGMA_DATA_PACK(y)
        for (unsigned c = 0; c < {c_out}; c++) {{
            #pragma HLS UNROLL
            y[c] = held[{where}][{channel}];
        }}
        out.write(y);
    }}
}}
"""
