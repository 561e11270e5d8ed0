"""The status line ``hgq-hls4ml build`` shows on stderr while the HLS tool runs."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f'{minutes}:{secs:02d}'


class ProgressLine:
    """``progress`` callback of :func:`hgq_hls4ml.vitis.build`: ``[step m:ss] last log line``.

    On a terminal the line is rewritten in place (``\\r``), with a newline when the step changes; otherwise (a log
    file, CI) a plain line is written when the step changes and then at most every ``interval`` seconds.
    """

    def __init__(
        self, stream: TextIO | None = None, interval: float = 5.0, clock: Callable[[], float] = time.monotonic
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.interval = interval
        self.clock = clock
        self._step: str | None = None
        self._last_write = 0.0
        self._shown = 0

    def __call__(self, progress: Any) -> None:
        log = ' '.join(str(progress.last_line).split()) or 'started'
        text = f'[{progress.step} {_clock(progress.elapsed)}] {log}'
        new_step = progress.step != self._step
        self._step = progress.step
        if self.tty:
            text = text[: max(20, shutil.get_terminal_size().columns - 1)]
            if new_step and self._shown:
                self.stream.write('\n')
                self._shown = 0
            self.stream.write('\r' + text + ' ' * max(0, self._shown - len(text)))
            self._shown = len(text)
        else:
            now = self.clock()
            if not new_step and now - self._last_write < self.interval:
                return
            self._last_write = now
            self.stream.write(text + '\n')
        self.stream.flush()

    def close(self) -> None:
        """End the in-place line (terminal only) so that what follows starts on a fresh line."""
        if self.tty and self._shown:
            self.stream.write('\n')
            self.stream.flush()
            self._shown = 0
