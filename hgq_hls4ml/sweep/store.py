"""The results folder of a sweep: one JSON file per finished job, written atomically the moment it arrives, under
a lock that keeps a second sweep out; and the table of a sweep's rows as Parquet and CSV.

Layout: ``rows/<key>.json`` (one row each), ``models/`` (in-memory models, saved), ``projects/<key>/`` (projects
kept with ``keep_projects``), ``results.parquet``, ``results.csv``, ``.lock``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import OutputDirError, SweepLockedError
from .job import DONE

LOCK_NAME = '.lock'
TABLE_NAME = 'results'
#: Column order of the table (the checkpoint's ``metric_*`` columns come after ``model``; others at the end).
COLUMNS = (
    'model',
    'metric_*',
    'config',
    'io_type',
    'strategy',
    'reuse_factor',
    'clock_period',
    'part',
    'backend',
    'status',
    'verdict',
    'n_exact',
    'n_elements',
    'max_abs_diff',
    'ebops',
    'bops',
    'lut_proxy',
    'dsp_proxy',
    'weight_bits',
    'result_bits',
    'synth_lut',
    'synth_ff',
    'synth_dsp',
    'synth_bram',
    'synth_latency_cycles',
    'synth_latency_ns',
    'synth_ii',
    't_load',
    't_convert',
    't_compile',
    't_run',
    't_cost',
    't_synth',
    't_total',
    'retries',
    'error_class',
    'error_message',
    'warnings',
    'worker',
    'key',
    'model_path',
    'model_sha256',
    'config_json',
    'cost_layers',
)


def _rank(column: str) -> tuple[int, str]:
    name = 'metric_*' if column.startswith('metric_') else column
    return (COLUMNS.index(name) if name in COLUMNS else len(COLUMNS), column if name == 'metric_*' else '')


def job_key(model_sha256: str, config: dict[str, Any], inputs: str, synth: bool) -> str:
    """The key of a job's row: a hash of the model's hash, its configuration, its inputs and whether it synthesizes."""
    text = json.dumps({'model': model_sha256, 'config': config, 'inputs': inputs, 'synth': synth}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _plain(value: Any) -> Any:
    """JSON-safe: NaN and infinities as None (JSON has neither), numpy scalars as Python numbers."""
    if hasattr(value, 'item') and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class ResultStore:
    """A results folder, locked (``fcntl.flock``) from :meth:`open` to :meth:`close`; a context manager."""

    def __init__(self, root: str | Path):
        self.root = Path(root).absolute()
        self.rows_dir = self.root / 'rows'
        self._lock: Any = None

    def open(self) -> ResultStore:
        try:
            self.rows_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputDirError(f'cannot create results folder {str(self.root)!r}: {exc.strerror or exc}') from exc
        lock = open(self.root / LOCK_NAME, 'a+')
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or 'another process'
            lock.close()
            raise SweepLockedError(
                f'results folder {str(self.root)!r} is in use by another sweep ({holder}); wait for it to finish, '
                'or give another folder'
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f'pid {os.getpid()} on {os.uname().nodename}\n')
        lock.flush()
        self._lock = lock
        return self

    def close(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def __enter__(self) -> ResultStore:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _path(self, key: str) -> Path:
        return self.rows_dir / f'{key}.json'

    def put(self, row: dict[str, Any]) -> None:
        """Write one row, atomically: a reader sees the old file or the new one, never half of one."""
        text = json.dumps({k: _plain(v) for k, v in row.items()}, sort_keys=True)
        fd, tmp = tempfile.mkstemp(dir=self.rows_dir, prefix='.tmp-', suffix='.json')
        try:
            with os.fdopen(fd, 'w') as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._path(row['key']))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored row of ``key``; ``None`` if there is none (or it is unreadable: the job runs again)."""
        try:
            return json.loads(self._path(key).read_text())
        except (OSError, ValueError):
            return None

    def finished(self, key: str) -> bool:
        """Whether ``key`` has a row that need not run again (not a failure)."""
        row = self.get(key)
        return row is not None and row.get('status') == DONE

    def table(self, keys: list[str]) -> Any:
        """The rows of ``keys`` that exist, in that order, as a pandas DataFrame."""
        from .extras import require

        pd = require('pandas')
        rows = [row for row in map(self.get, keys) if row is not None]
        frame = pd.DataFrame(rows)
        return frame[sorted(frame.columns, key=_rank)]

    def write_table(self, frame: Any) -> tuple[Path, Path]:
        """``results.parquet`` and ``results.csv`` of ``frame`` (each written to a temporary name, then renamed)."""
        paths = (self.root / f'{TABLE_NAME}.parquet', self.root / f'{TABLE_NAME}.csv')
        for path, write in zip(paths, (frame.to_parquet, frame.to_csv)):
            tmp = path.with_name(f'.tmp-{path.name}')
            write(tmp, index=False)
            os.replace(tmp, path)
        return paths
