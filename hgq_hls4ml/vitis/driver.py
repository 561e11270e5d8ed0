"""Run Vitis HLS on an hls4ml project directory: one tool process per step, logs, progress, timeouts, typed errors.

Each requested step runs as its own ``vitis_hls -f build_prj.tcl`` process (``vitis-run --tcl build_prj.tcl --mode
hls`` when only ``vitis-run`` is found) with ``build_opt.tcl`` enabling only that step and ``reset 0``, so a step
reuses the project and the results of the steps before it (``cosim``/``export``/``vsynth`` need an earlier
``synth``, in this call or a previous one). The original ``build_opt.tcl`` is restored afterwards. The tool's
stdout and stderr go to ``<project>/logs/<step>.log``.

The tool runs in a new session (its own process group, :mod:`hgq_hls4ml.process`). On a timeout, on Ctrl-C (or
SIGTERM/SIGHUP under :func:`~hgq_hls4ml.process.terminate_as_interrupt`) and on an exception raised by the progress
callback the whole group is terminated (SIGTERM, then SIGKILL after :data:`hgq_hls4ml.process.KILL_GRACE` seconds),
so the csim executable, xsim or vivado started by the tool die with it; the step's log is kept.

A step fails when the tool exits nonzero **or** when its log holds an error line (``ERROR:``, ``ERR:``,
``FATAL_ERROR:``, ``@E``): Vitis HLS does not always exit nonzero after a failed command (``vitis-run``, scripts
that ``catch`` errors), and a step that printed an error has no trustworthy result. ``CRITICAL WARNING`` lines do
not fail a step; they are shown in the error message when there are no errors. The log decides the error class:
:class:`~hgq_hls4ml.errors.LicenseError`, :class:`~hgq_hls4ml.errors.PartError`,
:class:`~hgq_hls4ml.errors.CsimMismatchError` (csim step only), else :class:`~hgq_hls4ml.errors.BuildError`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import (
    BuildError,
    BuildTimeoutError,
    CsimMismatchError,
    LicenseError,
    PartError,
    ProjectError,
    ReportFormatError,
    ToolNotFoundError,
    UnknownStepError,
)
from ..process import group_alive, start_new_session, stop_group
from ..reports import ProjectReport, parse_project, render_table

#: Build steps in execution order (the flags of hls4ml's ``build_opt.tcl``).
BUILD_STEPS: tuple[str, ...] = ('csim', 'synth', 'cosim', 'export', 'vsynth')
#: Human-readable step names (as in the ``***** ... *****`` markers of ``build_prj.tcl``).
STEP_TITLES = {
    'csim': 'C simulation',
    'synth': 'C/RTL synthesis',
    'cosim': 'C/RTL co-simulation',
    'export': 'IP export',
    'vsynth': 'Vivado synthesis',
}
#: Executable names looked for, in order of preference.
TOOL_NAMES = ('vitis_hls', 'vitis-run')
#: Sub-directory of the project holding ``<step>.log``.
LOG_DIR = 'logs'
#: Log lines quoted in an error message.
SHOWN_LINES = 15

NOT_FOUND = 'vitis_hls not found — put it on PATH, set XILINX_VITIS, or pass --vitis-path'
_REQUIRED_FILES = ('build_prj.tcl', 'project.tcl')
_OPT_FILE = 'build_opt.tcl'
_READER_JOIN_TIMEOUT = 5.0

_ERROR_LINE = re.compile(r'^\s*(?:(?:ERROR|ERR|FATAL_ERROR|FATAL)\s*:|@E\b)')
_NOTABLE_LINE = re.compile(
    r'^\s*(?:(?:ERROR|ERR|FATAL_ERROR|FATAL|CRITICAL WARNING)\s*:|@E\b)'
    r'|: (?:fatal )?error:|Abnormal program termination'
)
#: Tcl stack-trace noise printed after a failed command.
_TCL_TRACE = re.compile(r'^\s*(?:while executing|invoked from within|\(".*" body line \d+\)|\(procedure |\(file |")')
_PATTERNS = {
    'license': re.compile(
        r'\[Common 17-34[58]\]|valid license was not found|[Ff]ailed to get (?:a |the )?license'
        r'|[Ll]icense check(?:-?out)? failed|No such feature exists'
    ),
    'part': re.compile(r"[Pp]art '([^']+)' (?:is not installed|not found|is not available)|\[HLS 200-1023\]"),
    'no_vivado': re.compile(r'couldn\'t execute "vivado"'),
    'csim_mismatch': re.compile(
        r"@E Simulation failed|returns nonzero value|'csim_design' failed: nonzero return value|CSim failed with errors"
    ),
}
_NONZERO_VALUE = re.compile(r"returns nonzero value '?([^'.\s]+)")
_FEATURE = re.compile(r"feature '([^']+)'")
_TCL_SET = re.compile(r'^\s*set\s+(\w+)\s+(?:"([^"]*)"|(\S+))', re.MULTILINE)


@dataclass(frozen=True)
class Progress:
    """Passed to the progress callback every ``poll_interval`` while a step runs (and once as it starts, with
    ``elapsed=0.0`` and ``last_line=''``): ``elapsed`` is seconds since the step started, ``last_line`` the tool's
    last non-empty output line."""

    step: str
    elapsed: float
    last_line: str


@dataclass(frozen=True)
class StepResult:
    """One step's outcome. ``returncode`` is ``None`` when the step timed out (the tool was killed)."""

    step: str
    status: str  # 'ok' | 'failed' | 'timeout'
    returncode: int | None
    seconds: float
    log_path: Path


