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

The generated C++ computes the input index of every tap from the output position (stride and padding) and loops
over the outputs once per accumulator type, so its size does not grow with the number of output positions that
share their types: see :class:`HGQConvFunctionTemplate`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
        constantly zero (``hgq_exact_types``). Dense: one position. The range and type passes read it; the C++
        computes the indices instead (see :class:`HGQConvFunctionTemplate`)."""
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


def _conv_attributes(n_axes: int) -> list[Attribute]:
    axes = AXES[n_axes]
    return [
        *(Attribute(f'{kind}_{ax}') for ax in axes for kind in ('in', 'out', 'filt', 'stride')),
        *(Attribute(f'pad_{side}') for ax in axes for side in PAD_SIDES[ax]),
        Attribute('n_chan'),
        Attribute('n_filt'),
        *_CONSTANTS,
    ]


class HGQConv(ExactAccumulators, Layer):
    """A channels-last convolution over ``n_axes`` spatial axes with per-output accumulators."""

    n_axes: ClassVar[int]

    def initialize(self) -> None:
        axes = AXES[self.n_axes]
        self.add_output_variable([*(self.get_attr(f'out_{ax}') for ax in axes), self.get_attr('n_filt')])
        self.add_weights()
        self.add_bias()
        self.set_attr('hgq_patch_index', output_patch_index(self, tuple(self.get_attr(f'in_{ax}') for ax in axes)))


class HGQConv1D(HGQConv):
    """A channels-last 1D convolution with per-filter accumulators."""

    n_axes = 1
    _expected_attributes = _conv_attributes(1)


class HGQConv2D(HGQConv):
    """A channels-last 2D convolution with per-filter accumulators."""

    n_axes = 2
    _expected_attributes = _conv_attributes(2)


class HGQConv3D(HGQConv):
    """A channels-last 3D convolution (hls4ml has none), always fully parallel."""

    n_axes = 3
    _expected_attributes = _conv_attributes(3)
    no_distributed_arithmetic: ClassVar[str] = (
        "hls4ml's distributed-arithmetic code generator has no 3D convolution (it expresses Dense, Conv1D, Conv2D "
        'and EinsumDense)'
    )


# --- C++ generation ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    """One spatial axis of a convolution: ``o<name>`` is the output coordinate, ``i<name>`` the input one."""

    name: str
    n_in: int
    n_out: int
    kernel: int
    stride: int
    pad: int  # before


def _axes(node: Layer) -> list[Axis]:
    if isinstance(node, HGQDense):
        return []
    return [
        Axis(
            ax[0],
            node.get_attr(f'in_{ax}'),
            node.get_attr(f'out_{ax}'),
            node.get_attr(f'filt_{ax}'),
            node.get_attr(f'stride_{ax}'),
            node.get_attr(f'pad_{PAD_SIDES[ax][0]}'),
        )
        for ax in AXES[node.n_axes]
    ]


def _times(expr: str, size: int) -> str:
    if size == 1:
        return expr
    return f'({expr}) * {size}' if '+' in expr else f'{expr} * {size}'


def _flat_index(variables: Sequence[str], sizes: Sequence[int], last: str, n_last: int) -> str:
    """The row-major flat index ``((v0 * s1 + v1) * s2 + ...) * n_last + last`` (``sizes``: of each variable's
    axis; ``last`` alone without variables)."""
    expr = ''
    for var, size in zip(variables, sizes):
        expr = f'{_times(expr, size)} + {var}' if expr else var
    return f'{_times(expr, n_last)} + {last}' if expr else last


def _block(header: str, body: list[str]) -> list[str]:
    """A C++ loop (or ``if``) around ``body``; loops get HLS's UNROLL pragma."""
    pragma = ['    #pragma HLS UNROLL'] if header.startswith('for') else []
    return [header + ' {', *pragma, *('    ' + line for line in body), '}']


def _loop(var: str, lo: int, hi: int, body: list[str], kind: str = 'int') -> list[str]:
    return _block(f'for ({kind} {var} = {lo}; {var} < {hi}; {var}++)', body)


def _bool_list(values: np.ndarray) -> str:
    return ', '.join('1' if v else '0' for v in values)


