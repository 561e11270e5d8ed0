"""Benchmark: the C-simulation build (``build_lib.sh``) of hls4ml's script against the plugin's, on three CNNs.

``python benchmarks/csim_build.py [--models small,digits,svhn] [--io io_parallel,io_stream] [--repeat N]
[--levels] [--samples N] [--json out.json]``. Every model is converted through the plugin and written once per IO
type; then, in the same run and project:

- **hls4ml's script** (``-O3``, one translation unit after the other, no cache), rendered from hls4ml's own
  template the way its writer does;
- **ours, first build**: the ``build_lib.sh`` the plugin wrote, with an empty build cache (so it precompiles the
  ap_types headers too, as once per machine, flags and hls4ml version);
- **ours, new sources**: the same with the precompiled headers in the cache but not the library, as for a model
  not built before;
- **ours, cached**: the project written again (a new stamp) and built again, as ``compile()`` of an unchanged
  project;
- with ``--levels``, ours without the cache (nor precompiled headers) at each of ``-O0``, ``-O1``, our default
  flags, ``-O2``, ``-O3`` (``HGQ_HLS4ML_CSIM_OPT``).

Printed per build: the CPU time of the compiler processes (``RUSAGE_CHILDREN``: user + system, every g++ the
script ran), the wall time, the peak memory of the largest compiler process, and for every library built the C
simulation's run time on ``--samples`` inputs and whether its outputs equal Keras's bit for bit. Timings are
medians over ``--repeat`` runs. The machine's other load inflates the wall time, hardly the CPU time.

Models (seeded, every bit-width drawn at random per element as in ``suite.py``): ``small``, two convolutions on
6x6x2 (the test suite's ``conv2d`` family); ``digits``, ``QConv2D(4, 3)`` + ``QDense(16)`` + ``QDense(10)`` on 8x8x1
(``example_projects/digits``); ``svhn``, three ``QConv2D(16/32/64, 3)`` + ``QMaxPooling2D(2)`` blocks and a
``QDense(10)`` head on 32x32x3 (26k weights).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault('KERAS_BACKEND', 'jax')


def _child(argv: list[str]) -> None:
    """Run ``argv`` and print the rusage of everything it ran (in a process of its own: ``ru_maxrss`` is then the
    peak of this one build's largest process)."""
    t0 = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                'rc': proc.returncode,
                'cpu_s': ru.ru_utime + ru.ru_stime,
                'wall_s': wall,
                'peak_mb': ru.ru_maxrss / 1024,
                'out': proc.stdout[-2000:],
            }
        )
    )


if __name__ == '__main__' and sys.argv[1:2] == ['--child']:  # before Keras: its memory would count as the build's
    _child(sys.argv[2:])
    sys.exit()

import numpy as np  # noqa: E402
from suite import CNNS, build, sample_inputs  # noqa: E402

from hgq_hls4ml.csim.build_script import CACHE_DIR_ENV, DEFAULT_OPT, NO_CACHE_ENV, OPT_ENV  # noqa: E402

LEVELS = ('-O0', '-O1', DEFAULT_OPT, '-O2', '-O3')


def upstream_script(project_dir: Path) -> Path:
    """hls4ml's own ``build_lib.sh`` for this project, rendered from its template as its writer does."""
    import hls4ml

    ours = dict(line.split('=', 1) for line in (project_dir / 'build_lib.sh').read_text().splitlines() if '=' in line)
    template = Path(hls4ml.__file__).parent / 'templates/vivado/build_lib.sh'
    path = project_dir / 'build_lib_upstream.sh'
    path.write_text(template.read_text().replace('myproject', ours['PROJECT']).replace('mystamp', ours['LIB_STAMP']))
    path.chmod(0o755)
    return path


