"""Benchmark: how big the generated C++ of convolutional models is and what its C-simulation build costs.

``python benchmarks/generated_code.py [--models digits svhn] [--io-type io_parallel] [--json out.json]``. Each model is
measured in a fresh process of its own (``--worker``): convert through the plugin (``io_parallel`` by default),
write the project, then ``hgq_hls4ml.verify`` on it (``hls_model.compile()``, the g++ build, then csim compared
with Keras on every output element). Printed per model: convert time, size of ``firmware/`` and of
``nnet_utils/nnet_code_gen.h``, the size of the C++ generated for our dense/convolution layers and of hls4ml's
im2col ``fill_buffer_*`` classes in it (nothing calls them), the g++ build's time and peak memory (the largest
child process, ``RUSAGE_CHILDREN``), the same for a build of the top function with only our dense/convolution
layers' calls kept (what they alone cost g++), and bit-exactness.

Models (``suite.CNNS``, seeded, every quantizer bit-width drawn at random like the tests' models):

* ``digits``: the digits example's CNN, 8x8x1 input, ``QConv2D(4, 3)``, ``QDense(16)``, ``QDense(10)``;
* ``svhn``: an SVHN-sized CNN, 32x32x3 input, three ``QConv2D(16/32/64, 3) + QMaxPooling2D(2)`` blocks and a
  ``QDense(10)`` head (issue 18).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault('KERAS_BACKEND', 'jax')

import numpy as np  # noqa: E402
from suite import CNNS, build, sample_inputs  # noqa: E402

WORKER_TIMEOUT_S = 1800
N_SAMPLES = 200
#: The first line of a function the plugin generates for a dense or convolution layer (after its template line).
OUR_FUNCTION = re.compile(r'^\w[\w<>:, ]* hgq_(?:dense|conv[123]d)_\w+\(')


def our_code_bytes(code: str) -> int:
    """Size of the functions generated for our dense/convolution layers (each from its template line to the ``}``
    closing it at the start of a line)."""
    size, inside, previous = 0, False, ''
    for line in code.splitlines(keepends=True):
        if not inside and OUR_FUNCTION.match(line):
            inside, size = True, size + len(previous)
        if inside:
            size += len(line)
            inside = line.rstrip('\n') != '}'
        previous = line
    return size


def im2col_bytes(code: str) -> int:
    """Size of hls4ml's im2col ``fill_buffer_*`` classes (with their template line, to the closing ``};``)."""
    return sum(len(m) for m in re.findall(r'template<[^\n]*>\nclass fill_buffer_\w+ .*?\n};\n', code, re.S))


#: A layer's call in the top function (``nnet::relu<...>(...)``; weight loading is not a layer).
LAYER_CALL = re.compile(r'^\s*nnet::(?!load_weights)\w+<')
OUR_CALL = re.compile(r'\bnnet::hgq_(?:dense|conv[123]d)_\w+<')
#: Run a command and print its children's CPU time (s) and peak memory (KiB) as JSON.
PROBE = (
    'import json, resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); '
    'r = resource.getrusage(resource.RUSAGE_CHILDREN); print(json.dumps([r.ru_utime + r.ru_stime, r.ru_maxrss]))'
)


def our_layers_build(project: Path) -> dict:
    """The g++ compile of the top function with only our dense/convolution layers' calls kept (the other layers'
    outputs left uninitialised): what our layers alone cost the build."""
    top = project / 'firmware' / 'myproject.cpp'
    lines = [line for line in top.read_text().splitlines() if not LAYER_CALL.match(line) or OUR_CALL.search(line)]
    ours = top.with_name('myproject_ours_only.cpp')
    ours.write_text('\n'.join(lines) + '\n')
    cmd = ['g++', '-O3', '-fPIC', '-std=c++17', '-Ifirmware/ap_types/', '-DWEIGHTS_DIR="."', '-c', str(ours)]
    try:
        probe = [sys.executable, '-c', PROBE, *cmd, '-o', os.devnull]
        out = subprocess.run(probe, cwd=project, capture_output=True, check=True)
    finally:
        ours.unlink()
    cpu, peak_kib = json.loads(out.stdout)
    return {'ours_gxx_cpu_s': cpu, 'ours_gxx_peak_mb': peak_kib / 1024}


