"""Benchmark: upstream hls4ml's HGQ2 support vs the hgq_hls4ml plugin on a fixed set of seeded HGQ2 models.

``python benchmarks/run.py [--only cost|speed] [--quick] [--json out.json]``. For every model and both converters,
a fresh process (``measure.py``) converts it with the ordinary hls4ml call (Latency, the model's IO type,
``HGQ_HLS4ML_DISABLE=1`` for upstream), compiles the C simulation with g++ (the plugin's build cache starts empty
in every run of the benchmark) and compares it with ``model.predict`` element by element. Printed per model and in
total: convert and compile time, peak memory of the process and of the compiler, bit-exactness and the cost proxy
of :func:`hgq_hls4ml.cost` (with HGQ2's EBOPs), with the ratios ours/upstream. The models: ``suite.SUITE`` (cost)
and ``suite.SPEED`` (C-simulation build speed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault('KERAS_BACKEND', 'jax')

import numpy as np  # noqa: E402
from suite import SPEED, SUITE, Spec, build, n_weights, sample_inputs  # noqa: E402

from hgq_hls4ml.csim.build_script import CACHE_DIR_ENV, NO_CACHE_ENV  # noqa: E402
from hgq_hls4ml.plugin import DISABLE_ENV  # noqa: E402
from hgq_hls4ml.reports.render import text_grid  # noqa: E402

VARIANTS = ('upstream', 'ours')
WORKER_TIMEOUT_S = 900


def _ports(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The cost rows of the model's input nodes (their result: the input port)."""
    return [lay for lay in result['cost']['layers'] if lay['class_name'] == 'Input']


#: Rows of the tables: label, how to read the value from one variant's result, and its format.
METRICS = (
    ('convert (s)', lambda r: r['convert_s'], '.2f'),
    ('compile (s)', lambda r: r['compile_s'], '.1f'),
    ('convert + compile (s)', lambda r: r['convert_s'] + r['compile_s'], '.1f'),
    ('peak memory (MB)', lambda r: r['peak_mb'], ',.0f'),
    ('g++ peak memory (MB)', lambda r: r['compile_peak_mb'], ',.0f'),
    ('LUT (proxy)', lambda r: r['cost']['total']['luts'], ',.0f'),
    ('DSP (proxy)', lambda r: r['cost']['total']['dsps'], ',.0f'),
    ('BOPs', lambda r: r['cost']['total']['bops'], ',.0f'),
    ('EBOPs (HGQ2)', lambda r: r['cost']['total']['ebops'], ',.0f'),
    ('multiplies', lambda r: r['cost']['total']['multiplies'], ',.0f'),
    ('weight bits', lambda r: r['cost']['total']['weight_bits'], ',.0f'),
    ('widest accumulator', lambda r: r['cost']['total']['accum_width'], ',.0f'),
    ('input port width', lambda r: max(port['result_width'] for port in _ports(r)), ',.0f'),
    ('input port (bits)', lambda r: sum(port['result_bits'] for port in _ports(r)), ',.0f'),
    ('result bits', lambda r: r['cost']['total']['result_bits'], ',.0f'),
)
FORMATS = {label: spec for label, _, spec in METRICS}
#: Metrics summed over the models in the total table (peak memory is averaged).
TOTALS = (
    'convert (s)',
    'compile (s)',
    'convert + compile (s)',
    'peak memory (MB)',
    'g++ peak memory (MB)',
    'LUT (proxy)',
    'DSP (proxy)',
    'BOPs',
    'input port (bits)',
    'result bits',
)


def run_worker(model_path: Path, inputs_path: Path, work: Path, variant: str, io_type: str) -> dict[str, Any]:
    """One (model, converter) measurement in its own process; ``{'error': ...}`` if it failed."""
    env = dict(os.environ)
    env.pop(DISABLE_ENV, None)
    env.pop(NO_CACHE_ENV, None)
    env[CACHE_DIR_ENV] = str(work.parent / 'csim_cache')  # this run's own: no library from an earlier run
    if variant == 'upstream':
        env[DISABLE_ENV] = '1'
    result_path = work / f'{variant}.json'
    cmd = [
        sys.executable,
        str(Path(__file__).with_name('measure.py')),
        str(model_path),
        str(inputs_path),
        str(work / f'prj_{variant}'),
        str(result_path),
        io_type,
    ]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {'error': f'timed out after {WORKER_TIMEOUT_S} s'}
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        return {'error': lines[-1] if lines else f'exit code {proc.returncode}'}
    return json.loads(result_path.read_text())


