"""The output folder of ``convert``/``verify``: one run at a time, nothing half-made left by a failed or interrupted
run, and unwritable outputs refused before any work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hgq_hls4ml.cli.exit_codes import ExitCode
from hgq_hls4ml.cli.project_dir import LOCK_NAME, lock_dir
from hgq_hls4ml.errors import OutputDirError
from tests.cli.conftest import cli_env
from tests.cli.helpers import error_lines


def test_a_locked_folder_is_refused_naming_the_run_that_holds_it(run_cli, models, tmp_path):
    out = tmp_path / 'prj'
    out.mkdir()
    with lock_dir(out):
        for force in ((), ('--force',)):
            proc = run_cli('convert', models.mlp, '-o', out, *force)
            assert proc.returncode == ExitCode.USAGE
            assert error_lines(proc) == [
                f"error: '{out}' is in use by another hgq-hls4ml run (pid {os.getpid()}); wait for it to end, or "
                'write to another directory'
            ]
        assert [p.name for p in out.iterdir()] == [LOCK_NAME]
    assert not any(out.iterdir())  # the lock file goes with the lock


def test_the_lock_is_exclusive_and_released(tmp_path):
    with lock_dir(tmp_path):
        with pytest.raises(OutputDirError, match='in use by another hgq-hls4ml run'):
            with lock_dir(tmp_path):
                pass
    with lock_dir(tmp_path):
        pass


def _interruptible() -> None:
    """In the child: Ctrl-C's default action, as in a terminal's foreground job (a test runner started in the
    background of a shell ignores SIGINT, and its children would inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_verify_removes_what_it_created(models, jax_cache, tmp_path, run_cli, sig):
    out = tmp_path / 'prj'
    proc = subprocess.Popen(
        [sys.executable, '-m', 'hgq_hls4ml.cli', 'verify', str(models.mlp), '--random', '5', '-o', str(out)],
        cwd=tmp_path,
        env=cli_env(jax_cache),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
    )
    try:
        deadline = time.monotonic() + 120
        while not (out / 'firmware').exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == (ExitCode.INTERRUPTED if sig == signal.SIGINT else ExitCode.TERMINATED), stderr
    assert not out.exists()
    rerun = run_cli('convert', models.mlp, '-o', out)  # no --force needed
    assert rerun.returncode == 0, rerun.stderr


@pytest.mark.parametrize(
    'args',
    [
        ('config', '{model}', '-o', '/proc/hgq_cfg.yml'),
        ('quantize', '{plain}', '-o', '/proc/hgq_q.keras'),
        ('convert', '{model}', '-o', '/proc/hgq_prj'),
    ],
)
def test_unwritable_outputs_are_refused_before_the_model_is_read(run_cli, tmp_path, args):
    # the model files do not exist: an error about them would mean the output was checked after them
    args = [a.format(model=tmp_path / 'model.keras', plain=tmp_path / 'plain.keras') for a in args]
    Path(args[1]).write_bytes(b'')
    proc = run_cli(*args)
    assert proc.returncode == ExitCode.USAGE
    [line] = error_lines(proc)
    assert "'/proc' is not writable" in line, line
