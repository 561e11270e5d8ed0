"""The Vitis HLS driver against the fake ``vitis_hls`` (``fake_vitis_hls.py``): steps, logs, progress, reports,
every failure mode, timeouts killing the whole process tree, tool discovery and argument checks.

No test bounds how long anything takes (the machine may be loaded): the fake logs events (fake_vitis_hls.py), the
driver's signals and the tool's exit status are recorded, and the timeout tests run the driver on a clock that waits
for the fake (:class:`_DriverClock`), so they check the order of events only.

Report numbers come from the real fixtures the fake copies (tests/data/reports/EXPECTED.md): ece226 csynth latency
395 cycles, LUT 17966, DSP 467; ece226 vivado_synth.rpt LUT 8565; vecdot cosim Pass, latency 10099.
"""

from __future__ import annotations

import io
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hgq_hls4ml import process
from hgq_hls4ml.errors import (
    BuildError,
    BuildTimeoutError,
    CsimMismatchError,
    HGQHls4mlError,
    LicenseError,
    PartError,
    ProjectError,
    ToolNotFoundError,
    UnknownStepError,
)
from hgq_hls4ml.vitis import BUILD_STEPS, BuildResult, Progress, build, driver, find_vitis_hls
from tests.vitis.fake_tool import (
    BUILD_OPT_TCL,
    PART,
    gone,
    hang_pids,
    install_fake_vitis,
    make_project,
    wait_gone,
    write_wrapper,
)

MALFORMED = Path(__file__).resolve().parents[1] / 'data' / 'reports' / 'malformed'
NOT_FOUND = 'vitis_hls not found — put it on PATH, set XILINX_VITIS, or pass --vitis-path'


def _events(project: Path) -> list[str]:
    """What the hanging fake tool and its child logged (``fake_vitis.events``, see fake_vitis_hls.py)."""
    path = project / 'fake_vitis.events'
    return path.read_text().splitlines() if path.is_file() else []


@pytest.fixture
def sent(monkeypatch) -> list[tuple[subprocess.Popen, int]]:
    """Each signal the driver sends to a tool's process group, with the tool's ``Popen`` (whose ``returncode`` is the
    tool's exit status once ``build`` has returned)."""
    sent: list[tuple[subprocess.Popen, int]] = []
    send = process.signal_group

    def record(proc: subprocess.Popen, sig: int) -> None:
        sent.append((proc, sig))
        send(proc, sig)

    monkeypatch.setattr(process, 'signal_group', record)
    return sent


class _DriverClock:
    """The driver's ``time`` in the timeout tests: ``monotonic()`` stands still while the fake tool has not reached
    the state a test is about, and runs as real time otherwise. It waits until the tool hangs (``fake_vitis.pids``
    exists), so a step's timeout counts from the hang; and, once the driver has sent SIGTERM, until the tool and its
    child have both logged it, so a SIGKILL after ``KILL_GRACE`` comes after both handled SIGTERM. The order of
    events then does not depend on how loaded the machine is; a wait ends after a generous ``patience`` anyway.
    """

    sleep = staticmethod(time.sleep)

    def __init__(self, project: Path, sent: list[tuple[subprocess.Popen, int]], patience: float = 60.0):
        self.project, self.sent, self.patience = project, sent, patience
        self.now, self.last, self.waiting_since = 0.0, time.monotonic(), None

    def _waiting(self, real: float) -> bool:
        if not (self.project / 'fake_vitis.pids').is_file():
            waiting = True
        else:
            terminated = any(sig == signal.SIGTERM for _, sig in self.sent)
            waiting = terminated and sum('SIGTERM' in event for event in _events(self.project)) < 2
        if not waiting:
            self.waiting_since = None
            return False
        self.waiting_since = self.waiting_since or real
        return real - self.waiting_since < self.patience

    def monotonic(self) -> float:
        real = time.monotonic()
        if not self._waiting(real):
            self.now += real - self.last
        self.last = real
        return self.now


@pytest.fixture
def hang_clock(monkeypatch, hls_project, sent) -> _DriverClock:
    """The driver runs on :class:`_DriverClock` for ``hls_project``."""
    clock = _DriverClock(hls_project, sent)
    monkeypatch.setattr(driver, 'time', clock)
    monkeypatch.setattr(process, 'time', clock)
    return clock


