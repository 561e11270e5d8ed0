"""Benchmark: post-training quantization of four float Keras classifiers trained here, as ``hgq-hls4ml quantize``
would see them (every one ends in softmax).

``python benchmarks/ptq.py [--models mlp,mlp_bn,cnn,conv1d] [--epochs N] [--verify N] [--json out.json]``; ``--tables
a.json b.json ...`` prints the tables of runs made apart (one model each, say, in parallel).

Models (seeded, trained in the run with Keras's Adam on scikit-learn or synthetic data, 3/4 train, 1/4 test):

- ``mlp``: Dense 32-16 ReLU -> Dense 5 softmax on ``make_classification`` (16 features, 5 classes; jet tagging's
  shape);
- ``mlp_bn``: the same with a BatchNormalization after each hidden Dense (folded);
- ``cnn``: BatchNormalization on the input (a QBatchNormalization), Conv2D 8 3x3 ReLU, MaxPooling2D, Conv2D 8 3x3
  ReLU, Flatten, Dense 10 softmax on scikit-learn's 8x8 digits;
- ``conv1d``: Conv1D 8 5 ReLU, MaxPooling1D, Conv1D 8 3 ReLU, GlobalAveragePooling1D, Dense 3 softmax on noisy
  synthetic waveforms (sine, square, sawtooth; length 32).

Calibrated on the training inputs. For each model, at uniform 8 and 6 bits (weights and activations, per channel)
and at ``target_agreement=0.99`` (starting from 8 bits): the argmax agreement with the float model on the test
inputs, HGQ2's EBOPs (and their ratio to the uniform 8-bit model's), and the firmware verdict (``verify``, io_parallel,
on ``--verify`` test inputs of which half scaled 4x, beyond the calibrated range). Then the softmax's cost (the
agreement of the model quantized up to its logits, ``until``, against the whole model with its ``QSoftmax``) at 8 and
6 bits, and the overflow modes at 8 bits on the test inputs and on them scaled 2x (``WRAP`` vs ``SAT`` with a margin
of 0, 1 and 2 integer bits): the measurement behind ``DEFAULT_MARGIN``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault('KERAS_BACKEND', 'jax')

import keras  # noqa: E402
import numpy as np  # noqa: E402

import hgq_hls4ml  # noqa: E402

L = keras.layers
MODELS = ('mlp', 'mlp_bn', 'cnn', 'conv1d')
#: The measurements: the main table, the softmax's cost, the overflow modes.
SECTIONS = ('main', 'softmax', 'overflow')


def _tabular(seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_classification

    x, y = make_classification(4000, 16, n_informative=12, n_classes=5, class_sep=1.5, random_state=seed)
    return x.astype(np.float32), y


def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.images[..., None] / 16.0).astype(np.float32), d.target


def _waves(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, t = 3000, np.linspace(0, 1, 32)
    y = rng.integers(0, 3, n)
    freq, phase = rng.uniform(1.5, 4, (n, 1)), rng.uniform(0, 2 * np.pi, (n, 1))
    arg = 2 * np.pi * freq * t + phase
    shapes = [np.sin(arg), np.sign(np.sin(arg)), 2 * ((arg / (2 * np.pi)) % 1) - 1]
    x = np.choose(y[:, None], shapes) + rng.normal(0, 0.4, (n, 32))
    return x[..., None].astype(np.float32), y


def _model(name: str) -> tuple[keras.Model, np.ndarray, np.ndarray]:
    """The untrained model and its data."""
    if name in ('mlp', 'mlp_bn'):
        x, y = _tabular(0)
        inp = keras.Input((16,), name='x')
        h = inp
        for n, units in enumerate((32, 16)):
            h = L.Dense(units, name=f'dense{n}')(h)
            if name == 'mlp_bn':
                h = L.BatchNormalization(name=f'bn{n}')(h)
            h = L.ReLU(name=f'relu{n}')(h)
        out = L.Dense(5, activation='softmax', name='head')(h)
    elif name == 'cnn':
        x, y = _digits()
        inp = keras.Input((8, 8, 1), name='x')
        h = L.BatchNormalization(name='bn_in')(inp)
        h = L.Conv2D(8, 3, activation='relu', name='conv0')(h)
        h = L.MaxPooling2D(2, name='pool')(h)
        h = L.Conv2D(8, 3, activation='relu', name='conv1')(h)
        out = L.Dense(10, activation='softmax', name='head')(L.Flatten()(h))
    else:
        x, y = _waves(0)
        inp = keras.Input((32, 1), name='x')
        h = L.Conv1D(8, 5, activation='relu', name='conv0')(inp)
        h = L.MaxPooling1D(2, name='pool')(h)
        h = L.Conv1D(8, 3, activation='relu', name='conv1')(h)
        out = L.Dense(3, activation='softmax', name='head')(L.GlobalAveragePooling1D()(h))
    return keras.Model(inp, out, name=name), x, y


def _agreement(model: keras.Model, q: keras.Model, x: np.ndarray) -> float:
    return float(np.mean(np.argmax(model.predict(x, verbose=0), -1) == np.argmax(q.predict(x, verbose=0), -1)))


def _verdict(q: keras.Model, x: np.ndarray, n: int) -> str:
    half = n // 2
    data = np.concatenate([x[:half], 4 * x[half:n]])
    with tempfile.TemporaryDirectory() as out:
        report = hgq_hls4ml.verify(q, data, output_dir=Path(out) / 'prj')
    return 'BIT-EXACT' if report.bit_exact else f'MISMATCH {report.n_elements - report.n_exact}'


def run_model(name: str, epochs: int, n_verify: int, sections: tuple[str, ...] = SECTIONS) -> dict:
    keras.utils.set_random_seed(0)
    model, x, y = _model(name)
    split = 3 * len(x) // 4
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    xtr, ytr, xte, yte = x[:split], y[:split], x[split:], y[split:]
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    model.fit(xtr, ytr, epochs=epochs, batch_size=64, verbose=0)
    accuracy = float(np.mean(np.argmax(model.predict(xte, verbose=0), -1) == yte))
    rows = []
    base = None
    for label, kwargs in (
        ()
        if 'main' not in sections
        else (
            ('8 bits', {'weight_bits': 8, 'activation_bits': 8}),
            ('6 bits', {'weight_bits': 6, 'activation_bits': 6}),
            ('target 0.99', {'target_agreement': 0.99}),
        )
    ):
        start = time.perf_counter()
        q = hgq_hls4ml.quantize(model, xtr, **kwargs)
        seconds = time.perf_counter() - start
        ebops = q.quantize_report.ebops
        base = base or ebops
        rows.append(
            {
                'config': label,
                'agreement': _agreement(model, q, xte),
                'ebops': ebops,
                'ebops_vs_8bit': ebops / base,
                'firmware': _verdict(q, xte, n_verify),
                'quantize_s': seconds,
            }
        )
        print(f'  {name} {label}: {rows[-1]}', file=sys.stderr)
    softmax = {}
    for bits in (8, 6) if 'softmax' in sections else ():
        logits = hgq_hls4ml.quantize(model, xtr, weight_bits=bits, activation_bits=bits, until='head')
        whole = hgq_hls4ml.quantize(model, xtr, weight_bits=bits, activation_bits=bits)
        softmax[str(bits)] = {'logits': _agreement(model, logits, xte), 'softmax': _agreement(model, whole, xte)}
    overflow = {}
    for label, kwargs in (
        ()
        if 'overflow' not in sections
        else (
            ('WRAP', {}),
            ('SAT+0', {'overflow': 'SAT', 'margin': 0}),
            ('SAT+1', {'overflow': 'SAT', 'margin': 1}),
            ('SAT+2', {'overflow': 'SAT', 'margin': 2}),
        )
    ):
        q = hgq_hls4ml.quantize(model, xtr, **kwargs)
        overflow[label] = {'test': _agreement(model, q, xte), 'test_x2': _agreement(model, q, 2 * xte)}
    return {'model': name, 'float_accuracy': accuracy, 'rows': rows, 'softmax': softmax, 'overflow': overflow}


def _print(results: list[dict]) -> None:
    print('| model | float accuracy | widths | argmax agreement | EBOPs | vs uniform 8-bit | firmware |')
    print('|---|---|---|---|---|---|---|')
    for r in results:
        for row in r['rows']:
            print(
                f'| {r["model"]} | {100 * r["float_accuracy"]:.1f}% | {row["config"]} | {100 * row["agreement"]:.2f}% '
                f'| {row["ebops"]} | {row["ebops_vs_8bit"]:.2f}x | {row["firmware"]} |'
            )
    print('\n| model | 8 bits: logits | 8 bits: softmax | 6 bits: logits | 6 bits: softmax |')
    print('|---|---|---|---|---|')
    for r in (r for r in results if r['softmax']):
        s = r['softmax']
        cells = ' | '.join(f'{100 * s[b][k]:.2f}%' for b in ('8', '6') for k in ('logits', 'softmax'))
        print(f'| {r["model"]} | {cells} |')
    measured = [r for r in results if r['overflow']]
    if not measured:
        return
    labels = list(measured[0]['overflow'])
    print('\n| model | ' + ' | '.join(f'{m}: test | {m}: test x2' for m in labels) + ' |')
    print('|---|' + '---|---|' * len(labels))
    for r in measured:
        o = r['overflow']
        cells = ' | '.join(f'{100 * o[m]["test"]:.2f}% | {100 * o[m]["test_x2"]:.2f}%' for m in labels)
        print(f'| {r["model"]} | {cells} |')


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default=','.join(MODELS))
    parser.add_argument('--epochs', type=int, default=30)
    parser.add_argument('--verify', type=int, default=100, help='test inputs run in C simulation (half scaled 4x)')
    parser.add_argument('--sections', default=','.join(SECTIONS), help=f'of {", ".join(SECTIONS)}')
    parser.add_argument('--json', type=Path, help='write the results there')
    parser.add_argument('--tables', type=Path, nargs='+', help='print the tables of earlier --json results, no run')
    args = parser.parse_args(argv)
    if args.tables:
        _print([r for path in args.tables for r in json.loads(path.read_text())])
        return
    names = args.models.split(',')
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        parser.error(f'unknown models {unknown}; choose from {", ".join(MODELS)}')
    sections = tuple(args.sections.split(','))
    results = [run_model(name, args.epochs, args.verify, sections) for name in names]
    _print(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == '__main__':
    main()
