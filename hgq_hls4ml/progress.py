"""Progress of the long steps, on stderr: the project's one progress module (``rich``, a Keras dependency).

- :class:`Progress`: what ``verify``, ``compile`` and ``quantize``/``check`` show while they work (the g++ build per
  translation unit, the Keras reference, the C simulation batch, calibration): one ``rich`` bar or spinner per
  step, with its elapsed time. Off unless asked: the Python API takes ``progress=True`` (quiet by default, as
  hls4ml and Keras's ``verbose=0``); the command line shows it on a terminal, not with ``--quiet``.
- :class:`ProgressLine`: the status line of ``hgq-hls4ml build`` while the HLS tool runs.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

#: Steps shorter than this never show (a cached build, a small batch).
DELAY = 0.5


class Progress:
    """Progress bars of a command's long steps on ``stream`` (default stderr), if ``enabled`` and ``stream`` is a
    terminal; otherwise every method does nothing. ``with progress.step('compile', total=3) as advance: ...``.
    A step shows once it has run ``delay`` seconds."""

    def __init__(self, enabled: bool = False, stream: TextIO | None = None, delay: float = DELAY):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(enabled) and self.stream.isatty()
        self.delay = delay

    @contextmanager
    def step(self, description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
        """A bar of ``total`` units (a spinner without ``total``) while the block runs; yields ``advance(units)``."""
        if not self.enabled:
            yield _ignore
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        columns: list[Any] = [SpinnerColumn(), TextColumn('{task.description}')]
        if total is not None:
            columns += [BarColumn(), MofNCompleteColumn()]
        columns.append(TimeElapsedColumn())
        bar = RichProgress(*columns, console=Console(file=self.stream), transient=True)
        task = bar.add_task(description, total=total)
        with _shown_after(bar, self.delay):
            yield lambda units: bar.advance(task, units)


def _ignore(units: float) -> None:
    """``advance`` of a progress that is off."""


@contextmanager
def _shown_after(bar: Any, delay: float) -> Iterator[None]:
    """Start ``bar`` once the block has run ``delay`` seconds (a timer thread; at once without a delay), stop it at
    the end."""
    import threading

    if delay <= 0:
        bar.start()
        try:
            yield
        finally:
            bar.stop()
        return

    lock = threading.Lock()
    done = False

    def show() -> None:
        with lock:
            if not done:
                bar.start()

    timer = threading.Timer(delay, show)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            done = True
            bar.stop()


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