def _failure(project: Path, steps: tuple[str, ...], error: type[BaseException] = BuildError, **kwargs) -> BuildError:
    with pytest.raises(error) as info:
        build(project, steps, **kwargs)
    return info.value


# ------------------------------------------------------------------------------------------------------- success


@pytest.mark.smoke
def test_synth_ok(fake_vitis, hls_project):
    result = build(hls_project, ('synth',))
    assert isinstance(result, BuildResult) and result.ok
    assert result.project_dir == hls_project and result.requested == ('synth',)
    [step] = result.steps
    assert (step.step, step.status, step.returncode) == ('synth', 'ok', 0)
    assert step.seconds > 0  # measured (no bound: how long a step takes depends on the machine's load)
    assert step.log_path == hls_project / 'logs' / 'synth.log'
    log = step.log_path.read_text()
    assert '***** C/RTL SYNTHESIS *****' in log and '***** C/RTL SYNTHESIS COMPLETED IN' in log
    assert f"Setting target device to '{PART}'" in log
    report = result.report
    assert report is not None and result.report_error is None
    assert report.top == 'myproject'
    assert (report.csynth.latency.best, report.csynth.latency.worst) == (395, 395)
    assert (report.csynth.resources.lut, report.csynth.resources.dsp) == (17966, 467)
    assert report.cosim is None and report.csim is None
    # one tool process, in the project directory, in its own session, asked for this step only
    [call] = fake_vitis.calls()
    assert call['args'] == ['-f', 'build_prj.tcl'] and call['tool'] == 'vitis_hls'
    assert Path(call['cwd']) == hls_project and call['steps'] == ['synth']
    assert call['sid'] == call['pid'] == call['pgid']
    assert (hls_project / 'build_opt.tcl').read_text() == BUILD_OPT_TCL  # restored


def test_all_steps_run_in_order_one_process_each(fake_vitis, hls_project):
    result = build(hls_project, ['vsynth', 'export', 'csim', 'cosim', 'synth'])
    assert result.ok and result.requested == BUILD_STEPS
    assert [s.step for s in result.steps] == list(BUILD_STEPS)
    assert all(s.status == 'ok' and s.returncode == 0 for s in result.steps)
    assert [call['steps'] for call in fake_vitis.calls()] == [[step] for step in BUILD_STEPS]
    markers = {
        'csim': 'C SIMULATION',
        'synth': 'C/RTL SYNTHESIS',
        'cosim': 'C/RTL SIMULATION',
        'export': 'EXPORT IP',
        'vsynth': 'VIVADO SYNTHESIS',
    }
    for step in result.steps:
        log = (hls_project / 'logs' / f'{step.step}.log').read_text()
        assert f'***** {markers[step.step]} COMPLETED IN' in log
        others = [marker for name, marker in markers.items() if name != step.step]
        assert not any(f'***** {marker} *****' in log for marker in others)  # this step only
    report = result.report
    assert report.csim.passed and report.csim.errors == 0
    assert report.cosim.status == 'Pass' and report.cosim.latency_max == 10099
    assert report.csynth.resources.lut == 17966
    assert report.utilization_synth.lut.used == 8565
    table = result.table()
    assert ': OK' in table
    for step in BUILD_STEPS:
        assert f'logs/{step}.log' in table
    assert '17966' in table and '10099' in table and '8565' in table


def test_step_given_as_string_and_duplicates(fake_vitis, hls_project):
    assert [s.step for s in build(hls_project, 'csim').steps] == ['csim']
    assert [s.step for s in build(hls_project, ('synth', 'csim', 'synth')).steps] == ['csim', 'synth']
    assert len(fake_vitis.calls()) == 3


def test_other_project_name(fake_vitis, tmp_path):
    project = make_project(tmp_path / 'other', name='digits_fw')
    result = build(project, ('csim', 'synth'))
    assert result.report.top == 'digits_fw'
    assert (project / 'digits_fw_prj/solution1/syn/report/digits_fw_csynth.xml').is_file()
    assert result.report.csynth.latency.worst == 395 and result.report.csim.passed


