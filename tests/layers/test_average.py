"""The generated float32 average (``hgq_round_to_float32``, ``hgq_float32_mean``, a layer's ``mean`` struct),
compiled with g++ and the real ``ap_types``, equals Keras's float32 average (``keras_mean``) on every sum.

Each configuration is a sum type and a set of element counts; small sum types are checked on every value they
hold (float32 rounding ties included: a 12-bit sum times a 24-bit reciprocal drops 12 bits, exactly half of them
for some sums), 24-bit ones on random values and the extremes.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import hls4ml
import numpy as np
import pytest

from hgq_hls4ml.layers.average import FLOAT32_MEAN, mean_struct
from hgq_hls4ml.layers.codegen import with_helpers
from hgq_hls4ml.precision import interval as iv
from hgq_hls4ml.precision.fixed import FixedType
from hgq_hls4ml.precision.float32 import keras_mean

AP_TYPES = pathlib.Path(hls4ml.__file__).parent / 'templates/vivado/ap_types'

#: (sum type, counts): 'same'-padding sets mix powers of two in; 24-bit sums are float32's widest exact ones.
CONFIGS = [
    (FixedType(True, 12, 5), [30]),
    (FixedType(True, 10, 2), [3, 4, 6, 9]),
    (FixedType(False, 11, 8), [7]),
    (FixedType(True, 13, -2), [5, 25]),
    (FixedType(True, 24, 10), [3, 30, 1000]),
    (FixedType(False, 24, 24), [11, 4095]),
]
ARITHMETICS = ('reciprocal', 'division')


def _values(t: FixedType, rng: np.random.Generator) -> np.ndarray:
    """Every value of ``t`` if it has at most 12 bits, else random ones and the extremes."""
    lsb = 2.0**-t.fractional
    lo, hi = round(t.min_value / lsb), round(t.max_value / lsb)
    if t.width <= 12:
        raw = np.arange(lo, hi + 1)
    else:
        edges = [v for v in (lo, lo + 1, -1, 0, 1, hi - 1, hi) if lo <= v <= hi]
        raw = np.concatenate([rng.integers(lo, hi + 1, 3000), edges])
    return raw * lsb


def _accum(t: FixedType, counts: list[int], arithmetic: str) -> FixedType:
    """The accumulator the analysis would give: the sum's range and the average's, on the average's grid."""
    total = iv.from_type(t, (len(counts),))
    return iv.hull(total, iv.average(total, np.array(counts), arithmetic)).union_type()


@pytest.fixture(scope='module')
def mean_program(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    if shutil.which('g++') is None:
        pytest.skip('g++ is not available')
    structs, cases = [], []
    for j, (t, counts) in enumerate(CONFIGS):
        for a, arithmetic in enumerate(ARITHMETICS):
            k = 2 * j + a
            accum = _accum(t, counts, arithmetic)
            structs.append(
                f'typedef {accum.cpp()} accum{k}_t;\n' + mean_struct(f'mean{k}', f'accum{k}_t', t, counts, arithmetic)
            )
            cases.append(
                f'case {k}: {{ {FLOAT32_MEAN}<accum{k}_t, mean{k}> s = {t.cpp()}(x); y = (s / c).to_double(); break; }}'
            )
    program = f"""{''.join(structs)}
int main() {{
    int k;
    unsigned c;
    double x, y = 0;
    while (std::scanf("%d %u %lf", &k, &c, &x) == 3) {{
        switch (k) {{
        {chr(10).join(cases)}
        }}
        std::printf("%.17g\\n", y);
    }}
}}
"""
    source = f'#include <cstdio>\n#include <ap_fixed.h>\n{with_helpers(program)}'
    d = tmp_path_factory.mktemp('average')
    (d / 'mean.cpp').write_text(source)
    subprocess.run(
        ['g++', '-O1', '-std=c++14', f'-I{AP_TYPES}', str(d / 'mean.cpp'), '-o', str(d / 'mean')],
        check=True,
        capture_output=True,
    )
    return d / 'mean'


@pytest.mark.parametrize('arithmetic', ARITHMETICS)
@pytest.mark.parametrize('config', range(len(CONFIGS)), ids=lambda j: f'{CONFIGS[j][0].cpp()}-{CONFIGS[j][1]}')
def test_generated_average_is_keras_float32_average(mean_program, config: int, arithmetic: str) -> None:
    t, counts = CONFIGS[config]
    k = 2 * config + ARITHMETICS.index(arithmetic)
    s = _values(t, np.random.default_rng(config))
    cs = np.repeat(np.array(counts), len(s))
    ss = np.tile(s, len(counts))
    lines = ''.join(f'{k} {c} {float(x)!r}\n' for c, x in zip(cs, ss))
    out = subprocess.run([str(mean_program)], input=lines, capture_output=True, text=True, check=True).stdout
    got = np.array(out.split(), dtype=np.float64)
    expected = keras_mean(ss, cs, arithmetic)
    differ = np.flatnonzero(got != expected)
    assert differ.size == 0, [(ss[j], int(cs[j]), got[j], expected[j]) for j in differ[:5]]


def test_the_two_arithmetics_differ_on_these_sums() -> None:
    """The configurations distinguish the backends: some sums average differently in the two arithmetics."""
    t, counts = CONFIGS[0]
    s = _values(t, np.random.default_rng(0))
    assert (keras_mean(s, counts[0], 'reciprocal') != keras_mean(s, counts[0], 'division')).any()
