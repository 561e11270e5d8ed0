"""Where the jobs run, all through one ``distributed.Client``:

- by default a ``distributed.LocalCluster`` on this machine: one worker process per core, one thread each (a job
  is g++ and Keras, each heavy on its own);
- ``scheduler='tcp://host:port'``: an existing Dask cluster;
- ``cluster={'type': 'slurm' | 'htcondor', 'jobs': N, ...}``: a dask-jobqueue ``SLURMCluster``/``HTCondorCluster``
  with the other keys as its arguments (``cores``, ``memory``, ``walltime``, ``queue``, ``account``, ``disk``,
  ``job_extra_directives``...), scaled to ``jobs`` batch jobs.

On the clusters the sweep starts, a worker that dies mid-job costs that job one retry (the scheduler's
``allowed_failures=1``), then ``KilledWorker``; and each worker kills the processes it started (g++, vitis_hls) when
it closes, so that closing the cluster (the end of a sweep, or Ctrl-C) leaves none behind.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from .extras import require

#: A dying worker costs its job this many retries, then the job fails with ``KilledWorker``.
ALLOWED_FAILURES = 1
#: ``cluster: type:`` -> the dask-jobqueue class.
CLUSTER_TYPES = {'slurm': 'SLURMCluster', 'htcondor': 'HTCondorCluster'}


@dataclass(frozen=True)
class ClusterSpec:
    """The ``cluster:`` section: dask-jobqueue ``type``, number of batch ``jobs``, the class's other arguments."""

    type: str
    jobs: int = 1
    options: Mapping[str, Any] | None = None


def check_cluster_section(data: Any, source: str) -> ClusterSpec:
    """The ``cluster:`` section of a spec, or one ConfigError saying what is wrong with it."""
    if not isinstance(data, Mapping):
        raise ConfigError(f'{source}: cluster must be a mapping with a type ({", ".join(CLUSTER_TYPES)}); got {data!r}')
    options = dict(data)
    kind = options.pop('type', None)
    jobs = options.pop('jobs', 1)
    problems = []
    if kind not in CLUSTER_TYPES:
        problems.append(f'cluster.type must be one of {", ".join(CLUSTER_TYPES)}; got {kind!r}')
    if not (isinstance(jobs, int) and not isinstance(jobs, bool) and jobs >= 1):
        problems.append(f'cluster.jobs must be an integer >= 1 (batch jobs to start); got {jobs!r}')
    if problems:
        raise ConfigError(f'{source}: ' + '; '.join(problems))
    return ClusterSpec(kind, jobs, options)


def jobqueue_cluster(spec: ClusterSpec) -> Any:
    """The dask-jobqueue cluster of ``spec`` (its scheduler started here, no batch job submitted yet)."""
    jobqueue = require('dask_jobqueue')
    options = dict(spec.options or {})
    options.setdefault('processes', options.get('cores', 1))  # one thread per worker
    scheduler_options = {'allowed_failures': ALLOWED_FAILURES, **options.pop('scheduler_options', {})}
    try:
        return getattr(jobqueue, CLUSTER_TYPES[spec.type])(scheduler_options=scheduler_options, **options)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f'cluster ({spec.type}): {exc}') from exc


def local_cluster(workers: int | None = None) -> Any:
    """A ``LocalCluster`` of ``workers`` processes (default: one per core) with one thread each."""
    distributed = require('distributed')
    dashboard = ':0' if importlib.util.find_spec('bokeh') else None
    return distributed.LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=dashboard,
        silence_logs=logging.ERROR,
        scheduler_kwargs={'allowed_failures': ALLOWED_FAILURES},
    )


@contextmanager
def dask_client(
    scheduler: str | None = None, cluster: ClusterSpec | None = None, workers: int | None = None
) -> Iterator[Any]:
    """A ``distributed.Client`` on the chosen cluster; a cluster started here is closed on exit (Ctrl-C too)."""
    distributed = require('distributed')
    if scheduler is not None:
        with distributed.Client(scheduler) as client:
            yield client
        return
    owned = jobqueue_cluster(cluster) if cluster is not None else local_cluster(workers)
    try:
        if cluster is not None:
            owned.scale(jobs=cluster.jobs)
        with distributed.Client(owned) as client:
            from .reaper import ChildReaper

            client.register_plugin(ChildReaper(own_group=cluster is None))
            yield client
    finally:
        owned.close()