def test_progress_reports_step_elapsed_and_last_line(fake_vitis, hls_project):
    fake_vitis.set(hold=True)  # each step waits after its first command until the callback below saw that line
    running = {
        step: f'INFO: [HLS 200-1510] Running: {cmd}'
        for step, cmd in [('csim', 'csim_design'), ('synth', 'csynth_design')]
    }
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        if p.last_line == running[p.step]:
            (hls_project / f'fake_vitis.go.{p.step}').touch()

    build(hls_project, ('csim', 'synth'), progress=progress, poll_interval=0.02)
    assert [p.step for p in seen] == sorted((p.step for p in seen), key=BUILD_STEPS.index)  # csim's, then synth's
    assert {p.step for p in seen} == {'csim', 'synth'}
    for step in ('csim', 'synth'):
        mine = [p for p in seen if p.step == step]
        assert mine[0] == Progress(step, 0.0, '')  # once as the step starts
        times = [p.elapsed for p in mine]
        assert times == sorted(times) and times[-1] > times[0]  # then while it runs, with the time advancing
        assert running[step] in {p.last_line for p in mine}  # the running step's last line (the fake waited)
    lines = {p.last_line for p in seen} - {''}
    log = (hls_project / 'logs' / 'csim.log').read_text() + (hls_project / 'logs' / 'synth.log').read_text()
    assert all(line in log for line in lines)


def test_no_reports_and_unparsable_reports(fake_vitis, hls_project):
    broken = hls_project / 'myproject_prj/solution1/csim/report/myproject_csim.log'
    broken.parent.mkdir(parents=True)
    shutil.copy(MALFORMED / 'truncated_csim.log', broken)
    result = build(hls_project, ('synth',))
    assert result.ok and result.report is None
    assert 'myproject_csim.log' in result.report_error
    assert 'Reports could not be parsed' in result.table()


# ------------------------------------------------------------------------------------------------------- failures


def test_tool_error_exit_1(fake_vitis, hls_project):
    fake_vitis.set(mode='fail', fail_step='synth')
    error = _failure(hls_project, ('csim', 'synth', 'cosim'))
    assert type(error) is BuildError and isinstance(error, HGQHls4mlError)
    message = str(error)
    assert "step 'synth'" in message and 'exit code 1' in message
    assert str(hls_project / 'logs' / 'synth.log') in message
    assert "ERROR: [HLS 207-3776] use of undeclared identifier 'layer2_out'" in message
    assert 'ERROR: [HLS 200-1715] Encountered problem during source synthesis' in message
    assert 'invoked from within' not in message
    assert (error.step, error.returncode, error.log_path) == ('synth', 1, hls_project / 'logs' / 'synth.log')
    result = error.result
    assert not result.ok
    assert [(s.step, s.status, s.returncode) for s in result.steps] == [('csim', 'ok', 0), ('synth', 'failed', 1)]
    assert 'not run' in result.table() and 'FAILED' in result.table()
    assert result.report.csim.passed and result.report.csynth is None  # partial reports
    assert len(fake_vitis.calls()) == 2  # cosim never started
    assert (hls_project / 'build_opt.tcl').read_text() == BUILD_OPT_TCL


def test_error_lines_with_exit_0_fail_the_step(fake_vitis, hls_project):
    fake_vitis.set(mode='error_exit0', fail_step='csim')
    error = _failure(hls_project, ('csim', 'synth'))
    assert type(error) is BuildError
    assert error.returncode == 0 and error.result.steps[0].status == 'failed'
    assert 'exited with code 0 but its log reports errors' in str(error)
    assert "ERROR: [SIM 211-100] 'csim_design' failed: compilation error(s)." in str(error)
    assert error.result.report.csim.passed is False  # the real failing csim log was parsed


def test_license_error(fake_vitis, hls_project, monkeypatch):
    monkeypatch.delenv('XILINXD_LICENSE_FILE', raising=False)
    monkeypatch.setenv('LM_LICENSE_FILE', '2100@licenses.example')
    fake_vitis.set(mode='license')
    error = _failure(hls_project, ('synth',), LicenseError)
    message = str(error)
    assert isinstance(error, BuildError) and error.step == 'synth'
    assert "license for Vitis HLS (feature 'HLS') is missing" in message
    assert 'XILINXD_LICENSE_FILE is unset' in message and 'LM_LICENSE_FILE is set' in message
    assert '[Common 17-345] A valid license was not found' in message
    assert '2100@licenses.example' not in message


