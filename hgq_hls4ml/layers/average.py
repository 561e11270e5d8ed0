"""Average pooling over element counts that are not all powers of two, as Keras computes it in float32.

hls4ml's pooling kernels sum a window in ``accum_t`` and divide with ``/`` or ``/=`` by the element count. Keras
computes that average in float32, and how depends on its backend (:mod:`..precision.float32`): JAX multiplies the
sum by the rounded reciprocal and rounds, TensorFlow and PyTorch divide and round. The handler makes such pooling
layers :class:`HGQAveragePooling1D`/:class:`HGQAveragePooling2D`/:class:`HGQGlobalAveragePooling1D`/
:class:`HGQGlobalAveragePooling2D` (subclasses of hls4ml's, with hls4ml's kernels), recording the backend's
arithmetic in ``hgq_average_arithmetic``. Their ``accum_t`` is ``hgq_float32_mean<accum, mean>``: the exact
fixed-point sum, whose division by a count is the layer's ``mean::of`` (the Keras arithmetic, per count, then
rounding to 24 significant bits, ties to even: :data:`ROUND_TO_FLOAT32`), held exactly. The layer's result type
then floors it like any other exact value.

Rounding to float32 in fixed point is a leading-one search (the magnitude OR-ed with its right shifts), then one
adder: ``m + (half an LSB - 1) + (kept LSB)`` with the dropped bits masked off, all shifts constant.
"""

from __future__ import annotations

from math import ceil, log2

import numpy as np
from hls4ml.backends.vivado.passes.pooling_templates import PoolingConfigTemplate, PoolingFunctionTemplate
from hls4ml.model.layers import GlobalPooling1D, GlobalPooling2D, Layer, Pooling1D, Pooling2D

from ..precision import interval as iv
from ..precision.fixed import FixedType
from ..precision.float32 import SIGNIFICAND_BITS, reciprocal
from .codegen import HELPERS
from .windows import average_counts, pool_windows

#: ``ROUND_TO_FLOAT32(x)``: ``x`` (a signed ``ap_fixed<W, I>``) rounded to 24 significant bits, ties to even, i.e. the
#: float32 nearest to it (within float32's normal range), as an ``ap_fixed<W + 2, I + 2>``.
ROUND_TO_FLOAT32 = 'hgq_round_to_float32'
#: ``FLOAT32_MEAN<accum_t, mean_t>``: ``accum_t`` whose ``/`` and ``/=`` by an element count are ``mean_t::of``.
FLOAT32_MEAN = 'hgq_float32_mean'

HELPERS[ROUND_TO_FLOAT32] = f"""template <int W, int I>
ap_fixed<W + 2, I + 2> {ROUND_TO_FLOAT32}(const ap_fixed<W, I> &x) {{
    #pragma HLS INLINE
    const ap_int<W> raw = x.range(W - 1, 0);
    const bool negative = raw < 0;
    const ap_uint<W> m = negative ? ap_uint<W>(-raw) : ap_uint<W>(raw);
    ap_uint<W> ones = m; // ones from the leading one of m down
    for (int k = 1; k < W; k *= 2) {{
        #pragma HLS UNROLL
        ones |= ones >> k;
    }}
    const ap_uint<W> dropped = ones >> {SIGNIFICAND_BITS}; // bits below float32's last significant bit
    const bool odd = (m & ((ones >> {SIGNIFICAND_BITS - 1}) ^ dropped)) != 0 && dropped != 0;
    const ap_uint<W + 1> r = (ap_uint<W + 1>(m) + (ones >> {SIGNIFICAND_BITS + 1}) + odd) & ~ap_uint<W + 1>(dropped);
    const ap_int<W + 2> y = negative ? ap_int<W + 2>(-ap_int<W + 2>(r)) : ap_int<W + 2>(r);
    ap_fixed<W + 2, I + 2> out;
    out.range(W + 1, 0) = y;
    return out;
}}"""
HELPERS[FLOAT32_MEAN] = f"""template <class accum_T, class mean_T> struct {FLOAT32_MEAN} : accum_T {{
    {FLOAT32_MEAN}() : accum_T(0) {{}}
    template <class T> {FLOAT32_MEAN}(const T &x) : accum_T(x) {{}}
    {FLOAT32_MEAN} operator/(unsigned c) const {{ return mean_T::of(*this, c); }}
    {FLOAT32_MEAN} operator/(int c) const {{ return mean_T::of(*this, unsigned(c)); }}
    {FLOAT32_MEAN} &operator/=(unsigned c) {{ return *this = mean_T::of(*this, c); }}
}};"""


class _Average:
    """hls4ml reads ``pool_op`` from the class name; ours are ``HGQ``-prefixed."""

    def initialize(self) -> None:
        super().initialize()
        self.set_attr('pool_op', 'Average')


class HGQAveragePooling1D(_Average, Pooling1D):
    pass


class HGQAveragePooling2D(_Average, Pooling2D):
    pass


