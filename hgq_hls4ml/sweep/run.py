"""``sweep()``: every model under every configuration, one Dask job each, into a results folder; and its result."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ArgumentError
from .cluster import ClusterSpec, check_cluster_section, dask_client
from .extras import require
from .grid import expand_grid
from .job import DONE, FAILED, Inputs, Job, run_job
from .models import collect_models, file_sha256
from .store import ResultStore, job_key

#: Columns of :meth:`SweepResult.summary` after the model and its accuracy metric, those present.
SUMMARY_COLUMNS = (
    'config',
    'verdict',
    'ebops',
    'lut_proxy',
    'synth_lut',
    'synth_latency_cycles',
    't_total',
    'retries',
    'error_class',
)
#: Seconds between two looks at what the workers run (for the progress display).
POLL = 0.2


@dataclass
class SweepResult:
    """The rows of one sweep (``table``, a pandas DataFrame, also written as ``results.parquet``/``.csv`` in
    ``folder``), how many jobs ``ran`` this time and how many were ``skipped`` (finished by an earlier run)."""

    table: Any
    folder: Path
    ran: int = 0
    skipped: int = 0
    files: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Rows whose job raised (rerun by the next sweep into the same folder)."""
        return int((self.table['status'] == FAILED).sum()) if len(self.table) else 0

    @property
    def all_exact(self) -> bool:
        """Every job finished and every verdict is BIT-EXACT (or exact on a given port format)."""
        if not len(self.table) or self.failed:
            return False
        return bool(self.table['verdict'].isin(['BIT-EXACT', 'EXACT ON THE PORT FORMAT']).all())

    def summary(self) -> str:
        """The main columns of the table, as text."""
        from .plot import accuracy_column, model_labels

        if not len(self.table):
            return f'(no rows)\n{self.ran} run now, {self.skipped} from earlier'
        accuracy = accuracy_column(self.table)
        columns = ['model', *([accuracy] if accuracy else []), *(c for c in SUMMARY_COLUMNS if c in self.table)]
        frame = self.table.assign(model=model_labels(self.table))
        text = frame[columns].to_string(index=False, float_format=lambda v: f'{v:.6g}')
        return f'{text}\n{len(self.table)} rows ({self.ran} run now, {self.skipped} from earlier), {self.failed} failed'

    def __str__(self) -> str:
        return self.summary()

    def plot(self, directory: str | Path | None = None, metric: str | None = None) -> list[Path]:
        """Draw the sweep's figures as PNG and SVG into ``directory`` (default: ``folder/plots``); see
        :mod:`hgq_hls4ml.sweep.plot`. Returns the files written."""
        from .plot import plot_sweep

        return plot_sweep(self.table, Path(directory) if directory is not None else self.folder / 'plots', metric)


def _inputs(x: Any, data: str | Path | None, random: int | None, seed: int) -> tuple[Inputs, str, Any]:
    """What the jobs verify on, the identity of those inputs in the results key, and the arrays to send."""
    given = [name for name, value in (('x', x), ('data', data), ('random', random)) if value is not None]
    if len(given) != 1:
        raise ArgumentError(
            'sweep: give exactly one of x (input arrays), data (a .npy/.npz file) or random (a number of random '
            f'samples); got {", ".join(given) or "none"}'
        )
    if data is not None:
        from ..cli.inputs import check_file

        path = Path(data).absolute()
        check_file(path, 'data file')
        return Inputs(path=path), f'file:{file_sha256(path)}', None
    if random is not None:
        if not (isinstance(random, int) and random >= 1):
            raise ArgumentError(f'sweep: random must be a number of samples >= 1; got {random!r}')
        inputs = Inputs(random=random, seed=seed)
        return inputs, inputs.describe(), None
    import numpy as np

    arrays = [np.asarray(a, dtype=np.float32) for a in (x if isinstance(x, (list, tuple)) else [x])]
    digest = hashlib.sha256()
    for a in arrays:
        digest.update(str(a.shape).encode())
        digest.update(np.ascontiguousarray(a).tobytes())
    return Inputs(arrays=True), f'arrays:{digest.hexdigest()}', arrays


def _suspicious(key: str, dask_scheduler: Any = None) -> int:
    """(On the scheduler) how many workers died while running task ``key``."""
    task = dask_scheduler.tasks.get(key)
    return task.suspicious if task is not None else 0


def _row(client: Any, future: Any, job: Job) -> dict[str, Any]:
    died = client.run_on_scheduler(_suspicious, future.key)
    if future.status == 'finished':
        row = future.result()
        row['retries'] = died
        return row
    exc = future.exception()
    return {
        **job.identity(),
        'status': FAILED,
        'retries': max(died - 1, 0),
        'error_class': type(exc).__name__,
        'error_message': str(exc),
    }


def _running(client: Any, keys: set[str]) -> int:
    return sum(key in keys for tasks in client.processing().values() for key in tasks)


