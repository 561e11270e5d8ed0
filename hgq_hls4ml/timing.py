"""Where the time goes: named phases, each the wall time of the work done under its name."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Phases(dict):
    """``{phase: seconds}`` in the order the phases first ran; ``with phases('compile'): ...`` adds to one."""

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - start

    def line(self) -> str:
        """``imports 1.20s, load 0.31s, ...``"""
        return ', '.join(f'{name} {seconds:.2f}s' for name, seconds in self.items())


def since_process_start() -> float:
    """Seconds since this process started (Linux: from ``/proc``; elsewhere since this module was imported)."""
    try:
        fields = Path('/proc/self/stat').read_text().rsplit(')', 1)[1].split()
        started = int(fields[19]) / os.sysconf('SC_CLK_TCK')  # starttime, in clock ticks after boot
        uptime = float(Path('/proc/uptime').read_text().split()[0])
        return max(0.0, uptime - started)
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED


_IMPORTED = time.perf_counter()
