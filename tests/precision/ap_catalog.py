"""A fixed, seeded catalogue of quantizer types and a compiled C++ program evaluating ``ap_fixed`` casts of them.

Every entry is one HGQ2 quantizer element ``(k, i, f, rounding, overflow)``. The C++ program casts ``x`` through
``element_type(...).cpp()`` (or prints ``0`` for zero-width elements, like ``element_cast``) and prints the result
as an exact hex float, so Python can compare it bit for bit with the ``quantizers`` numpy reference.
"""

from __future__ import annotations

import pathlib
import subprocess
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import hls4ml
import numpy as np
from quantizers.fixed_point.fixed_point_ops_np import get_fixed_quantizer_np

from hgq_hls4ml.precision.fixed import OVERFLOW_MODES, ROUND_MODES, FixedType, element_type

Combo = tuple[str, str]

#: Every (rounding, overflow) pair the ``quantizers`` reference accepts (it allows WRAP_SM with RND/RND_CONV only).
COMBOS: tuple[Combo, ...] = tuple(
    (r, o) for o in OVERFLOW_MODES for r in ROUND_MODES if o != 'WRAP_SM' or r in ('RND', 'RND_CONV')
)

#: Hand-picked (k, i, f) shapes present for every combo: 1/2-bit, 16-20 bit, negative i, f < 0 (I > W), dead.
SPECIAL_KIFS: tuple[tuple[int, int, int], ...] = (
    (1, 0, 0),  # 1-bit signed {-1, 0}
    (0, 1, 0),  # 1-bit unsigned {0, 1}
    (1, -1, 1),  # 1-bit signed {-0.5, 0}
    (0, -2, 3),  # 1-bit unsigned, negative i
    (1, 1, 0),  # 2-bit signed
    (0, 0, 2),  # 2-bit unsigned, pure fraction
    (1, 7, 8),  # 16-bit signed
    (0, 10, 10),  # 20-bit unsigned
    (1, -3, 20),  # 18-bit signed, negative i
    (1, 6, -3),  # f < 0: I = 7 > W = 4
    (0, 9, -5),  # f < 0: I = 9 > W = 4
    (1, 2, -2),  # f < 0: W = 1
    (0, -3, 3),  # W = 0: constant zero
    (1, -4, 1),  # W = -2: constant zero
)
N_RANDOM_KIFS = 3
SEED = 20240611

SUPPORTED_WIDTH = 20


@dataclass(frozen=True)
class Entry:
    """One catalogue element; ``id`` is its case label in the C++ switch."""

    id: int
    k: int
    i: int
    f: int
    rounding: str
    overflow: str

    @property
    def combo(self) -> Combo:
        return self.rounding, self.overflow

    @property
    def width(self) -> int:
        return self.k + self.i + self.f

    @property
    def type(self) -> FixedType | None:
        return element_type(self.k, self.i, self.f, self.rounding, self.overflow)

    @property
    def lsb(self) -> float:
        return 2.0**-self.f

    def __str__(self) -> str:
        t = self.type
        return f'#{self.id} k={self.k} i={self.i} f={self.f} {t.cpp() if t else "<constant zero>"}'


def _random_kifs(rng: np.random.Generator, n: int) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    while len(out) < n:
        k, i, f = int(rng.integers(0, 2)), int(rng.integers(-6, 13)), int(rng.integers(-5, 16))
        if 1 <= k + i + f <= SUPPORTED_WIDTH:
            out.append((k, i, f))
    return out


def build_catalogue(seed: int = SEED) -> tuple[Entry, ...]:
    rng = np.random.default_rng(seed)
    entries: list[Entry] = []
    for r, o in COMBOS:
        for k, i, f in (*SPECIAL_KIFS, *_random_kifs(rng, N_RANDOM_KIFS)):
            entries.append(Entry(len(entries), k, i, f, r, o))
    return tuple(entries)


CATALOGUE: tuple[Entry, ...] = build_catalogue()


def entries_for(combo: Combo) -> list[Entry]:
    return [e for e in CATALOGUE if e.combo == combo]


# ---------------------------------------------------------------------------------------------------------------
# reference


def reference(entry: Entry, xs: np.ndarray) -> np.ndarray:
    """HGQ2 semantics: the ``quantizers`` numpy quantizer, and exact zero for zero-width elements."""
    xs = np.asarray(xs, dtype=np.float64)
    if entry.width <= 0:
        return np.zeros_like(xs)
    q = get_fixed_quantizer_np(entry.rounding, entry.overflow)
    kif = (np.full_like(xs, v) for v in (entry.k, entry.i, entry.f))
    return np.asarray(q(xs, *kif), dtype=np.float64)


