"""Benchmark: the time ``hgq_hls4ml.convert`` takes on deep models, and how often it runs the model check.

``python benchmarks/conversion_time.py [--layers 50 200] [--baseline DIR]``. Each model is a chain of ``n`` small
``QDense(4)`` layers (seeded), converted (no project written, no C++ built) in a fresh process of its own. Printed
per depth: the convert time (best of 3) and the number of ``layer_problems`` calls (one per layer of the model for
each whole-model check). With ``--baseline DIR`` (another checkout of hgq_hls4ml, e.g. the main branch), the same is
measured with ``DIR`` first on ``PYTHONPATH``, and the ratios this checkout / baseline are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 3
WORKER_TIMEOUT_S = 1800


def _worker(n_layers: int) -> dict:
    os.environ.setdefault('KERAS_BACKEND', 'jax')
    import keras
    from hgq.layers import QDense

    import hgq_hls4ml
    from hgq_hls4ml.handlers import precheck

    calls = 0
    problems = precheck.layer_problems

    def counted(layer):
        nonlocal calls
        calls += 1
        return problems(layer)

    precheck.layer_problems = counted
    keras.utils.set_random_seed(0)
    inp = keras.Input((4,))
    x = inp
    for _ in range(n_layers):
        x = QDense(4)(x)
    model = keras.Model(inp, x)
    times = []
    for _ in range(REPEATS):
        calls = 0
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            hgq_hls4ml.convert(model, Path(out) / 'prj')
            times.append(time.perf_counter() - t0)
    return {'layers': n_layers, 'convert_s': min(times), 'layer_problems_calls': calls}


def _measure(n_layers: int, pythonpath: str | None) -> dict:
    env = dict(os.environ)
    if pythonpath:
        env['PYTHONPATH'] = os.pathsep.join(p for p in (pythonpath, env.get('PYTHONPATH')) if p)
    out = subprocess.run(
        [sys.executable, __file__, '--worker', str(n_layers)],
        env=env,
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--layers', type=int, nargs='+', default=[50, 200])
    parser.add_argument('--baseline', help='another checkout of hgq_hls4ml to compare with')
    parser.add_argument('--worker', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(_worker(args.worker)))
        return
    header = f'{"layers":>6} {"convert s":>10} {"checks":>8}'
    if args.baseline:
        header += f' {"base s":>8} {"base checks":>11} {"time ratio":>10} {"check ratio":>11}'
    print(header)
    for n in args.layers:
        here = _measure(n, str(Path(__file__).resolve().parents[1]))
        row = f'{n:>6} {here["convert_s"]:>10.2f} {here["layer_problems_calls"]:>8}'
        if args.baseline:
            base = _measure(n, args.baseline)
            row += (
                f' {base["convert_s"]:>8.2f} {base["layer_problems_calls"]:>11}'
                f' {here["convert_s"] / base["convert_s"]:>10.2f}'
                f' {here["layer_problems_calls"] / base["layer_problems_calls"]:>11.3f}'
            )
        print(row, flush=True)


if __name__ == '__main__':
    main()
