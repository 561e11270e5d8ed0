"""Benchmark: time to verdict. C-simulation speed, batched against per-sample, and the CLI's ``verify`` wall time.

``python benchmarks/verdict.py [--models jsc_small,jet_tagger_pf,svhn_cnn] [--samples N] [--repeat N]
[--no-cli] [--json out.json]``. In one run, on the same machine, with a build cache of the run's own (cold):

- per model: samples/s of hls4ml's per-sample ``predict`` (a Python loop calling the library once per sample:
  what ``hm.predict`` did before the batch entry points), of the batched C simulation (``hm.predict``, one call
  per thread looping in C++) on one thread and on every core, of the same library's per-sample function called
  from a plain C++ loop (``csim_loop.cpp``: the limit of one thread), of Keras's ``predict``, and of alkaid's
  interpreter (HGQ2's DA path; it takes WRAP-calibrated models only, so it runs where a model is one); the
  batched outputs are checked equal to the per-sample ones;
- ``hgq-hls4ml verify`` of ``jsc_small`` on ``--samples`` inputs, as a user runs it (a new process), first with
  empty caches (cold: g++ builds, JAX compiles) and then again (warm), with its phase breakdown (``times:``).

Printed: the table, then the ratios the goals name (issue 28): batched on every core over per-sample (goal >= 10x on
``jsc_small``), the C++ loop over batched on one thread (goal <= 1.3x), ``verify`` cold over its compile time (goal
<= 2x) and ``verify`` warm in seconds (goal < 5 s). Rates are the best of ``--repeat`` runs (the machine's other
load only slows a run down).

Models: ``jsc_small`` (HGQ2's small jet tagger, 16-64-32-32-5, WRAP activations calibrated on the samples),
``jet_tagger_pf`` (``example_projects/jet_tagger_pf``: 64 particles x 3 features, per-particle einsum dense layers,
untrained, every bit-width drawn at random), ``svhn_cnn`` (``suite.py``: 3x QConv2D + QMaxPooling2D on 32x32x3).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault('KERAS_BACKEND', 'jax')
#: The benchmark's own caches: every first build is a cold one.
CACHE = Path(tempfile.mkdtemp(prefix='hgq_hls4ml_verdict_cache_'))
os.environ['HGQ_HLS4ML_CACHE_DIR'] = str(CACHE)

import numpy as np  # noqa: E402

MODELS = ('jsc_small', 'jet_tagger_pf', 'svhn_cnn')
#: Samples per model for the rates (the per-sample path gets a tenth of them, at least 200).
SAMPLES = {'jsc_small': 20000, 'jet_tagger_pf': 2000, 'svhn_cnn': 2000}


def _model(name: str):
    from suite import JSC_SMALL, SPEED, build, randomise_bits, sample_inputs

    if name == 'jsc_small':
        model = build(JSC_SMALL)
        return model, sample_inputs(model, JSC_SMALL, SAMPLES[name]), JSC_SMALL.io_type
    if name == 'svhn_cnn':
        model = build(SPEED[0])
        return model, sample_inputs(model, SPEED[0], SAMPLES[name]), 'io_parallel'
    import importlib.util

    found = importlib.util.spec_from_file_location('jet_tagger_pf', ROOT / 'example_projects/jet_tagger_pf/run.py')
    pf = importlib.util.module_from_spec(found)
    found.loader.exec_module(pf)
    model = pf.build()
    randomise_bits(model, np.random.default_rng(8), homogeneous=False)
    x, _ = pf.jets(SAMPLES[name], np.random.default_rng(8))
    return model, x, 'io_parallel'


def _best_rate(run, n: int, repeat: int) -> float:
    """Samples per second: the best of ``repeat`` timed runs of ``run()`` on ``n`` samples."""
    best = float('inf')
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return n / best


def _cpp_loop(lib: str, project: str, x: np.ndarray, n_out: int, work: Path, repeat: int) -> float:
    """Samples per second of the library's per-sample function called from ``csim_loop.cpp`` (best of ``repeat``)."""
    binary = work / 'csim_loop'
    if not binary.exists():
        source = ROOT / 'benchmarks' / 'csim_loop.cpp'
        subprocess.run(['g++', '-O2', str(source), '-o', str(binary), '-ldl'], check=True)
    data = work / 'inputs.f64'
    flat = np.ascontiguousarray(x, dtype=np.float64).reshape(len(x), -1)
    flat.tofile(data)
    command = [str(binary), lib, f'{project}_double', str(data), str(flat.shape[1]), str(n_out), str(len(x))]
    return max(float(subprocess.run(command, check=True, capture_output=True, text=True).stdout) for _ in range(repeat))


