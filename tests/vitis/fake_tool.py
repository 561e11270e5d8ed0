"""Install the fake ``vitis_hls`` (``fake_vitis_hls.py``) for a test; reusable by other test packages.

``install_fake_vitis(monkeypatch, tmp_path)`` writes an executable ``vitis_hls`` wrapper (``/bin/sh`` exec'ing
this interpreter on ``fake_vitis_hls.py``) into ``tmp_path/xilinx/bin``, puts that directory first on ``PATH``, and
clears ``XILINX_VITIS``, ``XILINX_HLS`` and every ``FAKE_VITIS_*`` variable. The returned :class:`FakeVitis`
sets the fake's behaviour (``fake.set(mode='fail', fail_step='synth')``) and reads what it recorded
(``fake.calls()``). ``make_project(directory)`` writes a minimal hls4ml project (``build_prj.tcl``,
``project.tcl``, ``build_opt.tcl``) that the fake can "build".

Fixtures (import them into a ``conftest.py``: ``from tests.vitis.fake_tool import fake_vitis, hls_project``):
``fake_vitis`` (a :class:`FakeVitis`, fast: 0.05 s per step) and ``hls_project`` (a project directory).
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

FAKE_SCRIPT = Path(__file__).resolve().with_name('fake_vitis_hls.py')
PART = 'xcvu13p-flga2577-2-e'
_CLEARED = ('XILINX_VITIS', 'XILINX_HLS')
_SETTINGS = {
    'mode': 'FAKE_VITIS_MODE',
    'fail_step': 'FAKE_VITIS_FAIL_STEP',
    'delay': 'FAKE_VITIS_DELAY',
    'ignore_term': 'FAKE_VITIS_IGNORE_TERM',
    'hold': 'FAKE_VITIS_HOLD',
    'version': 'FAKE_VITIS_VERSION',
}

PROJECT_TCL = """variable project_name
set project_name "{name}"
variable backend
set backend "vitis"
variable part
set part "{part}"
variable clock_period
set clock_period 5
variable clock_uncertainty
set clock_uncertainty 27%
variable version
set version "1.0.0"
variable maximum_size
set maximum_size 4096
"""
BUILD_OPT_TCL = """array set opt {
    reset      0
    csim       1
    synth      1
    cosim      0
    validation 0
    export     0
    vsynth     0
    fifo_opt   0
}
"""
BUILD_PRJ_TCL = """# minimal stand-in for hls4ml's templates/vitis/build_prj.tcl (the fake tool does not interpret it)
set tcldir [file dirname [info script]]
source [file join $tcldir project.tcl]
source [file join $tcldir build_opt.tcl]
"""


def write_wrapper(bin_dir: Path, name: str = 'vitis_hls') -> Path:
    """An executable ``bin_dir/name`` that runs the fake tool (telling it its own name)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    wrapper = bin_dir / name
    wrapper.write_text(
        '#!/bin/sh\n'
        f'FAKE_VITIS_TOOL_NAME={shlex.quote(name)} exec {shlex.quote(sys.executable)} '
        f'{shlex.quote(str(FAKE_SCRIPT))} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


def make_project(directory: Path, name: str = 'myproject', part: str = PART) -> Path:
    """A minimal hls4ml project directory (what ``build`` needs; no firmware)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / 'project.tcl').write_text(PROJECT_TCL.format(name=name, part=part))
    (directory / 'build_prj.tcl').write_text(BUILD_PRJ_TCL)
    (directory / 'build_opt.tcl').write_text(BUILD_OPT_TCL)
    return directory


@dataclass
class FakeVitis:
    """The installed fake: ``tool`` (the wrapper), ``bin_dir`` (first on PATH), ``record`` (its JSON-lines record)."""

    tool: Path
    bin_dir: Path
    record: Path
    monkeypatch: pytest.MonkeyPatch

    def set(self, **settings: object) -> FakeVitis:
        """Set the fake's behaviour: ``mode``, ``fail_step``, ``delay``, ``ignore_term``, ``hold``, ``version``."""
        for key, value in settings.items():
            variable = _SETTINGS[key]
            if value is None:
                self.monkeypatch.delenv(variable, raising=False)
            else:
                self.monkeypatch.setenv(variable, '1' if value is True else str(value))
        return self

    def calls(self) -> list[dict]:
        """One dict per tool run: ``tool``, ``args``, ``cwd``, ``pid``, ``pgid``, ``sid``, ``steps``."""
        if not self.record.is_file():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines() if line.strip()]


def install_fake_vitis(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str = 'vitis_hls', on_path: bool = True
) -> FakeVitis:
    """Write the wrapper into ``tmp_path/xilinx/bin`` and (if ``on_path``) put it first on PATH; see the module doc."""
    bin_dir = tmp_path / 'xilinx' / 'bin'
    tool = write_wrapper(bin_dir, name)
    for variable in (*_CLEARED, *(key for key in os.environ if key.startswith('FAKE_VITIS_'))):
        monkeypatch.delenv(variable, raising=False)
    if on_path:
        monkeypatch.setenv('PATH', f'{bin_dir}{os.pathsep}{os.environ.get("PATH", "")}')
    record = tmp_path / 'fake_vitis_calls.jsonl'
    monkeypatch.setenv('FAKE_VITIS_RECORD', str(record))
    return FakeVitis(tool=tool, bin_dir=bin_dir, record=record, monkeypatch=monkeypatch)


@pytest.fixture
def fake_vitis(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeVitis:
    """The fake ``vitis_hls`` first on PATH, in ``ok`` mode with 0.05 s of work per step."""
    return install_fake_vitis(monkeypatch, tmp_path).set(delay=0.05)


@pytest.fixture
def hls_project(tmp_path: Path) -> Path:
    """A minimal project ``tmp_path/prj`` (project ``myproject``, part xcvu13p-flga2577-2-e)."""
    return make_project(tmp_path / 'prj')


def gone(pid: int) -> bool:
    """The process no longer runs (a zombie waiting for a lazy init to reap it counts as gone)."""
    stat = Path(f'/proc/{pid}/stat')
    if Path('/proc').is_dir():
        try:
            return stat.read_text().rpartition(')')[2].split()[0] in ('Z', 'X')
        except (FileNotFoundError, ProcessLookupError):
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def wait_gone(pids: list[int], seconds: float = 60.0) -> bool:
    """Wait until every process is gone; ``False`` only if one still runs after a generous ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(gone(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return all(gone(pid) for pid in pids)


def hang_pids(project: Path) -> list[int]:
    """The pids of the hanging fake tool and its child (``hang`` mode), once ``fake_vitis.pids`` exists."""
    return [int(pid) for pid in (project / 'fake_vitis.pids').read_text().split()]