def measure(name: str, out_dir: Path, io_type: str) -> dict:
    import hgq_hls4ml

    model = build(CNNS[name])
    x = sample_inputs(model, CNNS[name], N_SAMPLES)
    t0 = time.perf_counter()
    hls_model = hgq_hls4ml.convert(model, out_dir, io_type=io_type)
    t1 = time.perf_counter()
    hls_model.write()
    firmware = out_dir / 'firmware'
    code_gen = (firmware / 'nnet_utils' / 'nnet_code_gen.h').read_text()
    sizes = {
        'firmware_bytes': sum(p.stat().st_size for p in firmware.rglob('*') if p.is_file()),
        'generated_bytes': sum(
            p.stat().st_size for p in firmware.rglob('*') if p.is_file() and 'ap_types' not in p.parts
        ),
        'code_gen_bytes': len(code_gen.encode()),
        'our_layer_bytes': our_code_bytes(code_gen),
        'im2col_bytes': im2col_bytes(code_gen),
    }
    ours = our_layers_build(out_dir)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = hgq_hls4ml.verify(model, x, hls_model=hls_model)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        'model': name,
        'io_type': io_type,
        'weights': sum(int(np.prod(layer.kernel.shape)) for layer in model.layers if hasattr(layer, 'kernel')),
        'convert_s': t1 - t0,
        'compile_s': report.times['compile'],
        'gxx_cpu_s': (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        'gxx_peak_mb': after.ru_maxrss / 1024,  # KiB on Linux: the largest child process (cc1plus)
        'bit_exact': report.bit_exact,
        'n_elements': report.n_elements,
        **sizes,
        **ours,
    }


def run_worker(name: str, io_type: str, work: Path) -> dict:
    result = work / f'{name}.json'
    cmd = [sys.executable, __file__, '--worker', name, str(work / f'{name}_prj'), str(result), '--io-type', io_type]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {'model': name, 'error': f'timed out after {WORKER_TIMEOUT_S} s'}
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        return {'model': name, 'error': lines[-1] if lines else f'exit code {proc.returncode}'}
    return json.loads(result.read_text())


ROWS = (
    ('convert (s)', 'convert_s', '.1f'),
    ('firmware/ (kB)', 'firmware_bytes', ',.0f'),
    ('generated files (kB)', 'generated_bytes', ',.0f'),
    ('nnet_code_gen.h (kB)', 'code_gen_bytes', ',.0f'),
    ('  of it our dense/conv (kB)', 'our_layer_bytes', ',.1f'),
    ("  of it hls4ml's im2col (kB)", 'im2col_bytes', ',.1f'),
    ('compile() (s)', 'compile_s', '.1f'),
    ('g++ CPU (s)', 'gxx_cpu_s', '.1f'),
    ('g++ peak memory (MB)', 'gxx_peak_mb', ',.0f'),
    ('g++ CPU, our layers alone (s)', 'ours_gxx_cpu_s', '.1f'),
    ('  peak memory (MB)', 'ours_gxx_peak_mb', ',.0f'),
    ('bit-exact', 'bit_exact', ''),
)


def table(results: list[dict]) -> str:
    width = max(len(label) for label, _, _ in ROWS)
    head = ''.join(f'{r["model"]:>14}' for r in results)
    lines = [f'{"":<{width}}{head}']
    for label, key, spec in ROWS:
        cells = []
        for r in results:
            if 'error' in r:
                cells.append(f'{"failed":>14}')
                continue
            value = r[key] / 1000 if key.endswith('_bytes') else r[key]
            cells.append(f'{format(value, spec) if spec else str(value):>14}')
        lines.append(f'{label:<{width}}' + ''.join(cells))
    lines += [f'{r["model"]}: {r["error"]}' for r in results if 'error' in r]
    return '\n'.join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', nargs='+', default=['digits', 'svhn'], choices=list(CNNS))
    parser.add_argument('--io-type', default='io_parallel', choices=('io_parallel', 'io_stream'))
    parser.add_argument('--json', type=Path, help='write the results here')
    parser.add_argument('--keep', type=Path, help='build the projects here (default: a temporary directory)')
    parser.add_argument('--worker', nargs=3, metavar=('MODEL', 'OUTPUT_DIR', 'RESULT'), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        name, out_dir, result_path = args.worker
        Path(result_path).write_text(json.dumps(measure(name, Path(out_dir), args.io_type)))
        return 0
    with tempfile.TemporaryDirectory(prefix='generated_code_') as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = [run_worker(name, args.io_type, work) for name in args.models]
    print(f'C-simulation build, {args.io_type}, {time.strftime("%Y-%m-%d")}')
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0 if all(r.get('bit_exact') for r in results) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