def test_license_error_in_vivado_synthesis(fake_vitis, hls_project):
    build(hls_project, ('synth',))
    fake_vitis.set(mode='license', fail_step='vsynth')
    error = _failure(hls_project, ('vsynth',), LicenseError)
    assert "license for Vivado (synthesis) (feature 'Synthesis')" in str(error)


def test_part_not_installed(fake_vitis, tmp_path):
    project = make_project(tmp_path / 'prj', part='xc7z020clg400-1')
    fake_vitis.set(mode='part')
    error = _failure(project, ('csim', 'synth'), PartError)
    message = str(error)
    assert error.part == 'xc7z020clg400-1' and error.step == 'csim'
    assert "FPGA part 'xc7z020clg400-1' is not installed" in message and '--part' in message
    assert "ERROR: [HLS 200-1023] Part 'xc7z020clg400-1' is not installed." in message
    assert error.result.report is None and error.result.report_error is None  # nothing was written


def test_csim_mismatch(fake_vitis, hls_project):
    fake_vitis.set(mode='csim_mismatch')
    error = _failure(hls_project, ('csim', 'synth'), CsimMismatchError)
    message = str(error)
    assert 'testbench reported a failure' in message and 'returned nonzero (1)' in message
    assert "@E Simulation failed: Function 'main' returns nonzero value '1'." in message
    assert error.result.report.csim.passed is False
    assert [s.step for s in error.result.steps] == ['csim']


def test_crash_by_signal(fake_vitis, hls_project):
    fake_vitis.set(mode='crash', fail_step='synth')
    error = _failure(hls_project, ('synth',))
    assert type(error) is BuildError and error.returncode == -11
    assert 'killed by SIGSEGV' in str(error)
    assert 'Abnormal program termination (11)' in str(error)  # from stderr, captured in the log
    assert 'An unexpected error has occurred' in error.log_path.read_text()


def test_later_step_without_synthesis(fake_vitis, hls_project):
    error = _failure(hls_project, ('vsynth',))
    assert 'ERROR: Cannot find generated Verilog files. Did you run C synthesis?' in str(error)
    assert error.step == 'vsynth' and error.returncode == 1


def test_vivado_not_on_path(fake_vitis, hls_project):
    build(hls_project, ('synth',))
    fake_vitis.set(mode='no_vivado')
    error = _failure(hls_project, ('vsynth',))
    assert type(error) is BuildError and 'vivado is not on PATH' in str(error) and 'settings64.sh' in str(error)
    assert 'couldn\'t execute "vivado": no such file or directory' in str(error)  # the last log lines


def test_many_error_lines_are_shortened():
    lines = [f'ERROR: [HLS 207-1] problem {i}' for i in range(40)] + ['    while executing', 'more \r\rprogress 100%']
    log = io.BytesIO()
    text = ''.join(f'{line}\n' for line in lines).encode()
    watcher = driver._LogWatcher(io.BytesIO(text), log)
    watcher.join()
    assert log.getvalue() == text
    shown = watcher.shown_lines()
    assert shown[0].endswith('problem 0') and shown[-1].endswith('problem 39')
    assert '... (25 more)' in shown and len(shown) == 16
    assert watcher.has_error and watcher.last_line == 'progress 100%'
    assert 'while executing' not in watcher.tail


# ------------------------------------------------------------------------------------------------------- timeouts


def test_timeout_kills_the_process_tree(fake_vitis, hls_project, monkeypatch, sent, hang_clock):
    monkeypatch.setattr(process, 'KILL_GRACE', 60.0)  # only a tool that ignores SIGTERM would make the driver wait
    fake_vitis.set(mode='hang', fail_step='synth')
    error = _failure(hls_project, ('csim', 'synth', 'cosim'), BuildTimeoutError, timeout=0.5, poll_interval=0.05)
    message = str(error)
    assert "step 'synth'" in message and 'timed out after 0.5 s' in message
    assert str(hls_project / 'logs' / 'synth.log') in message
    assert 'Starting helper' in message  # the last log lines
    tool, child = hang_pids(hls_project)
    # the driver's clock only ran once synth hung: the timeout came after the hang, and one SIGTERM was enough
    assert [sig for _, sig in sent] == [signal.SIGTERM]
    [(proc, _)] = sent
    assert proc.pid == tool and proc.returncode == -signal.SIGTERM
    events = _events(hls_project)
    assert events[:2] == [f'child {child} ready', f'tool {tool} hanging']
    assert sorted(events[2:]) == [f'child {child} SIGTERM', f'tool {tool} SIGTERM']
    assert wait_gone([tool, child]), f'processes left running: {[p for p in (tool, child) if not gone(p)]}'
    result = error.result
    assert [(s.step, s.status, s.returncode) for s in result.steps] == [('csim', 'ok', 0), ('synth', 'timeout', None)]
    assert len(fake_vitis.calls()) == 2  # cosim never started
    assert result.report.csim.passed  # reports written before the timeout were parsed
    assert 'timeout' in result.table()


