"""``--help`` of every command, the entry points, and the exit-code table (one place: ``ExitCode``)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from hgq_hls4ml import __version__
from hgq_hls4ml.cli import main as cli_main
from hgq_hls4ml.cli.exit_codes import MEANING, ExitCode, exit_code_for
from hgq_hls4ml.errors import (
    ArgumentError,
    BuildError,
    BuildTimeoutError,
    ConfigError,
    CsimMismatchError,
    InputFileError,
    LicenseError,
    ModelInputError,
    NotBuiltError,
    OutputDirError,
    ProjectError,
    ReportFormatError,
    ToolNotFoundError,
    UnsupportedLayerError,
)

COMMANDS = ('convert', 'verify', 'build', 'report', 'config', 'quantize', 'check', 'sweep')


@pytest.mark.smoke
def test_top_level_help_lists_commands_and_exit_codes(run_cli):
    proc = run_cli('--help')
    assert proc.returncode == 0, proc.stderr
    for command in COMMANDS:
        assert f'    {command} ' in proc.stdout
    for code in ExitCode:
        assert f' {int(code)}  {MEANING[code].split()[0]}' in proc.stdout
    assert 'KERAS_BACKEND' in proc.stdout


@pytest.mark.parametrize(
    ('command', 'options'),
    [
        ('convert', ['--output', '--force', '--config', '--io-type', '--part', '--clock', '--backend']),
        ('verify', ['--data', '--random', '--seed', '--output', '--config', '--io-type']),
        ('build', ['--csim', '--synth', '--cosim', '--export', '--vsynth', '--timeout', '--vitis-path']),
        ('report', ['--top', '--json']),
        ('config', ['--output', '--force', '--io-type', '--part']),
        ('quantize', ['--output', '--force', '--samples', '--weight-bits', '--activation-bits', '--until', '--seed']),
        ('check', ['--data', '--json']),
        ('sweep', ['--output', '--scheduler', '--workers', '--synth', '--vitis-path', '--plot']),
    ],
)
def test_command_help(run_cli, command, options):
    proc = run_cli(command, '--help')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f'usage: hgq-hls4ml {command}')
    for option in options:
        assert option in proc.stdout


def test_entry_points_and_usage_errors(run_cli):
    assert run_cli('--version').stdout.strip() == f'hgq-hls4ml {__version__}'
    script = shutil.which('hgq-hls4ml')
    if script:  # the console script of an installed package
        proc = subprocess.run([script, '--version'], capture_output=True, text=True, timeout=60)
        assert proc.stdout.strip() == f'hgq-hls4ml {__version__}'
    for args in ([], ['frobnicate'], ['verify', 'm.keras'], ['verify', 'm.keras', '--random', '0']):
        proc = run_cli(*args)
        assert proc.returncode == ExitCode.USAGE == 2
        assert 'usage: hgq-hls4ml' in proc.stderr


@pytest.mark.parametrize(
    ('error', 'code'),
    [
        (BuildTimeoutError('t'), ExitCode.TIMEOUT),
        (ToolNotFoundError('t'), ExitCode.TOOL_NOT_FOUND),
        (LicenseError('t'), ExitCode.FAILED),
        (CsimMismatchError('t'), ExitCode.FAILED),
        (BuildError('t'), ExitCode.FAILED),
        (UnsupportedLayerError([('d', 'QGRU', 'no')]), ExitCode.UNSUPPORTED),
        (ModelInputError('t'), ExitCode.UNSUPPORTED),
        (InputFileError('t'), ExitCode.USAGE),
        (ArgumentError('t'), ExitCode.USAGE),
        (ConfigError('t'), ExitCode.USAGE),
        (OutputDirError('t'), ExitCode.USAGE),
        (ProjectError('t'), ExitCode.USAGE),
        (ReportFormatError('t'), ExitCode.USAGE),
        (NotBuiltError('t'), ExitCode.USAGE),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (RuntimeError('t'), ExitCode.INTERNAL),
    ],
)
def test_exit_code_for(error, code):
    assert exit_code_for(error) is code


def test_unexpected_error_is_one_line_and_debug_shows_traceback(monkeypatch, capsys, tmp_path):
    def broken(args):
        raise RuntimeError('boom')

    monkeypatch.setattr(cli_main, 'run_report', broken)
    assert cli_main.main(['report', str(tmp_path)]) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert err == 'error: unexpected RuntimeError: boom (rerun with --debug for the traceback)\n'
    assert cli_main.main(['--debug', 'report', str(tmp_path)]) == ExitCode.INTERNAL
    assert 'Traceback' in capsys.readouterr().err
    assert cli_main.main(['report', str(tmp_path), '--debug']) == ExitCode.INTERNAL
    assert 'Traceback' in capsys.readouterr().err
