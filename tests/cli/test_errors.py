"""Bad input: every problem is one ``error:`` line on stderr (no traceback) and a documented exit code."""

from __future__ import annotations

import os

import pytest

from hgq_hls4ml.cli.exit_codes import ExitCode
from tests.cli.helpers import error_lines


def test_missing_model_file(run_cli, tmp_path):
    proc = run_cli('convert', 'nope.keras', '-o', 'prj')
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == ["error: model file 'nope.keras': no such file"]
    assert not (tmp_path / 'prj').exists()


def test_debug_shows_traceback(run_cli):
    proc = run_cli('convert', 'nope.keras', '-o', 'prj', '--debug')
    assert proc.returncode == ExitCode.USAGE
    assert 'Traceback' in proc.stderr and 'InputFileError' in proc.stderr
    assert proc.stderr.rstrip().endswith("error: model file 'nope.keras': no such file")


@pytest.mark.parametrize('kind', ['text', 'truncated'])
def test_not_a_keras_file(run_cli, models, tmp_path, kind):
    bad = tmp_path / 'x.keras'
    if kind == 'text':
        bad.write_text('this is not a model\n')
    else:
        data = models.mlp.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    proc = run_cli('verify', bad, '--random', '5')
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == [
        f"error: model file '{bad}': not a Keras model (a .keras file is a zip archive; this one is not a zip "
        'archive, or is truncated)'
    ]


def test_unsupported_layers_are_all_named(run_cli, models, tmp_path):
    proc = run_cli('convert', models.unsupported, '-o', 'prj')
    assert proc.returncode == ExitCode.UNSUPPORTED == 3
    assert 'Traceback' not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == 'error: 2 layers cannot be converted bit-exactly by hgq_hls4ml:'
    assert len(lines) == 3
    assert lines[1].startswith("  - rnn (QSimpleRNN): activation 'tanh' with enable_sq=False: its float32 output feeds")
    assert lines[2] == (
        '  - float_dense (Dense): not an HGQ2 layer: its floating-point arithmetic cannot be reproduced bit-exactly '
        'in fixed point'
    )
    assert not (tmp_path / 'prj').exists()


def test_non_empty_output_dir_needs_force(run_cli, models, tmp_path):
    (tmp_path / 'prj').mkdir()
    (tmp_path / 'prj' / 'notes.txt').write_text('mine')
    proc = run_cli('convert', models.mlp, '-o', 'prj')
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == [
        f"error: output directory '{tmp_path}/prj' is not empty; pass --force to write into it "
        '(files of the same name are overwritten)'
    ]


def test_plain_keras_model_is_refused(run_cli, models):
    proc = run_cli('convert', models.plain, '-o', 'prj')
    assert proc.returncode == ExitCode.UNSUPPORTED
    assert error_lines(proc) == [
        "error: model 'plain' has no HGQ2 layer; hgq_hls4ml converts HGQ2 models only. For a float Keras model, make "
        'the HGQ2 model first (post-training quantization): hgq-hls4ml quantize MODEL.keras -o QMODEL.keras '
        '--samples X.npy'
    ]


def test_output_dir_under_a_file(run_cli, models, tmp_path):
    (tmp_path / 'afile').write_text('')
    proc = run_cli('convert', models.mlp, '-o', tmp_path / 'afile' / 'prj')
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == [
        f"error: cannot create output directory '{tmp_path}/afile/prj': '{tmp_path}/afile' is not a directory"
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason='root writes into read-only directories')
def test_output_dir_in_read_only_parent(run_cli, models, tmp_path):
    parent = tmp_path / 'ro'
    parent.mkdir()
    parent.chmod(0o500)
    try:
        proc = run_cli('convert', models.mlp, '-o', parent / 'prj')
    finally:
        parent.chmod(0o700)
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == [f"error: cannot create output directory '{parent}/prj': '{parent}' is not writable"]


def test_unknown_config_key(run_cli, models, tmp_path):
    (tmp_path / 'cfg.yml').write_text('part: xc7z020clg400-1\nclockperiod: 3\n')
    proc = run_cli('convert', models.mlp, '-o', 'prj', '--config', 'cfg.yml')
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == [
        "error: cfg.yml: unknown key 'clockperiod' (did you mean 'clock_period'? allowed: backend, io_type, part, "
        'clock_period, project_name, input_precision, hls_config)'
    ]


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        (
            ['convert', 'm.keras', '-o', 'prj', '--clock', 'abc'],
            "--clock: expected a positive number of nanoseconds, got 'abc'",
        ),
        (['config', 'm.keras', '--clock', 'inf'], "--clock: expected a positive number of nanoseconds, got 'inf'"),
        (['verify', 'm.keras', '--random', '2.5'], "--random: expected a positive whole number of samples, got '2.5'"),
        (['verify', 'm.keras', '--random', '3', '--seed', '-1'], "--seed: expected a whole number >= 0, got '-1'"),
        (['build', 'prj', '--timeout', '0'], "--timeout: expected a positive number of seconds, got '0'"),
    ],
)
def test_bad_option_value_names_its_meaning(run_cli, args, message):
    proc = run_cli(*args)
    assert proc.returncode == ExitCode.USAGE
    assert proc.stderr.splitlines()[-1] == f'hgq-hls4ml {args[0]}: error: argument {message}'


def test_every_config_problem_is_listed(run_cli, models, tmp_path):
    (tmp_path / 'cfg.yml').write_text(
        'clockperiod: 3\n'
        'io_type: io_serial\n'
        'hls_config:\n'
        '  Model: {ReuseFactor: 0, Strategy: fast}\n'
        '  LayerName: {q_dense: {Precision: 3}}\n'
    )
    proc = run_cli('convert', models.mlp, '-o', 'prj', '--config', 'cfg.yml')
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == ['error: cfg.yml: 5 problems:']
    assert proc.stderr.splitlines()[1:] == [
        "  - unknown key 'clockperiod' (did you mean 'clock_period'? allowed: backend, io_type, part, clock_period, "
        'project_name, input_precision, hls_config)',
        "  - io_type must be one of io_parallel, io_stream; got 'io_serial'",
        '  - hls_config.Model.ReuseFactor must be an integer >= 1; got 0',
        '  - hls_config.Model.Strategy must be one of Latency, Resource, distributed_arithmetic (any case; da for '
        "short); got 'fast'",
        '  - hls_config.LayerName.q_dense.Precision must be a type string such as fixed<16,6>, or a mapping of such '
        'strings; got 3',
    ]
    assert not (tmp_path / 'prj').exists()


def test_missing_data_file(run_cli, models):
    proc = run_cli('verify', models.mlp, '--data', 'x.npy')
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == ["error: data file 'x.npy': no such file"]


def test_report_without_reports(run_cli, tmp_path):
    proc = run_cli('report', tmp_path)
    assert proc.returncode == ExitCode.USAGE
    [line] = error_lines(proc)
    assert line.startswith(f'error: {tmp_path}: no HLS report names the top function (looked for hls.app, ')
    assert line.endswith(f' in {tmp_path}); give its name with --top NAME (in Python: top=NAME)')