def test_timeout_escalates_to_sigkill(fake_vitis, hls_project, monkeypatch, sent, hang_clock):
    monkeypatch.setattr(process, 'KILL_GRACE', 0.5)
    fake_vitis.set(mode='hang', ignore_term=True)
    error = _failure(hls_project, ('synth',), BuildTimeoutError, timeout=0.5, poll_interval=0.05)
    tool, child = hang_pids(hls_project)
    # SIGTERM, which both processes logged and ignored, then SIGKILL, which the tool died of
    assert [sig for _, sig in sent] == [signal.SIGTERM, signal.SIGKILL]
    assert sent[0][0].pid == tool and sent[0][0].returncode == -signal.SIGKILL
    assert sorted(_events(hls_project)[2:]) == [f'child {child} SIGTERM ignored', f'tool {tool} SIGTERM ignored']
    assert wait_gone([tool, child]), f'processes left running: {[p for p in (tool, child) if not gone(p)]}'
    assert error.result.steps[-1].status == 'timeout'
    assert error.result.report is None and error.result.report_error is None


def test_interrupt_in_progress_callback_kills_the_tool(fake_vitis, hls_project, monkeypatch, sent):
    monkeypatch.setattr(process, 'KILL_GRACE', 60.0)
    fake_vitis.set(mode='hang')

    def interrupt(progress: Progress) -> None:
        if (hls_project / 'fake_vitis.pids').is_file():
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(hls_project, ('csim',), progress=interrupt, poll_interval=0.05)
    tool, child = hang_pids(hls_project)
    assert [sig for _, sig in sent] == [signal.SIGTERM] and sent[0][0].returncode == -signal.SIGTERM
    assert sorted(_events(hls_project)[2:]) == [f'child {child} SIGTERM', f'tool {tool} SIGTERM']
    assert wait_gone([tool, child])
    assert (hls_project / 'build_opt.tcl').read_text() == BUILD_OPT_TCL


# ------------------------------------------------------------------------------------------------ tool discovery


def test_found_on_path(fake_vitis):
    assert find_vitis_hls() == fake_vitis.tool


def test_xilinx_vitis_then_xilinx_hls_before_path(fake_vitis, tmp_path, monkeypatch):
    vitis = write_wrapper(tmp_path / 'Vitis' / '2024.1' / 'bin')
    hls = write_wrapper(tmp_path / 'Vitis_HLS' / '2023.1' / 'bin')
    monkeypatch.setenv('XILINX_HLS', str(tmp_path / 'Vitis_HLS' / '2023.1'))
    assert find_vitis_hls() == hls
    monkeypatch.setenv('XILINX_VITIS', str(tmp_path / 'Vitis' / '2024.1'))
    assert find_vitis_hls() == vitis


def test_xilinx_vitis_used_by_build(tmp_path, monkeypatch):
    fake = install_fake_vitis(monkeypatch, tmp_path, on_path=False).set(delay=0.05)
    monkeypatch.setenv('PATH', str(tmp_path / 'empty'))
    with pytest.raises(ToolNotFoundError):
        find_vitis_hls()
    monkeypatch.setenv('XILINX_VITIS', str(fake.bin_dir.parent))
    project = make_project(tmp_path / 'prj')
    assert build(project, 'csim').ok and len(fake.calls()) == 1


def test_explicit_vitis_path(tmp_path, monkeypatch):
    fake = install_fake_vitis(monkeypatch, tmp_path, on_path=False).set(delay=0.05)
    monkeypatch.setenv('XILINX_VITIS', str(tmp_path / 'nowhere'))
    install_dir = fake.bin_dir.parent
    assert find_vitis_hls(fake.tool) == fake.tool
    assert find_vitis_hls(str(install_dir)) == fake.tool
    assert find_vitis_hls(fake.bin_dir) == fake.tool
    project = make_project(tmp_path / 'prj')
    assert build(project, 'synth', vitis_path=install_dir).ok
    assert build(project, 'csim', vitis_path=fake.tool).ok
    assert len(fake.calls()) == 2


