"""``hgq-hls4ml quantize`` and ``hgq-hls4ml check``: their output, the files they write, their exit codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pytest

from hgq_hls4ml.cli.exit_codes import ExitCode
from tests.cli.helpers import error_lines
from tests.quantize.float_models import randomize_batchnorm
from tests.quantize.keras2_files import write_json_and_weights
from tests.quantize.test_keras2 import cnn

L = keras.layers


@dataclass(frozen=True)
class FloatFiles:
    model: Path
    samples: Path
    unsupported: Path


@pytest.fixture(scope='module')
def float_files(tmp_path_factory: pytest.TempPathFactory) -> FloatFiles:
    """A float Dense -> BatchNormalization -> ReLU -> Dense(softmax) classifier and 200 samples for it."""
    root = tmp_path_factory.mktemp('float')
    keras.utils.set_random_seed(11)
    inp = keras.Input((6,), name='x')
    x = L.ReLU()(L.BatchNormalization(name='bn')(L.Dense(8, name='dense')(inp)))
    model = keras.Model(inp, L.Dense(3, activation='softmax', name='head')(x), name='classifier')
    randomize_batchnorm(model, np.random.default_rng(11))
    model.save(root / 'float.keras')
    np.save(root / 'x.npy', np.random.default_rng(12).normal(0, 1, (200, 6)).astype(np.float32))
    log_head = keras.Model(inp, L.Dense(3, activation='log_softmax', name='head')(x), name='log_classifier')
    log_head.save(root / 'log_softmax.keras')
    return FloatFiles(root / 'float.keras', root / 'x.npy', root / 'log_softmax.keras')


def _quantize(run_cli, float_files: FloatFiles, *args: str):
    proc = run_cli('quantize', float_files.model, '--samples', float_files.samples, *args, '-o', 'q.keras')
    assert proc.returncode == ExitCode.OK, proc.stderr
    return proc


def test_quantize_then_check(run_cli, float_files, tmp_path):
    lines = _quantize(run_cli, float_files, '--until', 'head').stdout.splitlines()
    assert lines[0] == (
        'quantized classifier: weights 8 bits per channel, activations 8 bits, calibrated on 200 samples; beyond that '
        'range they wrap'
    )
    assert lines[1] == '  batch normalization folded: bn into dense'
    assert lines[2].startswith('  float vs quantized on them: argmax agreement ')
    assert lines[3] == "  the saved model outputs logits: the 'softmax' of 'head' removed"
    assert lines[4:] == ['wrote q.keras', f'next: hgq-hls4ml verify q.keras --data {float_files.samples}']
    checked = run_cli('check', 'q.keras', '--data', float_files.samples)
    assert checked.returncode == ExitCode.OK, checked.stderr
    assert checked.stdout.splitlines()[-1] == (
        'classifier: 6 quantizers on 200 samples; 0 of 2883 values overflow, in 0 quantizers: 0 saturated, 0 wrapped '
        '(wrapping in 0 quantizers); 0 uncalibrated quantizers'
    )
    np.save(tmp_path / 'far.npy', 8 * np.load(float_files.samples))
    far = run_cli('check', 'q.keras', '--data', 'far.npy', '--json')
    assert far.returncode == ExitCode.FAILED, far.stderr
    report = json.loads(far.stdout)
    assert 'dense_iq' in report['problems'] and report['n_samples'] == 200


def test_saturating_quantizers_count_what_saturates(run_cli, float_files, tmp_path):
    assert (
        'beyond that range they saturate (0 integer bit(s) of margin)'
        in _quantize(run_cli, float_files, '--until', 'head', '--overflow', 'SAT').stdout
    )
    np.save(tmp_path / 'far.npy', 8 * np.load(float_files.samples))
    checked = run_cli('check', 'q.keras', '--data', 'far.npy', '--json')
    assert checked.returncode == ExitCode.OK, checked.stderr
    report = json.loads(checked.stdout)
    assert report['saturated'] > 0 and report['wrapped'] == 0 and report['problems'] == []


@pytest.mark.slow
def test_a_softmax_classifier_quantizes_without_flags_and_verifies_bit_exact(run_cli, float_files):
    _quantize(run_cli, float_files)
    verified = run_cli('verify', 'q.keras', '--data', float_files.samples)
    assert verified.returncode == ExitCode.OK, verified.stderr
    assert 'BIT-EXACT: 600/600 output elements equal (100.00%)' in verified.stdout


def test_unsupported_layers_exit_3_with_the_until_hint(run_cli, float_files):
    proc = run_cli('quantize', float_files.unsupported, '--samples', float_files.samples, '-o', 'q.keras')
    assert proc.returncode == ExitCode.UNSUPPORTED
    assert error_lines(proc) == ['error: 1 layer cannot be quantized by hgq_hls4ml.quantize:']
    assert proc.stderr.rstrip().endswith("pass --until head to quantize up to 'head'; the rest stays float")


def test_without_samples_a_warning_and_random_calibration(run_cli, float_files, tmp_path):
    proc = run_cli('quantize', float_files.model, '--weight-bits', '4', '-o', 'q4.keras')
    assert proc.returncode == ExitCode.OK, proc.stderr
    assert proc.stderr.startswith("warning: no calibration samples: quantizing 'classifier' on 512 standard normal")
    assert 'weights 4 bits per channel, activations 8 bits, calibrated on 512 random normal inputs' in proc.stdout
    assert proc.stdout.rstrip().endswith('next: hgq-hls4ml verify q4.keras --random 100')
    assert (tmp_path / 'q4.keras').is_file()


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        (['--until', 'nope', '-o', 'q.keras'], "error: --until nope: model 'classifier' has no such layer"),
        (['-o', 'q.h5'], "error: output file 'q.h5': the name must end in .keras"),
        (['-o', 'exists.keras'], "error: 'exists.keras' exists; pass --force to overwrite it"),
        (['--samples', 'none.npy', '-o', 'q.keras'], "error: samples file 'none.npy': no such file"),
        (['--samples', 'wrong.npy', '-o', 'q.keras'], "error: data file 'wrong.npy': shape (4, 5) does not fit input"),
        (['--margin', '2', '-o', 'q.keras'], "error: margin=2: a margin is for overflow='SAT'"),
    ],
)
def test_bad_arguments_exit_2(run_cli, float_files, tmp_path, args, message):
    (tmp_path / 'exists.keras').write_text('')
    np.save(tmp_path / 'wrong.npy', np.zeros((4, 5), np.float32))
    proc = run_cli('quantize', float_files.model, *args)
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc)[0].startswith(message)


def test_bit_widths_are_checked_by_the_parser(run_cli, float_files):
    proc = run_cli('quantize', float_files.model, '--weight-bits', '1', '-o', 'q.keras')
    assert proc.returncode == ExitCode.USAGE
    assert "argument --weight-bits: expected a whole number of bits from 2 to 16, got '1'" in proc.stderr


def test_check_of_a_float_model_exits_3(run_cli, float_files):
    proc = run_cli('check', float_files.model, '--data', float_files.samples)
    assert proc.returncode == ExitCode.UNSUPPORTED
    assert error_lines(proc) == [
        "error: model 'classifier' has no HGQ2 quantizer; check reads HGQ2 models (hgq-hls4ml quantize makes one "
        'from a float Keras model)'
    ]


def test_the_cli_quantizes_a_keras2_json(run_cli, tmp_path):
    config, weights = cnn()
    write_json_and_weights(tmp_path, config, weights)
    np.save(tmp_path / 'x.npy', np.random.default_rng(0).normal(0, 1, (100, 6, 6, 1)).astype(np.float32))
    proc = run_cli('quantize', 'model.json', '--weights', 'weights.h5', '--samples', 'x.npy', '-o', 'q.keras')
    assert proc.returncode == ExitCode.OK, proc.stderr
    assert proc.stdout.startswith('quantized small_cnn: weights 8 bits')
    refused = run_cli('quantize', 'model.json', '--samples', 'x.npy', '-o', 'q2.keras')
    assert refused.returncode != ExitCode.OK and 'needs its weights .h5' in refused.stderr