class HGQGlobalAveragePooling1D(_Average, GlobalPooling1D):
    pass


class HGQGlobalAveragePooling2D(_Average, GlobalPooling2D):
    pass


#: Our class -> the hls4ml class whose templates it formats.
AVERAGE_POOLING = {
    HGQAveragePooling1D: Pooling1D,
    HGQAveragePooling2D: Pooling2D,
    HGQGlobalAveragePooling1D: GlobalPooling1D,
    HGQGlobalAveragePooling2D: GlobalPooling2D,
}


def _window_sums(node: Layer) -> tuple[iv.QInterval, np.ndarray]:
    """The exact window sums of the node's input range and their element counts (the input range is the type's)."""
    x = node.get_input_variable()
    t = FixedType(bool(x.type.precision.signed), int(x.type.precision.width), int(x.type.precision.integer))
    index = pool_windows(node, tuple(x.shape))
    return iv.window_sum(iv.from_type(t, tuple(x.shape)), index), average_counts(index)


def _fixed(t: FixedType) -> str:
    return f'ap_{"" if t.signed else "u"}fixed<{t.width}, {t.integer}>'


def mean_source(node: Layer, name: str) -> str:
    """The struct ``name`` whose ``of(sum, c)`` is Keras's float32 average of the node's window sums."""
    sums, counts = _window_sums(node)
    cs = sorted({int(c) for c in np.ravel(counts)})
    return mean_struct(
        name, node.get_attr('accum_t').name, sums.union_type(), cs, node.get_attr('hgq_average_arithmetic'), node.name
    )


def mean_struct(name: str, accum: str, sum_t: FixedType, counts: list[int], arithmetic: str, what: str = '') -> str:
    """A struct ``name`` whose ``static accum of(const accum &sum, unsigned c)`` is Keras's float32 average, with
    ``arithmetic``, of a sum of type ``sum_t`` over ``c`` elements, ``c`` among ``counts``."""
    if arithmetic == 'reciprocal':
        recips = {c: reciprocal(c) for c in counts}
        r_t = iv.constant(np.array(list(recips.values()))).union_type()
        terms = [f'{_fixed(r_t)}({recips[c]!r})' for c in counts]
        product_t = FixedType(True, sum_t.width + r_t.width + 1, sum_t.integer + r_t.integer + 1)
        value = f'{ROUND_TO_FLOAT32}({_fixed(product_t)}(s * {_select(counts, terms)}))'
        formula = 'fl32(sum * fl32(1 / c))'
    elif arithmetic == 'division':
        frac = sum_t.fractional + SIGNIFICAND_BITS + 2 * ceil(log2(max(counts)))  # see docs/averages.md
        q_t = FixedType(True, sum_t.integer + 1 + frac, sum_t.integer + 1)
        terms = [f'{_fixed(q_t)}({_fixed(q_t)}(s) / {c}u)' for c in counts]
        value = f'{ROUND_TO_FLOAT32}({_select(counts, terms)})'
        formula = 'fl32(sum / c)'
    else:
        raise ValueError(f'unknown average arithmetic {arithmetic!r}')
    head = f"{what + ': ' if what else ''}Keras's float32 average ({arithmetic}: {formula})"
    return f"""// {head}, c in {{{', '.join(map(str, counts))}}}
struct {name} {{
    static {accum} of(const {accum} &sum, unsigned c) {{
        #pragma HLS INLINE
        const {_fixed(sum_t)} s = sum;
        return {value};
    }}
}};
"""


def _select(cs: list[int], terms: list[str]) -> str:
    """``terms[j]`` for ``c == cs[j]`` (the last one otherwise)."""
    expr = terms[-1]
    for c, term in zip(reversed(cs[:-1]), reversed(terms[:-1])):
        expr = f'(c == {c} ? {term} : {expr})'
    return expr


class _AverageName:
    """Stands for ``accum_t`` in hls4ml's config template: the name of our mean type."""

    def __init__(self, name: str):
        self.name = name


class _ForOurClasses:
    """Before one of hls4ml's pooling templates: it serves our classes, each with its hls4ml base class's text."""

    kind: str

    def __init__(self):
        super().__init__()
        self.layer_class = list(AVERAGE_POOLING)
        self.templates = {cls.__name__: self.templates[base.__name__] for cls, base in AVERAGE_POOLING.items()}
        self.name = f'hgq_average_pooling_{self.kind}_template'


class HGQAveragePoolingConfigTemplate(_ForOurClasses, PoolingConfigTemplate):
    kind = 'config'

    def format(self, node: Layer) -> str:
        params = self._default_config_params(node)
        mean = f'config{node.index}_mean'
        params['accum_t'] = _AverageName(f'{FLOAT32_MEAN}<{node.get_attr("accum_t").name}, {mean}>')
        return mean_source(node, mean) + self.templates[node.class_name].format(**params)


class HGQAveragePoolingFunctionTemplate(_ForOurClasses, PoolingFunctionTemplate):
    kind = 'function'