def _fmt(value: Any, label: str) -> str:
    return '-' if value is None else format(value, FORMATS[label])


def _ratio(ours: Any, upstream: Any) -> str:
    return '-' if not ours or not upstream else f'{ours / upstream:.2f}'


def _exact(result: dict[str, Any]) -> str:
    if 'error' in result:
        return 'failed'
    return 'yes' if result['bit_exact'] else f'no ({100 * result["exact_fraction"]:.1f}% equal)'


def model_table(row: dict[str, Any]) -> str:
    up, ours = row['upstream'], row['ours']
    lines = [f'== {row["name"]}: {row["description"]} ({row["weights"]:,} weights) ==']
    rows: list[list[str]] = [['bit-exact', _exact(up), _exact(ours), '']]
    for label, get, _ in METRICS:
        a, b = (None if 'error' in r else get(r) for r in (up, ours))
        rows.append([label, _fmt(a, label), _fmt(b, label), _ratio(b, a)])
    lines.append(text_grid(['metric', 'upstream', 'ours', 'ours/upstream'], rows))
    lines += [f'{variant} error: {r["error"]}' for variant, r in (('upstream', up), ('ours', ours)) if 'error' in r]
    return '\n'.join(lines)


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Sums (peak memory: mean) over the models both converters handled, and bit-exact counts over all."""
    both = [r for r in rows if not any('error' in r[v] for v in VARIANTS)]
    get = {label: getter for label, getter, _ in METRICS}
    out: dict[str, Any] = {'models': len(rows), 'models_compared': len(both)}
    for variant in VARIANTS:
        out[variant] = {'bit_exact': sum(bool(r[variant].get('bit_exact')) for r in rows)}
        for label in TOTALS:
            values = [get[label](r[variant]) for r in both]
            out[variant][label] = sum(values) / len(values) if 'peak' in label and values else sum(values)
    return out


def total_table(total: dict[str, Any]) -> str:
    up, ours = total['upstream'], total['ours']
    n, n_both = total['models'], total['models_compared']
    rows = [['bit-exact models', f'{up["bit_exact"]}/{n}', f'{ours["bit_exact"]}/{n}', '']]
    for label in TOTALS:
        shown = f'{label}, mean' if 'peak' in label else label
        rows.append([shown, _fmt(up[label], label), _fmt(ours[label], label), _ratio(ours[label], up[label])])
    header = f'== TOTAL over {n_both} of {n} models converted by both (bit-exact: over all {n}) =='
    return header + '\n' + text_grid(['metric', 'upstream', 'ours', 'ours/upstream'], rows)


def bench_model(spec: Spec, tmp: Path) -> dict[str, Any]:
    work = tmp / spec.name
    work.mkdir()
    model = build(spec)
    model_path, inputs_path = work / 'model.keras', work / 'x.npy'
    model.save(model_path)
    np.save(inputs_path, sample_inputs(model, spec))
    row: dict[str, Any] = {'name': spec.name, 'description': spec.description, 'weights': n_weights(model)}
    for variant in VARIANTS:
        row[variant] = run_worker(model_path, inputs_path, work, variant, spec.io_type)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true', help='only the small models marked quick (CI smoke run)')
    parser.add_argument(
        '--only',
        choices=('cost', 'speed'),
        help='only the cost models, or only the C-simulation build speed models (an SVHN-sized CNN in both IO '
        'types and a 1M-weight MLP)',
    )
    parser.add_argument('--json', type=Path, help='also write every measurement to this JSON file')
    args = parser.parse_args(argv)
    sets = {'cost': SUITE, 'speed': SPEED, None: SUITE + SPEED}
    specs = [s for s in sets[args.only] if s.quick or not args.quick]
    rows = []
    with tempfile.TemporaryDirectory(prefix='hgq_hls4ml_bench_') as tmp:
        for spec in specs:
            rows.append(bench_model(spec, Path(tmp)))
            print(model_table(rows[-1]) + '\n', flush=True)
    total = totals(rows)
    print(total_table(total))
    if args.json:
        args.json.write_text(json.dumps({'models': rows, 'total': total}, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