@dataclass
class BuildResult:
    """Steps run so far (in order) and the reports parsed afterwards.

    ``report`` is ``None`` when no report file exists or when parsing failed; ``report_error`` then holds the
    parser's message. ``requested`` lists the steps asked for (those after a failed step are not run).
    """

    project_dir: Path
    steps: list[StepResult]
    report: ProjectReport | None = None
    report_error: str | None = None
    requested: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Every requested step ran and succeeded."""
        ran = {step.step for step in self.steps}
        return bool(self.steps) and all(s.status == 'ok' for s in self.steps) and ran.issuperset(self.requested)

    def step(self, name: str) -> StepResult | None:
        """The result of step ``name``, ``None`` if it did not run."""
        return next((step for step in self.steps if step.step == name), None)

    def table(self) -> str:
        """A plain-text summary: one row per step (status, exit code, time, log), then the parsed reports."""
        rows = [['step', 'status', 'exit code', 'time (s)', 'log']]
        for step in self.steps:
            code = '-' if step.returncode is None else str(step.returncode)
            log = _relative(step.log_path, self.project_dir)
            rows.append([step.step, step.status, code, f'{step.seconds:.1f}', log])
        ran = {step.step for step in self.steps}
        rows.extend([name, 'not run', '-', '-', '-'] for name in self.requested if name not in ran)
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = [' | '.join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, '-+-'.join('-' * width for width in widths))
        verdict = 'OK' if self.ok else 'FAILED'
        parts = [f'Vitis HLS build of {self.project_dir}: {verdict}', '\n'.join(lines)]
        if self.report is not None:
            parts.append(render_table(self.report))
        elif self.report_error:
            parts.append(f'Reports could not be parsed: {self.report_error}')
        return '\n\n'.join(parts)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------------- tool lookup


def _absolute(path: Path) -> Path:
    """Absolute, without resolving symlinks (the link's name tells ``vitis_hls`` from ``vitis-run``)."""
    return Path(os.path.abspath(path))


def _why_not(path: Path) -> str:
    if not path.exists():
        return 'does not exist'
    if not path.is_file():
        return 'not a file'
    return 'not executable'


def _usable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_vitis_hls(vitis_path: str | Path | None = None) -> Path:
    """The Vitis HLS executable (``vitis_hls``, else ``vitis-run``).

    Looks at ``vitis_path`` only, if given (the executable itself, an install dir holding ``bin/vitis_hls``, or a
    ``bin`` dir); otherwise in ``$XILINX_VITIS/bin``, then ``$XILINX_HLS/bin``, then on ``PATH``.
    Raises :class:`~hgq_hls4ml.errors.ToolNotFoundError` listing every place tried.
    """
    tried: list[str] = []
    if vitis_path is not None and str(vitis_path) != '':
        given = Path(vitis_path).expanduser()
        if given.is_dir():
            candidates = [*(given / 'bin' / name for name in TOOL_NAMES), *(given / name for name in TOOL_NAMES)]
        else:
            candidates = [given]
        for candidate in candidates:
            if _usable(candidate):
                return _absolute(candidate)
            tried.append(f'{candidate} (--vitis-path; {_why_not(candidate)})')
        raise ToolNotFoundError(f'{NOT_FOUND} (tried: {"; ".join(tried)})')
    for variable in ('XILINX_VITIS', 'XILINX_HLS'):
        root = os.environ.get(variable)
        if not root:
            tried.append(f'${variable} (unset)')
            continue
        for name in TOOL_NAMES:
            candidate = Path(root).expanduser() / 'bin' / name
            if _usable(candidate):
                return _absolute(candidate)
            tried.append(f'{candidate} (from ${variable}; {_why_not(candidate)})')
    for name in TOOL_NAMES:
        found = shutil.which(name)
        if found:
            return _absolute(Path(found))
    tried.append(f'{" and ".join(TOOL_NAMES)} on PATH')
    raise ToolNotFoundError(f'{NOT_FOUND} (tried: {"; ".join(tried)})')


def _command(tool: Path) -> list[str]:
    if tool.name.lower().startswith('vitis-run'):
        return [str(tool), '--tcl', 'build_prj.tcl', '--mode', 'hls']
    return [str(tool), '-f', 'build_prj.tcl']


# ------------------------------------------------------------------------------------------------ argument checks


def _check_steps(steps: Iterable[str] | str) -> tuple[str, ...]:
    names = [steps] if isinstance(steps, str) else list(steps)
    valid = ', '.join(BUILD_STEPS)
    if not names:
        raise UnknownStepError(f'no build step given; valid steps: {valid}')
    unknown = [name for name in names if name not in BUILD_STEPS]
    if unknown:
        plural = 's' if len(unknown) > 1 else ''
        raise UnknownStepError(
            f'unknown build step{plural} {", ".join(map(repr, unknown))}; valid steps: {valid} (run in that order)'
        )
    return tuple(step for step in BUILD_STEPS if step in names)


def _check_project(project_dir: str | Path) -> Path:
    root = _absolute(Path(project_dir).expanduser())
    if not root.is_dir():
        raise ProjectError(
            f'{root}: no such project directory; run `hgq-hls4ml convert` first to write the hls4ml project'
        )
    missing = [name for name in _REQUIRED_FILES if not (root / name).is_file()]
    if missing:
        raise ProjectError(
            f'{root}: not an hls4ml Vitis project (missing {", ".join(missing)}); '
            'run `hgq-hls4ml convert` first to write the project there'
        )
    return root


def _tcl_variables(path: Path) -> dict[str, str]:
    """``set name value`` lines of ``project.tcl`` (hls4ml writes one per line; no Tcl interpreter needed)."""
    text = path.read_text(errors='replace')
    return {
        match.group(1): match.group(2) if match.group(2) is not None else match.group(3)
        for match in _TCL_SET.finditer(text)
    }


def _build_opt(step: str) -> str:
    flags = {'reset': 0, 'csim': 0, 'synth': 0, 'cosim': 0, 'validation': 0, 'export': 0, 'vsynth': 0, 'fifo_opt': 0}
    flags[step] = 1
    return 'array set opt {\n' + ''.join(f'    {name:<10} {value}\n' for name, value in flags.items()) + '}\n'


# ------------------------------------------------------------------------------------------ process and log handling


class _LogWatcher:
    """Copies the tool's output to the log file from a background thread and keeps what the messages need."""

    def __init__(self, stream: IO[bytes], log: IO[bytes]):
        self.last_line = ''
        self.has_error = False
        self.tail: deque[str] = deque(maxlen=SHOWN_LINES)
        self.first_notable: list[str] = []
        self.last_notable: deque[str] = deque(maxlen=SHOWN_LINES // 3)
        self.notable_count = 0
        self.matches: dict[str, str] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, args=(stream, log), name='vitis-log-reader', daemon=True)
        self._thread.start()

    def _run(self, stream: IO[bytes], log: IO[bytes]) -> None:
        try:
            for raw in iter(stream.readline, b''):
                log.write(raw)
                log.flush()
                self._feed(raw.decode('utf-8', 'replace'))
        except (OSError, ValueError):  # log closed after an abandoned join, or the pipe went away
            pass
        finally:
            stream.close()

    def _feed(self, text: str) -> None:
        line = text.rstrip('\r\n').rpartition('\r')[2].strip()  # keep what a terminal shows after '\r' rewrites
        if not line:
            return
        with self._lock:
            self.last_line = line
            if not _TCL_TRACE.match(line):
                self.tail.append(line)
            if _ERROR_LINE.match(line):
                self.has_error = True
            if _NOTABLE_LINE.search(line):
                self.notable_count += 1
                if len(self.first_notable) < SHOWN_LINES - SHOWN_LINES // 3:
                    self.first_notable.append(line)
                else:
                    self.last_notable.append(line)
            for kind, pattern in _PATTERNS.items():
                if kind not in self.matches and pattern.search(line):
                    self.matches[kind] = line

    def join(self) -> None:
        self._thread.join(_READER_JOIN_TIMEOUT)

    def shown_lines(self) -> list[str]:
        """Error/critical lines (first and last ones if there are many), else the last meaningful lines."""
        with self._lock:
            if not self.notable_count:
                return list(self.tail)
            skipped = self.notable_count - len(self.first_notable) - len(self.last_notable)
            middle = [f'... ({skipped} more)'] if skipped > 0 else []
            return [*self.first_notable, *middle, *self.last_notable]


def _run_step(
    root: Path,
    step: str,
    command: list[str],
    timeout: float | None,
    progress: Callable[[Progress], None] | None,
    poll_interval: float,
) -> tuple[StepResult, _LogWatcher]:
    log_path = root / LOG_DIR / f'{step}.log'
    (root / _OPT_FILE).write_text(_build_opt(step))
    start = time.monotonic()
    timed_out = False
    with open(log_path, 'wb') as log:
        try:
            proc = start_new_session(
                command,
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        except OSError as error:
            raise ToolNotFoundError(f'{command[0]} could not be started: {error}') from error
        assert proc.stdout is not None
        watcher = _LogWatcher(proc.stdout, log)
        try:
            if progress:
                progress(Progress(step, 0.0, ''))
            while True:
                elapsed = time.monotonic() - start
                if timeout is not None and elapsed >= timeout:
                    timed_out = True
                    stop_group(proc)
                    break
                wait = poll_interval if timeout is None else min(poll_interval, timeout - elapsed)
                try:
                    proc.wait(timeout=max(wait, 0.001))
                    break
                except subprocess.TimeoutExpired:
                    if progress:
                        progress(Progress(step, time.monotonic() - start, watcher.last_line))
        except BaseException:  # Ctrl-C or a failing progress callback: leave no tool running
            stop_group(proc)
            watcher.join()
            raise
        if not timed_out and group_alive(proc.pid):  # children left behind would keep the log pipe open
            stop_group(proc)
        watcher.join()
    seconds = time.monotonic() - start
    if timed_out:
        status, code = 'timeout', None
    else:
        code = proc.returncode
        status = 'ok' if code == 0 and not watcher.has_error else 'failed'
    return StepResult(step, status, code, seconds, log_path), watcher


# ----------------------------------------------------------------------------------------------------- reporting


def _has_reports(root: Path) -> bool:
    if any((root / name).is_file() for name in ('vivado_synth.rpt', 'vivado_utilization.rpt')):
        return True
    return any(path.is_file() for path in root.glob('*_prj/*/*/report/*'))


def _parse_reports(root: Path, top: str | None) -> tuple[ProjectReport | None, str | None]:
    if not _has_reports(root):
        return None, None
    try:
        return parse_project(root, top=top), None
    except ReportFormatError as error:
        return None, str(error)


def _format_seconds(seconds: float) -> str:
    return f'{seconds:g} s' if seconds < 120 else f'{seconds:g} s ({seconds / 60:.1f} min)'


def _signal_name(number: int) -> str | None:
    try:
        return signal.Signals(number).name
    except ValueError:
        return None


def _exit_description(code: int) -> str:
    if code < 0:
        name = _signal_name(-code) or f'signal {-code}'
        return f'was killed by {name} (exit code {code}): the tool crashed or was killed from outside'
    if code > 128 and _signal_name(code - 128):
        return f'exited with code {code} (= 128 + {_signal_name(code - 128)}): the tool probably crashed'
    if code:
        return f'failed with exit code {code}'
    return 'exited with code 0 but its log reports errors (Vitis HLS does not always exit nonzero on failure)'


def _license_hint(step: str, line: str) -> str:
    product = 'Vivado (synthesis)' if step == 'vsynth' else 'Vitis HLS'
    feature = _FEATURE.search(line)
    what = f" (feature '{feature.group(1)}')" if feature else ''
    names = ('XILINXD_LICENSE_FILE', 'LM_LICENSE_FILE')
    variables = ', '.join(f'{name} is {"set" if os.environ.get(name) else "unset"}' for name in names)
    return (
        f'The license for {product}{what} is missing or not valid. Check that XILINXD_LICENSE_FILE or '
        f'LM_LICENSE_FILE points to your license file or license server (port@host) ({variables}); the Vivado '
        'License Manager (vlm) shows which features are licensed.'
    )


def _failure(
    step_result: StepResult,
    watcher: _LogWatcher,
    result: BuildResult,
    variables: dict[str, str],
    timeout: float | None,
) -> BuildError:
    step = step_result.step
    where = f"Vitis HLS step '{step}' ({STEP_TITLES[step]})"
    error_class: type[BuildError] = BuildError
    hint = ''
    extra: dict[str, object] = {}
    if step_result.status == 'timeout':
        error_class = BuildTimeoutError
        head = f'{where} timed out after {_format_seconds(timeout or 0)} and was killed with its child processes'
        hint = f'Reports written so far were parsed; raise the timeout to let {step} finish.'
    else:
        head = f'{where} {_exit_description(step_result.returncode or 0)}'
        matches = watcher.matches
        if 'license' in matches:
            error_class, hint = LicenseError, _license_hint(step, matches['license'])
        elif 'part' in matches:
            found = _PATTERNS['part'].search(matches['part'])
            part = (found.group(1) if found else None) or variables.get('part', '?')
            error_class, extra = PartError, {'part': part}
            hint = (
                f"The FPGA part '{part}' is not installed in this Vitis/Vivado installation. Install its device "
                "family (AMD installer: 'Add Design Tools or Devices'), or convert again with another, installed "
                'part (--part at convert time).'
            )
        elif step == 'vsynth' and 'no_vivado' in matches:
            hint = (
                'vivado is not on PATH (the vsynth step runs `vivado -mode batch -source vivado_synth.tcl`): '
                'source the settings64.sh of your Vivado installation or add its bin directory to PATH.'
            )
        elif step == 'csim' and 'csim_mismatch' in matches:
            value = _NONZERO_VALUE.search(matches['csim_mismatch'])
            returned = f' ({value.group(1)})' if value else ''
            error_class = CsimMismatchError
            hint = (
                f'C simulation ran, but the testbench reported a failure: its main() returned nonzero{returned}. '
                'The HLS C++ does not reproduce the expected outputs; hgq_hls4ml.verify() names the first '
                'diverging layer.'
            )
    lines = watcher.shown_lines()
    quoted = '\n'.join(f'    {line}' for line in lines) if lines else '    (the log is empty)'
    parts = [f'{head}.', hint, f'Log: {step_result.log_path}', f'Last log lines:\n{quoted}']
    error = error_class('\n'.join(part for part in parts if part))
    error.result = result  # type: ignore[attr-defined]
    error.step = step  # type: ignore[attr-defined]
    error.returncode = step_result.returncode  # type: ignore[attr-defined]
    error.log_path = step_result.log_path  # type: ignore[attr-defined]
    for name, value in extra.items():
        setattr(error, name, value)
    return error


# ------------------------------------------------------------------------------------------------------ the build


def build(
    project_dir: str | Path,
    steps: Iterable[str] | str = ('synth',),
    *,
    timeout: float | None = None,
    vitis_path: str | Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    poll_interval: float = 0.5,
) -> BuildResult:
    """Run the given steps (in :data:`BUILD_STEPS` order, one tool process each) on an hls4ml project directory.

    ``timeout`` is per step, in seconds. Returns a :class:`BuildResult` with the parsed reports when every step
    succeeds. A failed step raises :class:`~hgq_hls4ml.errors.BuildError` (or its subclass ``LicenseError``,
    ``PartError``, ``CsimMismatchError``); a step over its timeout is killed with its child processes and raises
    :class:`~hgq_hls4ml.errors.BuildTimeoutError`. Both carry ``.result`` (the :class:`BuildResult` so far, with
    whatever reports exist), ``.step``, ``.returncode`` and ``.log_path``; later steps are not run.
    Arguments are checked before anything runs: ``UnknownStepError`` (a ``ValueError``), ``ProjectError``,
    ``ToolNotFoundError``.
    """
    order = _check_steps(steps)
    if timeout is not None and not timeout > 0:
        raise ValueError(f'timeout must be a positive number of seconds or None, not {timeout!r}')
    if not poll_interval > 0:
        raise ValueError(f'poll_interval must be a positive number of seconds, not {poll_interval!r}')
    root = _check_project(project_dir)
    command = _command(find_vitis_hls(vitis_path))
    variables = _tcl_variables(root / 'project.tcl')
    top = variables.get('project_name') or None
    (root / LOG_DIR).mkdir(parents=True, exist_ok=True)
    result = BuildResult(project_dir=root, steps=[], requested=order)
    opt_path = root / _OPT_FILE
    original = opt_path.read_bytes() if opt_path.is_file() else None
    try:
        for step in order:
            step_result, watcher = _run_step(root, step, command, timeout, progress, poll_interval)
            result.steps.append(step_result)
            if step_result.status != 'ok':
                result.report, result.report_error = _parse_reports(root, top)
                raise _failure(step_result, watcher, result, variables, timeout)
    finally:
        if original is None:
            opt_path.unlink(missing_ok=True)
        else:
            opt_path.write_bytes(original)
    result.report, result.report_error = _parse_reports(root, top)
    return result
