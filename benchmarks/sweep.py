"""The sweep's scaling and overhead: 12 jobs (3 MLPs x 2 io types x 2 reuse factors) on a local cluster of 1 worker
and of 2 workers, against calling ``verify`` on each job directly in one process.

Usage: ``python benchmarks/sweep.py [--samples N]``. Prints the wall times and the ratios: scaling (1 worker / 2
workers; 2.0 is perfect on 2 cores) and the sweep's overhead per job (1 worker against direct calls). Every run
builds with g++ (``HGQ_HLS4ML_NO_BUILD_CACHE=1``: no run reuses another's libraries); needs the ``[sweep]`` extra.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault('KERAS_BACKEND', 'jax')
os.environ['HGQ_HLS4ML_NO_BUILD_CACHE'] = '1'  # inherited by the workers
sys.path.insert(0, str(Path(__file__).parent))

GRID = {'io_type': ['io_parallel', 'io_stream'], 'hls_config': {'Model': {'ReuseFactor': [1, 4]}}}
SEEDS = (1, 2, 3)


def make_models(work: Path, samples: int) -> tuple[list[Path], Path]:
    """Three seeded MLPs 16-64-32-10 (benchmarks/suite.py) saved as .keras, and their input samples as .npy."""
    import numpy as np
    from suite import SUITE, Spec, build, sample_inputs

    mlp = SUITE[0]
    paths = []
    for seed in SEEDS:
        spec = Spec(f'mlp_{seed}', mlp.description, mlp.trunk, seed=seed)
        model = build(spec)
        paths.append(work / f'{spec.name}.keras')
        model.save(paths[-1])
    data = work / 'x.npy'
    np.save(data, sample_inputs(model, spec, samples))
    return paths, data


def direct(paths: list[Path], data: Path, work: Path) -> float:
    """Wall time of ``verify`` on every job, one after the other, in this process (each model loaded once)."""
    from hgq_hls4ml import verify
    from hgq_hls4ml.cli.commands import hls4ml_output, hls_config_for
    from hgq_hls4ml.cli.inputs import load_inputs, load_model
    from hgq_hls4ml.sweep import expand_grid

    start = time.perf_counter()
    for path in paths:
        model = load_model(path)
        xs = load_inputs(data, model)
        for i, config in enumerate(expand_grid(GRID)):
            project = config.project
            with hls4ml_output(False):
                report = verify(
                    model,
                    xs,
                    output_dir=work / f'{path.stem}_{i}',
                    hls_config=hls_config_for(model, project),
                    trace_on_mismatch=False,
                    **project.convert_kwargs(),
                )
            assert report.bit_exact, (path, config.label)
    return time.perf_counter() - start


def swept(paths: list[Path], data: Path, output: Path, workers: int) -> tuple[float, float]:
    """Wall time of the sweep on a fresh local cluster of ``workers`` (its start included), and the sum of its
    jobs' own times."""
    from hgq_hls4ml import sweep

    start = time.perf_counter()
    result = sweep(paths, GRID, data=data, output=output, workers=workers, progress=False)
    wall = time.perf_counter() - start
    assert result.all_exact and result.ran == len(paths) * 4, result
    return wall, float(result.table['t_total'].sum())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--samples', type=int, default=200, help='input samples per job (200)')
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix='hgq_hls4ml_bench_sweep_') as tmp:
        work = Path(tmp)
        paths, data = make_models(work, args.samples)
        n = len(paths) * 4
        print(
            f'{n} jobs: {len(paths)} MLPs 16-64-32-10 x io_parallel/io_stream x ReuseFactor 1/4, {args.samples} samples'
        )
        print(f'machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start')
        t_direct = direct(paths, data, work / 'direct')
        t_one, jobs_one = swept(paths, data, work / 'one', 1)
        t_two, _ = swept(paths, data, work / 'two', 2)
    print(f'direct verify, one process:   {t_direct:7.1f} s ({t_direct / n:.2f} s per job)')
    print(f'sweep, 1 worker:              {t_one:7.1f} s (jobs themselves: {jobs_one:.1f} s)')
    print(f'sweep, 2 workers:             {t_two:7.1f} s')
    print(f'scaling, 1 worker / 2 workers: {t_one / t_two:.2f}x')
    print(f'sweep (1 worker) / direct:     {t_one / t_direct:.2f}x')
    print(f'overhead per job:              {(t_one - t_direct) / n:+.2f} s (cluster start and worker imports included)')
    print(f'overhead per job in the jobs:  {(jobs_one - t_direct) / n:+.2f} s (model load and cost() included)')
    print(f'machine load average at the end: {os.getloadavg()[0]:.1f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