def dot_source(fn_name: str, axes: list[Axis], n_chan: int, n_col: int, n_in: int, live: np.ndarray | None) -> str:
    """``fn_name<acc_t>(x, w, bias, o..., c)``: one output element, the bias plus the products of the live taps of
    output position ``o...`` with column ``c`` of the kernel, summed in ``acc_t``. Input coordinates come from the
    position, stride and padding; taps in padding are skipped by bounds checks, and with ``live`` (per input element:
    not constantly zero) taps reading constant zeros are skipped too, both resolved at compile time once HLS has
    unrolled the loops."""
    x_idx = _flat_index([f'i{a.name}' for a in axes], [a.n_in for a in axes], 'ch', n_chan)
    w_idx = _flat_index([f'k{a.name}' for a in axes], [a.kernel for a in axes], 'ch', n_chan)
    update = [f'acc += x[{x_idx}] * w[{_times(w_idx, n_col)} + c];']
    if live is not None:
        update = [f'if (live[{x_idx}]) {{', '    ' + update[0], '}']
    body = _loop('ch', 0, n_chan, update)
    for a in reversed(axes):
        coord = f'o{a.name}' if a.stride == 1 else f'o{a.name} * {a.stride}'
        coord += f' + k{a.name}' + (f' - {a.pad}' if a.pad else '')
        checks = []
        if a.pad > 0:
            checks.append(f'i{a.name} >= 0')
        if (a.n_out - 1) * a.stride + a.kernel - a.pad > a.n_in:
            checks.append(f'i{a.name} < {a.n_in}')
        inner = _block(f'if ({" && ".join(checks)})', body) if checks else body
        body = _loop(f'k{a.name}', 0, a.kernel, [f'const int i{a.name} = {coord};', *inner])
    mask = [] if live is None else [f'static const bool live[{n_in}] = {{{_bool_list(live)}}};']
    positions = ''.join(f', int o{a.name}' for a in axes)
    n_w = int(np.prod([a.kernel for a in axes], dtype=np.int64)) * n_chan * n_col
    lines = ['#pragma HLS INLINE', *mask, 'acc_t acc = bias;', *body, 'return acc;']
    return (
        f'template <class acc_t, class input_t, class weight_t, class bias_t>\n'
        f'acc_t {fn_name}(input_t x[{n_in}], weight_t w[{n_w}], bias_t bias{positions}, unsigned c) {{\n'
        + ''.join(f'    {line}\n' for line in lines)
        + '}\n'
    )


#: Most run boundaries along one axis written as comparisons (see :func:`run_index`); more take a table.
MAX_RUN_BOUNDARIES = 8


def axis_runs(kinds: np.ndarray) -> list[np.ndarray]:
    """Per spatial axis of ``kinds`` (its last axis is columns), the first coordinate of each run of consecutive
    coordinates along that axis whose slices (every output element at that coordinate) are equal.

    The kind of an output element then depends only on its column and the run of each of its coordinates: a layer
    whose positions all share their types has one run per axis, one whose border positions differ (padding reads
    fewer taps) a few per axis for the border, whatever the size.
    """
    starts = []
    for axis in range(kinds.ndim - 1):
        rows = np.moveaxis(kinds, axis, 0).reshape(kinds.shape[axis], -1)
        changes = np.nonzero((rows[1:] != rows[:-1]).any(axis=1))[0] + 1
        starts.append(np.concatenate([[0], changes]))
    return starts


def run_index(axis: Axis, starts: np.ndarray) -> tuple[str, list[str]]:
    """C++ for the run (:func:`axis_runs`) of output coordinate ``o<axis>``, and any table it needs: the coordinate
    itself where every coordinate is its own run, comparisons with the run boundaries where they are few (border
    runs), else a constant table of the run of each coordinate."""
    var = f'o{axis.name}'
    if len(starts) == axis.n_out:
        return var, []
    if len(starts) - 1 <= MAX_RUN_BOUNDARIES:
        return ' + '.join(f'({var} >= {s})' for s in starts[1:]) or '0', []
    runs = np.searchsorted(starts, np.arange(axis.n_out), side='right') - 1
    table = f'run_{axis.name}'
    return f'{table}[{var}]', [f'static const int {table}[{axis.n_out}] = {{{", ".join(map(str, runs))}}};']


def live_inputs(node: Layer, axes: Sequence[Axis]) -> np.ndarray | None:
    """Per input element, whether some tap reads it live; ``None`` if no tap skips a constant zero (the patch index
    marks taps reading constantly-zero elements like padding, see ``hgq_exact_types``)."""
    n_in = node.get_input_variable().size()
    index = node.patch_index
    read = np.zeros(n_in, dtype=bool)
    read[index[index >= 0]] = True
    geometric = output_patch_index(node, tuple(a.n_in for a in axes)) if axes else np.arange(n_in)[None, :]
    return None if read[geometric[geometric >= 0]].all() else read


