"""Process supervision, the one place that starts, signals and stops external process groups.

The Vitis driver (``hgq_hls4ml/vitis/driver.py``) and the peer-suite runner (``compat/peer_suite.py``) start their
tools with :func:`start_new_session` (its own process group) and end them with :func:`stop_group`, so the tool's
children (csim executables, xsim, vivado, pytest workers) die with it. :func:`terminate_as_interrupt` makes SIGTERM
and SIGHUP (a CI timeout, a closed terminal) unwind the program like Ctrl-C, raising :class:`Terminated`, so that
the same cleanup runs; the exit status is then ``128 + signal number`` (143 for SIGTERM, 129 for SIGHUP).
Process groups are POSIX; elsewhere only the tool process itself is signalled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

#: Seconds between SIGTERM and SIGKILL when a process group is stopped.
KILL_GRACE = 5.0
_SIGKILL = getattr(signal, 'SIGKILL', signal.SIGTERM)
#: Signals :func:`terminate_as_interrupt` turns into :class:`Terminated` (those this platform has).
TERMINATING_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ('SIGTERM', 'SIGHUP') if hasattr(signal, name)
)


class Terminated(KeyboardInterrupt):
    """The program received SIGTERM or SIGHUP; unwinds like Ctrl-C. ``signum``: the signal's number."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_status(self) -> int:
        """The shell's convention for a process ended by the signal: ``128 + signum``."""
        return 128 + self.signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Inside the block, SIGTERM and SIGHUP raise :class:`Terminated` (a ``KeyboardInterrupt``) in the main thread;
    the previous handlers come back afterwards."""
    previous = {sig: signal.signal(sig, _raise_terminated) for sig in TERMINATING_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def start_new_session(command: list[str], **popen_kwargs) -> subprocess.Popen:
    """``subprocess.Popen(command, ...)`` in a new session: its own process group, which :func:`stop_group` ends."""
    return subprocess.Popen(command, start_new_session=True, **popen_kwargs)


def signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Send ``sig`` to ``proc``'s process group (to ``proc`` alone where there are no groups); gone is fine."""
    try:
        if hasattr(os, 'killpg'):
            os.killpg(proc.pid, sig)
        elif sig == signal.SIGTERM:
            proc.terminate()
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


def group_alive(pgid: int) -> bool:
    """Whether a non-zombie process is left in the process group (zombies may wait for a lazy init to reap them)."""
    if not hasattr(os, 'killpg'):
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc_root = Path('/proc')
    if not proc_root.is_dir():
        return True
    for stat in proc_root.glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rpartition(')')[2].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ('Z', 'X'):
            return True
    return False


def stop_group(proc: subprocess.Popen, grace: float | None = None) -> None:
    """SIGTERM ``proc``'s process group, SIGKILL whatever is left after ``grace`` seconds (default
    :data:`KILL_GRACE`), reap ``proc``."""
    grace = KILL_GRACE if grace is None else grace
    deadline = time.monotonic() + grace
    signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    while time.monotonic() < deadline and group_alive(proc.pid):
        time.sleep(0.05)
    if proc.poll() is None or group_alive(proc.pid):  # never signal a group id that may have been reused
        signal_group(proc, _SIGKILL)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # uninterruptible sleep; nothing more to do
        pass