def run_build(script: Path, env: dict[str, str]) -> dict:
    res = subprocess.run(
        [sys.executable, __file__, '--child', str(script)],
        cwd=script.parent,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    out = json.loads(res.stdout.strip().splitlines()[-1])
    if out['rc'] != 0:
        raise RuntimeError(f'{script} failed:\n{out["out"]}')
    return out


def library(project_dir: Path) -> Path:
    (lib,) = sorted(project_dir.glob('firmware/myproject-*.so'), key=lambda p: p.stat().st_mtime)[-1:]
    return lib


def simulate(lib: Path, x: np.ndarray, n_out: int) -> tuple[np.ndarray, float]:
    """The library's outputs on ``x`` (hls4ml's bridge entry point ``myproject_double``, one sample a call, as
    ``ModelGraph.predict`` calls it), and the CPU time that took. A fresh copy is loaded every time."""
    copy = lib.with_name(f'{lib.stem}-run{time.monotonic_ns()}.so')
    copy.write_bytes(lib.read_bytes())
    fn = ctypes.cdll.LoadLibrary(str(copy)).myproject_double
    fn.restype = None
    ptr = np.ctypeslib.ndpointer(ctypes.c_double, flags='C_CONTIGUOUS')
    fn.argtypes = [ptr, ptr]
    flat = np.ascontiguousarray(x.reshape(len(x), -1), dtype=np.float64)
    y = np.zeros((len(x), n_out))
    t0 = time.process_time()
    for i in range(len(x)):
        row = np.zeros(n_out)
        fn(flat[i], row)
        y[i] = row
    dt = time.process_time() - t0
    copy.unlink()
    return y, dt


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def measure(name: str, io_type: str, args, work: Path) -> list[dict]:
    import hgq_hls4ml

    model = build(CNNS[name])
    x = sample_inputs(model, CNNS[name], args.samples)
    ref = np.asarray(model.predict(x, verbose=0), dtype=np.float64).reshape(len(x), -1)
    prj = work / f'{name}_{io_type}'
    t0 = time.perf_counter()
    hls_model = hgq_hls4ml.convert(model, prj, io_type=io_type)
    hls_model.write()
    write_s = time.perf_counter() - t0
    ours, upstream = prj / 'build_lib.sh', upstream_script(prj)
    rows = []

    def emit(label: str, results: list[dict], run_lib: bool = True) -> None:
        row = {
            'model': name,
            'io_type': io_type,
            'build': label,
            'cpu_s': _median(results, 'cpu_s'),
            'wall_s': _median(results, 'wall_s'),
            'peak_mb': max(r['peak_mb'] for r in results),
            'write_s': write_s,
        }
        if run_lib:
            y, dt = simulate(library(prj), x, ref.shape[1])
            row.update(run_s=dt, bit_exact=bool((y.astype(np.float32).astype(np.float64) == ref).all()))
        rows.append(row)
        print(_line(row), flush=True)

    no_cache = {NO_CACHE_ENV: '1'}
    emit('hls4ml -O3', [run_build(upstream, no_cache) for _ in range(args.repeat)])
    caches = [Path(tempfile.mkdtemp(prefix='cache_', dir=work)) for _ in range(args.repeat)]
    emit('ours, first build', [run_build(ours, {CACHE_DIR_ENV: str(cache)}) for cache in caches])
    new = []
    for cache in caches:  # the precompiled header in the cache, the library not: a model not built before
        for lib in (cache / 'csim').glob('*.so'):
            lib.unlink()
        new.append(run_build(ours, {CACHE_DIR_ENV: str(cache)}))
    emit('ours, new sources', new)
    hls_model.write()  # an unchanged project written again: a new stamp, the same sources
    emit('ours, cached', [run_build(ours, {CACHE_DIR_ENV: str(caches[-1])}) for _ in range(args.repeat)], False)
    if args.levels:
        for level in LEVELS:
            emit(f'ours {level}, no cache', [run_build(ours, {**no_cache, OPT_ENV: level})])
    return rows


def _line(row: dict) -> str:
    run = f', run {row["run_s"]:.2f} s, bit-exact {row["bit_exact"]}' if 'run_s' in row else ''
    return (
        f'{row["model"]:>6} {row["io_type"]:<11} {row["build"]:<34} CPU {row["cpu_s"]:7.1f} s, wall '
        f'{row["wall_s"]:7.1f} s, g++ peak {row["peak_mb"]:6.0f} MB{run}  (project written in {row["write_s"]:.1f} s)'
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', default='small,digits,svhn')
    parser.add_argument('--io', default='io_parallel,io_stream')
    parser.add_argument('--repeat', type=int, default=1, help='builds per variant; the medians are printed')
    parser.add_argument('--samples', type=int, default=200, help='inputs the C simulation runs')
    parser.add_argument('--levels', action='store_true', help='also our script at -O0 ... -O3, no cache')
    parser.add_argument('--json', help='write every row to this file')
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix='hgq_csim_build_') as tmp:
        for name in args.models.split(','):
            for io_type in args.io.split(','):
                rows += measure(name, io_type, args, Path(tmp))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == '__main__':
    main()
