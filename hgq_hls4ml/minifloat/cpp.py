"""The minifloat quantize step in C++: ``hgq_minifloat_quantize<M, E, E0>(x)`` takes any ``ap_fixed``/``ap_ufixed``
``x`` and returns the minifloat ``(M, E, E0)`` nearest it (ties to even, subnormals, saturation) as the exact
``hgq_minifloat_format<M, E, E0>::type``, the narrowest ``ap_fixed`` holding every value of the format
(:func:`hgq_hls4ml.minifloat.format.exact_type`).

Our own names: hls4ml ships an ``ap_float.h`` whose parameters differ from Vitis HLS's ``ap_float``.
The step finds ``x``'s leading one, clamps its exponent to ``[e_low, e_high]``, rounds the magnitude to a step of
``2**(exponent - M)`` (ties to even, in integer arithmetic on ``x``'s raw bits), clips it to the largest value and
restores the sign.
"""

from __future__ import annotations

MINIFLOAT_FORMAT = 'hgq_minifloat_format'
MINIFLOAT_QUANTIZE = 'hgq_minifloat_quantize'

#: The definitions, guarded so that several headers may include them; needs ``ap_fixed.h``.
MINIFLOAT_SOURCE = f"""#ifndef HGQ_HLS4ML_MINIFLOAT
#define HGQ_HLS4ML_MINIFLOAT

template <int M, int E, int E0> struct {MINIFLOAT_FORMAT} {{
    static_assert(M >= 0 && E >= 0, "minifloat: M and E must not be negative");
    static const int half = E > 1 ? (1 << (E - 1)) : 1;
    static const int e_low = E0 + 1 - half;   // lowest binade; subnormals share its step
    static const int e_high = E0 + half - 1;  // highest binade; larger magnitudes saturate
    // sign, e_high + 1 integer bits, M - e_low fractional bits
    typedef ap_fixed<e_high + 2 + M - e_low, e_high + 2> type;
    // the largest magnitude (2**(M+1) - 1) * 2**(e_high - M): M + 1 ones
    typedef ap_ufixed<M + 1, e_high + 1> top_t;
}};

template <int M, int E, int E0, int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
typename {MINIFLOAT_FORMAT}<M, E, E0>::type {MINIFLOAT_QUANTIZE}(const ap_fixed_base<W, I, S, Q, O, N> &x) {{
    #pragma HLS INLINE
    typedef {MINIFLOAT_FORMAT}<M, E, E0> fmt;
    typedef typename fmt::type out_t;
    const int F = W - I;
    ap_fixed<W + 1, I + 1> sx = x;
    const bool negative = sx < 0;
    ap_ufixed<W, I> ax = negative ? ap_fixed<W + 1, I + 1>(-sx) : sx;
    ap_uint<W + 1> a = ax.range(W - 1, 0);  // |x| in units of x's LSB
    int lead = -1;
    for (int b = 0; b < W; b++) {{
        #pragma HLS UNROLL
        if (a[b]) lead = b;
    }}
    if (lead < 0) return out_t(0);
    const int binade = lead - F;
    const int exponent = binade < fmt::e_low ? fmt::e_low : (binade > fmt::e_high ? fmt::e_high : binade);
    const int s = exponent - M + F;  // the format's step is 2**s LSBs of x
    ap_uint<W + 1> r = a;
    if (s > W) {{
        r = 0;  // below half the step: a < 2**W <= 2**(s-1)
    }} else if (s > 0) {{
        ap_uint<W + 1> q = a >> s;
        ap_uint<W + 1> rem = a - (q << s);
        ap_uint<W + 1> tie = ap_uint<W + 1>(1) << (s - 1);
        bool up = rem > tie || (rem == tie && q[0]);
        r = (q + up) << s;
    }}
    ap_ufixed<W + 1, I + 1> mag;
    mag.range(W, 0) = r;
    typename fmt::top_t top = 0;
    top = ~top;
    if (mag > top) mag = top;
    out_t y = mag;
    if (negative) y = -y;
    return y;
}}

#endif
"""


def quantize_call(m: int, e: int, e0: int, src: str) -> str:
    """The C++ expression quantizing ``src`` to the minifloat ``(m, e, e0)``."""
    return f'{MINIFLOAT_QUANTIZE}<{int(m)}, {int(e)}, {int(e0)}>({src})'
