"""``build`` against the fake ``vitis_hls`` (tests/vitis/fake_tool.py), and the progress line it shows."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hgq_hls4ml.cli.exit_codes import ExitCode
from hgq_hls4ml.progress import ProgressLine
from hgq_hls4ml.vitis import Progress
from tests.cli.conftest import cli_env
from tests.cli.helpers import error_lines
from tests.vitis.fake_tool import BUILD_OPT_TCL, FakeVitis, hang_pids, install_fake_vitis, make_project, wait_gone


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeVitis:
    return install_fake_vitis(monkeypatch, tmp_path).set(delay=0.05)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / 'prj')


def test_build_steps_table_and_progress(run_cli, fake, project):
    proc = run_cli('build', project, '--synth', '--csim')
    assert proc.returncode == 0, proc.stderr
    assert [call['steps'] for call in fake.calls()] == [['csim'], ['synth']]
    assert proc.stdout.startswith(f'Vitis HLS build of {project}: OK')
    assert 'csim  | ok' in proc.stdout and 'synth | ok' in proc.stdout
    assert 'latency (cycles)' in proc.stdout  # the parsed csynth report
    progress = proc.stderr.splitlines()
    assert '\r' not in proc.stderr  # not a terminal: plain lines
    assert progress[0].startswith('[csim 0:00]') and any(line.startswith('[synth 0:0') for line in progress)


def test_build_default_step_is_synth(run_cli, fake, project):
    proc = run_cli('build', project)
    assert proc.returncode == 0, proc.stderr
    assert [call['steps'] for call in fake.calls()] == [['synth']]


def test_build_failure(run_cli, fake, project):
    fake.set(mode='license')
    proc = run_cli('build', project, '--synth')
    assert proc.returncode == ExitCode.FAILED
    assert proc.stdout.startswith(f'Vitis HLS build of {project}: FAILED')
    assert error_lines(proc) == ["error: Vitis HLS step 'synth' (C/RTL synthesis) failed with exit code 1."]
    assert 'license' in proc.stderr


def test_build_timeout(run_cli, fake, project):
    fake.set(mode='hang')
    proc = run_cli('build', project, '--timeout', '1')
    assert proc.returncode == ExitCode.TIMEOUT == 5
    [line] = error_lines(proc)
    assert line.startswith("error: Vitis HLS step 'synth' (C/RTL synthesis) timed out after 1 s")
    assert 'synth | timeout' in proc.stdout


def test_build_tool_not_found(run_cli, project, tmp_path):
    proc = run_cli('build', project, '--vitis-path', tmp_path / 'no_vitis')
    assert proc.returncode == ExitCode.TOOL_NOT_FOUND == 4
    [line] = error_lines(proc)
    assert line.startswith('error: vitis_hls not found — put it on PATH, set XILINX_VITIS, or pass --vitis-path')


def test_build_not_a_project(run_cli, fake, tmp_path):
    proc = run_cli('build', tmp_path)
    assert proc.returncode == ExitCode.USAGE
    [line] = error_lines(proc)
    assert line.startswith(f'error: {tmp_path}: not an hls4ml Vitis project (missing build_prj.tcl, project.tcl)')
    assert fake.calls() == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_rewrites_one_line_per_step():
    stream = _Terminal()
    line = ProgressLine(stream)
    line(Progress('csim', 0.0, ''))
    line(Progress('csim', 61.2, 'INFO: [SIM 1] CSim done with 0 errors.'))
    line(Progress('synth', 0.5, 'INFO: [HLS 200-1510] Running: csynth_design'))
    line(Progress('synth', 3.0, 'short'))
    line.close()
    assert stream.getvalue() == (
        '\r[csim 0:00] started'
        '\r[csim 1:01] INFO: [SIM 1] CSim done with 0 errors.'
        '\n\r[synth 0:00] INFO: [HLS 200-1510] Running: csynth_design'
        '\r[synth 0:03] short' + ' ' * (len('[synth 0:00] INFO: [HLS 200-1510] Running: csynth_design') - 18) + '\n'
    )


def test_progress_in_a_log_is_throttled():
    now = [0.0]
    stream = io.StringIO()
    line = ProgressLine(stream, interval=5.0, clock=lambda: now[0])
    for t, step in [(0, 'csim'), (1, 'csim'), (4, 'csim'), (6, 'csim'), (7, 'synth'), (8, 'synth'), (13, 'synth')]:
        now[0] = float(t)
        line(Progress(step, float(t), f'line at {t}\r\n'))
    line.close()
    assert stream.getvalue().splitlines() == [
        '[csim 0:00] line at 0',
        '[csim 0:06] line at 6',
        '[synth 0:07] line at 7',
        '[synth 0:13] line at 13',
    ]


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_the_tool_tree_keep_the_log_and_exit_128_plus_signal(
    fake, project, jax_cache, tmp_path, sig
):
    fake.set(mode='hang')
    proc = subprocess.Popen(
        [sys.executable, '-m', 'hgq_hls4ml.cli', 'build', str(project)],
        cwd=tmp_path,
        env=cli_env(jax_cache),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (project / 'fake_vitis.pids').is_file() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        tool, child = hang_pids(project)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    expected = ExitCode.TERMINATED if sig == signal.SIGTERM else ExitCode.HANGUP
    assert proc.returncode == 128 + sig == expected
    assert wait_gone([tool, child]), 'the tool or its child still runs'
    assert stderr.rstrip().endswith(f'error: stopped by {signal.Signals(sig).name}'), stderr
    assert 'Starting helper' in (project / 'logs' / 'synth.log').read_text()
    assert (project / 'build_opt.tcl').read_text() == BUILD_OPT_TCL