def test_explicit_vitis_path_is_not_searched_around(fake_vitis, tmp_path):
    missing = tmp_path / 'opt' / 'Xilinx'
    with pytest.raises(ToolNotFoundError) as info:
        find_vitis_hls(missing)  # the fake on PATH is not used instead
    assert str(info.value).startswith(NOT_FOUND) and str(missing) in str(info.value)
    assert 'does not exist' in str(info.value)
    plain = tmp_path / 'vitis_hls'
    plain.write_text('#!/bin/sh\n')
    with pytest.raises(ToolNotFoundError, match='not executable'):
        find_vitis_hls(plain)


def test_not_found_message(tmp_path, monkeypatch):
    for variable in ('XILINX_VITIS', 'XILINX_HLS'):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv('PATH', str(tmp_path))
    with pytest.raises(ToolNotFoundError) as info:
        find_vitis_hls()
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert message.startswith(NOT_FOUND + ' (tried: ')
    assert '$XILINX_VITIS (unset)' in message and '$XILINX_HLS (unset)' in message
    assert 'vitis_hls and vitis-run on PATH' in message
    monkeypatch.setenv('XILINX_VITIS', str(tmp_path / 'Vitis'))
    assert str(tmp_path / 'Vitis' / 'bin' / 'vitis_hls') in str(pytest.raises(ToolNotFoundError, find_vitis_hls).value)


def test_missing_tool_fails_before_anything_runs(tmp_path, monkeypatch, hls_project):
    for variable in ('XILINX_VITIS', 'XILINX_HLS'):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv('PATH', str(tmp_path / 'empty'))
    with pytest.raises(ToolNotFoundError, match='put it on PATH'):
        build(hls_project, ('csim', 'synth'))
    assert not (hls_project / 'logs').exists()
    assert (hls_project / 'build_opt.tcl').read_text() == BUILD_OPT_TCL


def test_vitis_run_command_line(tmp_path, monkeypatch):
    fake = install_fake_vitis(monkeypatch, tmp_path, name='vitis-run').set(delay=0.05)
    assert find_vitis_hls().name == 'vitis-run'
    project = make_project(tmp_path / 'prj')
    assert build(project, 'synth').ok
    [call] = fake.calls()
    assert call['tool'] == 'vitis-run' and call['args'] == ['--tcl', 'build_prj.tcl', '--mode', 'hls']


# ------------------------------------------------------------------------------------------------ argument checks


def test_bad_project_dir(fake_vitis, tmp_path):
    missing = tmp_path / 'no_such_dir'
    with pytest.raises(ProjectError) as info:
        build(missing)
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, HGQHls4mlError)
    assert str(missing) in str(info.value) and 'hgq-hls4ml convert' in str(info.value)
    empty = tmp_path / 'empty'
    empty.mkdir()
    (empty / 'build_prj.tcl').write_text('')
    with pytest.raises(ProjectError, match=r'missing project\.tcl') as info:
        build(empty)
    assert 'hgq-hls4ml convert' in str(info.value)
    assert fake_vitis.calls() == []


@pytest.mark.parametrize('steps', [('synthesis',), ('csim', 'cosimulation'), (), 'all'])
def test_bad_steps(fake_vitis, hls_project, steps):
    with pytest.raises(UnknownStepError) as info:
        build(hls_project, steps)
    assert isinstance(info.value, ValueError)
    assert 'valid steps: csim, synth, cosim, export, vsynth' in str(info.value)
    for name in steps if isinstance(steps, tuple) else (steps,):
        if name not in BUILD_STEPS:
            assert repr(name) in str(info.value)
    assert fake_vitis.calls() == []


@pytest.mark.parametrize('kwargs', [{'timeout': 0}, {'timeout': -1.0}, {'poll_interval': 0}])
def test_bad_numbers(fake_vitis, hls_project, kwargs):
    with pytest.raises(ValueError, match='positive'):
        build(hls_project, 'csim', **kwargs)
