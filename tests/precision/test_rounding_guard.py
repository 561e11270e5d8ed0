"""Casting a value with many fractional bits into a rounding type: the ap_types headers assert unless the source
is widened first (``rounding_safe_source``); with the widening, every source code casts like HGQ2 quantizes."""

import subprocess

import numpy as np
import pytest
from quantizers.fixed_point.fixed_point_ops_np import get_fixed_quantizer_np

from hgq_hls4ml.layers.element_quantizer import element_cast
from hgq_hls4ml.precision.fixed import FixedType, rounding_safe_source

from .ap_catalog import CXX

#: (source type, destination k, i, f, rounding, overflow): sources whose bits all lie below the destination's LSB
CASES = [
    (FixedType(False, 4, -3), (1, 3, 2, 'RND', 'SAT')),
    (FixedType(True, 3, -5), (0, 2, 1, 'RND_CONV', 'WRAP')),
    (FixedType(True, 2, -1), (1, 1, 0, 'RND_INF', 'SAT_SYM')),
    (FixedType(False, 6, -2), (0, 3, -1, 'RND_MIN_INF', 'SAT')),
    (FixedType(True, 5, 2), (1, 1, 3, 'RND', 'WRAP')),  # no widening needed
]


def test_widening_rule():
    assert rounding_safe_source(FixedType(False, 4, -3), FixedType(True, 6, 4, 'RND', 'SAT')) == FixedType(False, 5, -2)
    assert rounding_safe_source(FixedType(False, 4, -3), FixedType(True, 6, 4, 'TRN', 'SAT')) is None
    assert rounding_safe_source(FixedType(True, 8, 2), FixedType(True, 6, 4, 'RND', 'SAT')) is None


def _codes(t: FixedType) -> np.ndarray:
    codes = np.arange(2**t.width, dtype=np.float64)
    if t.signed:
        codes -= 2 ** (t.width - 1)
    return codes * 2.0**-t.fractional


@pytest.mark.parametrize('src, dst', CASES, ids=[f'{s.cpp()}->{d}' for s, d in CASES])
def test_every_source_code_casts_like_hgq2(src, dst, tmp_path):
    k, i, f, rnd, ovf = dst
    values = _codes(src)
    expr = element_cast(k, i, f, rnd, ovf, 'x', src)
    prog = tmp_path / 'cast.cpp'
    prog.write_text(
        '#include <ap_fixed.h>\n#include <cstdio>\nint main() {\n'
        f'    const double v[] = {{{", ".join(map(repr, values.tolist()))}}};\n'
        f'    for (double d : v) {{ {src.cpp()} x = d; std::printf("%a\\n", (double)({expr}).to_double()); }}\n'
        '}\n'
    )
    exe = tmp_path / 'cast'
    subprocess.run([*CXX, str(prog), '-o', str(exe)], check=True, capture_output=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()
    got = np.array([float.fromhex(s) for s in out])
    q = get_fixed_quantizer_np(rnd, ovf)
    want = q(values, *(np.full_like(values, float(v)) for v in (k, i, f)))
    np.testing.assert_array_equal(got, want)