def output_loops(
    kinds: np.ndarray, types: list, axes: Sequence[Axis], assign: Callable[[FixedType | None], str]
) -> list[str]:
    """The output loops: per accumulator type, one loop nest over every output position and column computing the
    elements of that type (``assign``), each element's type read from a constant table of the types of each run
    of positions (:func:`axis_runs`) and column, which HLS resolves once it has unrolled the loops."""
    n_col = kinds.shape[-1]
    lines: list[str] = []
    if len(types) > 1:
        starts = axis_runs(kinds)
        table = kinds[np.ix_(*starts, np.arange(n_col))]
        runs = [(run_index(a, s), len(s)) for a, s in zip(axes, starts) if len(s) > 1]
        lines += [decl for (_, decls), _ in runs for decl in decls]
        lines.append(f'static const unsigned char acc_kind[{table.size}] = {{{", ".join(map(str, table.ravel()))}}};')
        kind_idx = _flat_index([r for (r, _), _ in runs], [n for _, n in runs], 'c', n_col)
    for kind, t in enumerate(types):
        body = [assign(t)] if len(types) == 1 else _block(f'if (acc_kind[{kind_idx}] == {kind})', [assign(t)])
        body = _loop('c', 0, n_col, body, 'unsigned')
        for a in reversed(axes):
            body = _loop(f'o{a.name}', 0, a.n_out, body)
        lines += body
    return lines


class HGQConvFunctionTemplate(GeneratedFunctionTemplate):
    """The C++ of a dense or convolution layer of ours: a dot-product helper templated on the accumulator type
    (:func:`dot_source`), called for every output element with that element's type, one loop nest per type
    (:func:`output_loops`). No table grows with the number of output positions unless their types differ
    irregularly (inputs of heterogeneous bit-widths); border positions are runs of their own."""

    layer_class = HGQConv2D
    prefix = 'hgq_conv2d'

    def arguments(self, node: Layer) -> list[str]:
        return [node.get_weights('weight').name, node.get_weights('bias').name]

    def source(self, node: Layer, fn_name: str) -> str:
        axes = _axes(node)
        n_in, n_out = node.get_input_variable().size(), node.get_output_variable().size()
        n_col = node.get_output_variable().shape[-1]
        n_chan = n_in // int(np.prod([a.n_in for a in axes], dtype=np.int64))
        n_w = node.patch_index.shape[1] * n_col
        types = list(dict.fromkeys(node.accumulators))
        kinds = np.array([types.index(t) for t in node.accumulators]).reshape(*(a.n_out for a in axes), n_col)

        dot = f'{fn_name}_dot'
        outer = [f'o{a.name}' for a in axes]
        y_idx = _flat_index(outer, [a.n_out for a in axes], 'c', n_col)
        positions = ''.join(f', {v}' for v in outer)

        def assign(t: FixedType | None) -> str:
            return f'y[{y_idx}] = {"0" if t is None else f"{dot}<{t.cpp()}>(x, w, b[c]{positions}, c)"};'

        body = output_loops(kinds, types, axes, assign)
        return (
            '\n'
            + dot_source(dot, axes, n_chan, n_col, n_in, live_inputs(node, axes))
            + '\ntemplate <class input_t, class output_t, class weight_t, class bias_t>\n'
            + f'void {fn_name}(input_t x[{n_in}], output_t y[{n_out}], weight_t w[{n_w}], bias_t b[{n_col}]) {{\n'
            + ''.join(f'    {line}\n' for line in ['#pragma HLS INLINE', *body])
            + '}\n'
        )


class HGQDenseFunctionTemplate(HGQConvFunctionTemplate):
    layer_class = HGQDense
    prefix = 'hgq_dense'


class HGQConv1DFunctionTemplate(HGQConvFunctionTemplate):
    layer_class = HGQConv1D
    prefix = 'hgq_conv1d'


class HGQConv2DFunctionTemplate(HGQConvFunctionTemplate):
    layer_class = HGQConv2D
    prefix = 'hgq_conv2d'


class HGQConv3DFunctionTemplate(HGQConvFunctionTemplate):
    layer_class = HGQConv3D
    prefix = 'hgq_conv3d'
    buffered_stream = True
