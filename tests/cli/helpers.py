"""Assertions shared by the CLI tests."""

from __future__ import annotations

import subprocess


def error_lines(proc: subprocess.CompletedProcess) -> list[str]:
    """The ``error:`` lines of stderr, after checking that no traceback was printed."""
    assert 'Traceback' not in proc.stderr, proc.stderr
    return [line for line in proc.stderr.splitlines() if line.startswith('error: ')]
