"""The progress display of a sweep (``rich``): jobs done, running and failed, the ETA, the Dask dashboard link.
On anything but a terminal it shows nothing."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class SweepProgress:
    """``update(done, running, failed)`` as jobs finish; a context manager. ``skipped``: jobs already in the store.
    Shown only if ``show`` and the console is a terminal."""

    def __init__(
        self,
        total: int,
        skipped: int = 0,
        dashboard: str | None = None,
        show: bool = True,
        console: Console | None = None,
    ):
        self.console = console or Console(stderr=True)
        self.enabled = show and self.console.is_terminal
        self.total = total
        self.skipped = skipped
        self.dashboard = dashboard
        self._progress: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> SweepProgress:
        if not self.enabled:
            return self
        if self.dashboard:
            self.console.print(f'Dask dashboard: {self.dashboard}')
        if self.skipped:
            self.console.print(f'{self.skipped} job(s) already in the results folder: skipped')
        self._progress = Progress(
            TextColumn('sweep'),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn('{task.fields[state]}'),
            TimeElapsedColumn(),
            TextColumn('ETA'),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task('sweep', total=self.total, state='')
        return self

    def update(self, done: int, running: int, failed: int) -> None:
        if self._progress is not None:
            state = f'running {running}, failed {failed}'
            self._progress.update(self._task, completed=done, state=state)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