# ---------------------------------------------------------------------------------------------------------------
# C++ program

AP_TYPES = pathlib.Path(hls4ml.__file__).parent / 'templates/vivado/ap_types'
CXX = ('g++', '-O1', '-std=c++17', f'-I{AP_TYPES}')

_PART = """#include <ap_fixed.h>
{preamble}
bool eval_part_{n}(int id, double x, double *out) {{
    switch (id) {{
{cases}
    default: return false;
    }}
    return true;
}}
"""

_MAIN = """#include <cstdio>
#include <cstdlib>

{decls}

int main() {{
    char buf[256];
    while (std::fgets(buf, sizeof buf, stdin)) {{
        char *end;
        int id = (int)std::strtol(buf, &end, 10);
        double x = std::strtod(end, nullptr);
        double out = 0.0;
        if (!({calls})) {{
            std::fprintf(stderr, "unknown id %d\\n", id);
            return 2;
        }}
        std::printf("%a\\n", out);
    }}
    return 0;
}}
"""


def _case(entry: Entry) -> str:
    t = entry.type
    expr = '0.0' if t is None else f'{t.cpp()}(x).to_double()'
    return f'    case {entry.id}: *out = {expr}; break;'


def write_sources(
    entries: Sequence, directory: pathlib.Path, n_parts: int, case: Callable = _case, preamble: str = ''
) -> list[pathlib.Path]:
    """One ``main.cpp`` and ``n_parts`` translation units, each a ``switch`` of ``case(entry)`` lines after
    ``preamble`` (an entry is anything with an ``id``; ``case`` sets ``double *out`` from ``double x``)."""
    chunks = [entries[p::n_parts] for p in range(n_parts)]
    sources = []
    for n, chunk in enumerate(chunks):
        src = directory / f'part_{n}.cpp'
        src.write_text(_PART.format(n=n, preamble=preamble, cases='\n'.join(case(e) for e in chunk)))
        sources.append(src)
    main = directory / 'main.cpp'
    decls = '\n'.join(f'bool eval_part_{n}(int id, double x, double *out);' for n in range(n_parts))
    calls = ' || '.join(f'eval_part_{n}(id, x, &out)' for n in range(n_parts))
    main.write_text(_MAIN.format(decls=decls, calls=calls))
    return [main, *sources]


def _run(cmd: Sequence[str]) -> None:
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError(f'{" ".join(cmd)} failed:\n{res.stderr[-4000:]}')


@dataclass(frozen=True)
class ApProgram:
    """The compiled evaluator; ``compile_seconds`` is the wall time of the (parallel) build."""

    exe: pathlib.Path
    compile_seconds: float

    def __call__(self, ids: Sequence[int] | np.ndarray, xs: Sequence[float] | np.ndarray) -> np.ndarray:
        """``ap_fixed<...>(x).to_double()`` for each ``(id, x)`` pair, in one subprocess call."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        xs = np.asarray(xs, dtype=np.float64).ravel()
        stdin = ''.join(f'{n} {float(x).hex()}\n' for n, x in zip(ids.tolist(), xs.tolist(), strict=True))
        res = subprocess.run([str(self.exe)], input=stdin, capture_output=True, text=True)
        if res.returncode:
            raise RuntimeError(f'ap_fixed evaluator exited with {res.returncode}: {res.stderr.strip()}')
        out = np.array([float.fromhex(s) for s in res.stdout.split()], dtype=np.float64)
        assert out.shape == xs.shape, f'expected {xs.size} results, got {out.size}'
        return out


def build_program(
    directory: pathlib.Path,
    entries: Sequence = CATALOGUE,
    n_parts: int = 4,
    case: Callable = _case,
    preamble: str = '',
) -> ApProgram:
    """Compile every entry into one executable; translation units are compiled in parallel."""
    main, *parts = write_sources(entries, directory, n_parts, case, preamble)
    start = time.perf_counter()
    objs = [src.with_suffix('.o') for src in (main, *parts)]
    with ThreadPoolExecutor(max_workers=n_parts + 1) as pool:
        list(pool.map(_run, [(*CXX, '-c', str(s), '-o', str(o)) for s, o in zip((main, *parts), objs)]))
    exe = directory / 'ap_eval'
    _run(('g++', *(str(o) for o in objs), '-o', str(exe)))
    return ApProgram(exe, time.perf_counter() - start)