def _run(client: Any, store: ResultStore, todo: list[Job], arrays: Any, show: bool, skipped: int) -> None:
    """Submit every job, store each row as it arrives; on Ctrl-C cancel the rest (the rows stored stay)."""
    from distributed import as_completed

    from .progress import SweepProgress

    scattered = client.scatter(arrays, broadcast=True) if arrays is not None else None
    run_id = uuid.uuid4().hex[:8]
    futures = {
        client.submit(run_job, job, scattered, key=f'hgq-sweep-{job.key}-{run_id}', pure=False): job for job in todo
    }
    keys = {future.key for future in futures}
    done = failed = 0
    dashboard = getattr(client, 'dashboard_link', None) if client.scheduler_info().get('services') else None
    queue = as_completed(futures)
    last_look = 0.0
    try:
        with SweepProgress(len(todo), skipped, dashboard, show) as progress:
            while not queue.is_empty():
                batch = queue.next_batch(block=False) if queue.has_ready() else []
                for future in batch:
                    row = _row(client, future, futures[future])
                    store.put(row)
                    done += 1
                    failed += row['status'] == FAILED
                    future.release()
                if progress.enabled and (batch or time.monotonic() - last_look > 1.0):
                    last_look = time.monotonic()
                    progress.update(done, _running(client, keys), failed)
                if not batch:
                    time.sleep(POLL)
    except BaseException:
        client.cancel(list(futures), force=True)
        raise


def sweep(
    models: str | Path | Any | Sequence[Any],
    configs: Mapping[str, Any] | None = None,
    *,
    x: Any = None,
    data: str | Path | None = None,
    random: int | None = None,
    seed: int = 0,
    output: str | Path = 'sweep_results',
    metrics: Sequence[Mapping[str, float]] | None = None,
    synth: bool = False,
    vitis_path: str | Path | None = None,
    timeout: float | None = None,
    scheduler: str | None = None,
    cluster: Mapping[str, Any] | ClusterSpec | None = None,
    workers: int | None = None,
    keep_projects: bool = False,
    plot: bool = False,
    progress: bool = True,
) -> SweepResult:
    """Convert, verify (bit-exact against Keras), cost and optionally synthesize every model under every
    configuration, one Dask job each, and return the table.

    ``models``: ``.keras`` files, folders of them (HGQ2 ``ParetoFront`` output: the metrics in the file names become
    ``metric_*`` columns) or in-memory models (``metrics``: one dict per in-memory model). ``configs``: the grid,
    the YAML configuration of ``hgq-hls4ml`` where any value may be a list (:mod:`hgq_hls4ml.sweep.grid`). Inputs:
    exactly one of ``x`` (arrays), ``data`` (a ``.npy``/``.npz`` file) or ``random`` (a number of random samples,
    ``seed``). ``synth``: Vitis HLS C synthesis too (``vitis_path``, ``timeout`` per step).

    Where: a local cluster of ``workers`` processes (default: one per core), an existing one (``scheduler``,
    ``'tcp://host:port'``), or a dask-jobqueue one (``cluster``: ``{'type': 'slurm' | 'htcondor', 'jobs': N,
    ...}``). Files (models, data, ``output`` with ``keep_projects``) must be visible to the workers.

    ``output``: the results folder. A row is stored as its job finishes; a rerun skips the finished jobs and runs
    the failed and missing ones; a second sweep into a folder in use is refused. ``keep_projects`` keeps each
    job's hls4ml project under ``output/projects/<key>``. ``plot`` draws the figures into ``output/plots``.
    """
    for module in ('pandas', 'pyarrow', 'distributed'):
        require(module)
    grid = expand_grid(configs)
    inputs, inputs_id, arrays = _inputs(x, data, random, seed)
    if scheduler is not None and cluster is not None:
        raise ArgumentError('sweep: give scheduler (an existing Dask cluster) or cluster (one to start), not both')
    if cluster is not None and not isinstance(cluster, ClusterSpec):
        cluster = check_cluster_section(cluster, 'sweep')
    with ResultStore(output) as store:
        entries = collect_models(models, store.root, metrics)
        jobs = []
        for entry in entries:
            for config in grid:
                key = job_key(entry.sha256, config.as_dict(), inputs_id, synth)
                project = str(store.root / 'projects' / key) if keep_projects else None
                path = None if vitis_path is None else str(vitis_path)
                jobs.append(Job(key, entry, config, inputs, synth, path, timeout, project))
        todo = [job for job in jobs if not store.finished(job.key)]
        skipped = len(jobs) - len(todo)
        try:
            if todo:
                with dask_client(scheduler, cluster, workers) as client:
                    _run(client, store, todo, arrays, progress, skipped)
        finally:
            table = store.table([job.key for job in jobs])
            files = list(store.write_table(table))
        result = SweepResult(table, store.root, len(todo), skipped, files)
    if plot:
        result.files += result.plot()
    return result


__all__ = ['DONE', 'FAILED', 'SweepResult', 'sweep']