def _alkaid(model, x: np.ndarray, repeat: int) -> dict:
    """alkaid's interpreter on 1 thread and every core, or why it does not run the model."""
    try:
        from alkaid.converter import trace_model
        from alkaid.trace import trace
    except ImportError:
        return {'error': "alkaid is not installed (pip install 'hgq-hls4ml[bench]')"}
    try:
        logic = trace(*trace_model(model))
        y = logic.predict(x, n_threads=1)
    except Exception as exc:  # alkaid refuses the model: say why, in one line
        return {'error': f'{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ""}'}
    ref = np.asarray(model.predict(x, verbose=0, batch_size=4096), dtype=np.float64).reshape(len(x), -1)
    return {
        'bit_exact': bool(np.array_equal(np.asarray(y).reshape(ref.shape), ref)),
        '1_thread': _best_rate(lambda: logic.predict(x, n_threads=1), len(x), repeat),
        'all_cores': _best_rate(lambda: logic.predict(x, n_threads=0), len(x), repeat),
    }


def measure_model(name: str, work: Path, repeat: int) -> dict:
    from hgq_hls4ml import convert, hls4ml_api
    from hgq_hls4ml.csim.batch import default_threads

    model, x, io_type = _model(name)
    x64 = np.ascontiguousarray(x, dtype=np.float64)
    hm = convert(model, work / name, io_type=io_type)
    start = time.perf_counter()
    hm.compile()
    compile_s = time.perf_counter() - start
    n_ps = max(200, len(x) // 10)
    per_sample = hls4ml_api.upstream_predict(hm, x64[:n_ps])
    assert np.array_equal(hm.predict(x64[:n_ps]), per_sample), f'{name}: batched != per-sample'
    keras_batch = 4096 if x[0].size < 1024 else 256
    model.predict(x[:keras_batch], verbose=0, batch_size=keras_batch)  # Keras compiles its predict first
    _, outs = hls4ml_api.csim_io(hm)
    cores = default_threads()
    return {
        'io_type': io_type,
        'samples': len(x),
        'compile_s': compile_s,
        'per_sample': _best_rate(lambda: hls4ml_api.upstream_predict(hm, x64[:n_ps]), n_ps, repeat),
        'batched_1_thread': _best_rate(lambda: hm.predict(x64, threads=1), len(x), repeat),
        f'batched_{cores}_threads': _best_rate(lambda: hm.predict(x64, threads=cores), len(x), repeat),
        'cpp_loop_1_thread': _cpp_loop(
            hls4ml_api.csim_library(hm)._name, hls4ml_api.csim_bridge(hm)[1], x64, outs[0][1], work, repeat
        ),
        'keras': _best_rate(lambda: model.predict(x, verbose=0, batch_size=keras_batch), len(x), repeat),
        'alkaid': _alkaid(model, x, repeat),
    }


_TIMES = re.compile(r'times: (.*)')


def measure_cli(work: Path, samples: int) -> dict:
    """``hgq-hls4ml verify`` of jsc_small on ``samples`` inputs: cold (empty caches), then warm."""
    from suite import JSC_SMALL, build, sample_inputs

    model = build(JSC_SMALL)
    model.save(work / 'jsc_small.keras')
    np.save(work / 'x.npy', sample_inputs(model, JSC_SMALL, samples))
    cache = work / 'cli_cache'
    env = {**os.environ, 'HGQ_HLS4ML_CACHE_DIR': str(cache)}
    env.pop('JAX_COMPILATION_CACHE_DIR', None)
    command = [sys.executable, '-m', 'hgq_hls4ml.cli', 'verify', str(work / 'jsc_small.keras'), '--data']
    runs = {}
    for run in ('cold', 'warm'):
        start = time.perf_counter()
        out = subprocess.run(
            [*command, str(work / 'x.npy')],
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - start
        found = _TIMES.search(out.stdout)
        if out.returncode != 0 or found is None:
            raise RuntimeError(f'hgq-hls4ml verify failed ({out.returncode}):\n{out.stdout}\n{out.stderr}')
        phases = {k: float(v.rstrip('s')) for k, v in (p.rsplit(' ', 1) for p in found.group(1).split(', '))}
        runs[run] = {'wall_s': wall, 'phases': phases}
    return runs


def _rate(value: float) -> str:
    return f'{value:>10,.0f}'


def report(results: dict) -> None:
    print('\nC simulation, samples/s (best of --repeat runs):')
    for name, r in results['models'].items():
        threads = next(k for k in r if k.startswith('batched_') and k != 'batched_1_thread')
        alk = r['alkaid']
        print(f'  {name} ({r["io_type"]}, {r["samples"]} samples, compile {r["compile_s"]:.1f}s)')
        print(f'    per-sample (hls4ml predict)   {_rate(r["per_sample"])}')
        print(f'    batched, 1 thread             {_rate(r["batched_1_thread"])}')
        print(f'    batched, {threads.split("_")[1]} threads           {_rate(r[threads])}')
        print(f'    plain C++ loop, 1 thread      {_rate(r["cpp_loop_1_thread"])}')
        print(f'    Keras predict                 {_rate(r["keras"])}')
        if 'error' in alk:
            print(f'    alkaid interpreter            does not run it: {alk["error"]}')
        else:
            exact = 'bit-exact with Keras' if alk['bit_exact'] else 'NOT equal to Keras'
            print(f'    alkaid, 1 thread / all cores  {_rate(alk["1_thread"])} / {alk["all_cores"]:,.0f} ({exact})')
        print(
            f'    ratios: batched all cores / per-sample {r[threads] / r["per_sample"]:.1f}x (goal >= 10x on '
            f'jsc_small); C++ loop / batched 1 thread {r["cpp_loop_1_thread"] / r["batched_1_thread"]:.2f}x '
            f'(goal <= 1.3x); batched all cores / Keras {r[threads] / r["keras"]:.2f}x'
            + ('' if 'error' in alk else f'; batched all cores / alkaid all cores {r[threads] / alk["all_cores"]:.2f}x')
        )
    cli = results.get('cli')
    if cli:
        print(f'\nhgq-hls4ml verify jsc_small.keras --data x.npy ({results["cli_samples"]} samples):')
        for run, r in cli.items():
            phases = ', '.join(f'{k} {v:.2f}s' for k, v in r['phases'].items())
            print(f'  {run}: wall {r["wall_s"]:.1f}s ({phases})')
        cold = cli['cold']
        print(
            f'  ratios: cold wall / cold compile {cold["wall_s"] / cold["phases"]["compile"]:.1f}x (goal <= 2x); '
            f'warm wall {cli["warm"]["wall_s"]:.1f}s (goal < 5 s)'
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', default=','.join(MODELS), help=f'comma-separated, of {", ".join(MODELS)}')
    parser.add_argument('--samples', type=int, default=20000, help='samples of the CLI verify (default 20000)')
    parser.add_argument('--repeat', type=int, default=3, help='timed runs per rate, the best one counts (3)')
    parser.add_argument('--no-cli', action='store_true', help='skip the CLI verify measurement')
    parser.add_argument('--json', help='also write the results here')
    args = parser.parse_args()
    results: dict = {'models': {}, 'cpu_count': os.cpu_count()}
    try:
        with tempfile.TemporaryDirectory(prefix='hgq_hls4ml_verdict_') as tmp:
            work = Path(tmp)
            for name in args.models.split(','):
                print(f'measuring {name} ...', file=sys.stderr, flush=True)
                results['models'][name] = measure_model(name, work, args.repeat)
            if not args.no_cli:
                print('measuring hgq-hls4ml verify ...', file=sys.stderr, flush=True)
                results['cli'] = measure_cli(work, args.samples)
                results['cli_samples'] = args.samples
    finally:
        shutil.rmtree(CACHE, ignore_errors=True)
    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == '__main__':
    main()
