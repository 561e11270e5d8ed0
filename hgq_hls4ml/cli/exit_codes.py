"""Exit codes of ``hgq-hls4ml``: the one table the help epilog, the README and the error mapping follow."""

from __future__ import annotations

import textwrap
from enum import IntEnum

from ..errors import (
    BuildError,
    BuildTimeoutError,
    HGQHls4mlError,
    ModelInputError,
    ToolNotFoundError,
    UnsupportedLayerError,
)
from ..process import Terminated


class ExitCode(IntEnum):
    """Process exit status; each member's meaning is in :data:`MEANING`."""

    OK = 0
    FAILED = 1
    USAGE = 2
    UNSUPPORTED = 3
    TOOL_NOT_FOUND = 4
    TIMEOUT = 5
    INTERNAL = 70
    HANGUP = 129
    INTERRUPTED = 130
    TERMINATED = 143


MEANING: dict[ExitCode, str] = {
    ExitCode.OK: 'success (verify: the firmware is bit-exact, or differs only where a given input port type changes '
    'the float inputs)',
    ExitCode.FAILED: 'verify: outputs differ from Keras; build: a step failed (error, license, part, csim mismatch); '
    'check: a WRAP quantizer wraps on the data or is uncalibrated',
    ExitCode.USAGE: 'bad arguments or input: missing/unreadable model, data, config or project, invalid YAML config, '
    'unusable output directory or file, an input port type that cannot feed the model, no reports (report on a '
    'project not built yet), an --until layer the model lacks or that does not cut it',
    ExitCode.UNSUPPORTED: 'the model cannot be converted or quantized: unsupported layers (all listed), no HGQ2 '
    'layer (convert) or quantizer (check), dynamic input shape',
    ExitCode.TOOL_NOT_FOUND: 'vitis_hls (or another external tool) not found',
    ExitCode.TIMEOUT: 'a build step exceeded --timeout and was stopped',
    ExitCode.INTERNAL: 'unexpected internal error (a bug; rerun with --debug for the traceback)',
    ExitCode.HANGUP: 'stopped by SIGHUP (the terminal closed); tool processes stopped, logs kept',
    ExitCode.INTERRUPTED: 'interrupted (Ctrl-C); tool processes stopped, logs kept',
    ExitCode.TERMINATED: 'stopped by SIGTERM (e.g. a CI timeout); tool processes stopped, logs kept',
}

#: Error class -> exit code; the first matching class wins, so subclasses come before their bases.
ERROR_CODES: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (BuildTimeoutError, ExitCode.TIMEOUT),
    (ToolNotFoundError, ExitCode.TOOL_NOT_FOUND),
    (BuildError, ExitCode.FAILED),
    (UnsupportedLayerError, ExitCode.UNSUPPORTED),
    (ModelInputError, ExitCode.UNSUPPORTED),
    (HGQHls4mlError, ExitCode.USAGE),
    (KeyboardInterrupt, ExitCode.INTERRUPTED),
)


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code of a command that raised ``exc`` (``128 + signal`` for SIGTERM and SIGHUP)."""
    if isinstance(exc, Terminated):
        return ExitCode(exc.exit_status)
    return next((code for cls, code in ERROR_CODES if isinstance(exc, cls)), ExitCode.INTERNAL)


def exit_code_table(width: int = 79) -> str:
    """The table as plain text, for ``--help``."""
    return '\n'.join(
        textwrap.fill(MEANING[code], width, initial_indent=f'  {int(code):>3}  ', subsequent_indent=' ' * 7)
        for code in ExitCode
    )
