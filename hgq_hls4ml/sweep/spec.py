"""The YAML spec of ``hgq-hls4ml sweep SPEC.yml``: the keyword arguments of :func:`hgq_hls4ml.sweep`. Example::

    models: checkpoints/            # a folder of .keras files (HGQ2 ParetoFront), a file, or a list of them
    data: x_test.npy                # or: random: 200 (and seed: 0)
    configs:                        # the hgq-hls4ml YAML config; every list is an axis of the grid
      io_type: [io_parallel, io_stream]
      hls_config:
        Model:
          ReuseFactor: [1, 4]
    output: results/                # the results folder (default: <spec name>_results next to the spec)
    synth: false                    # Vitis HLS C synthesis too (vitis_path:, timeout: seconds per step)
    keep_projects: false            # keep each job's hls4ml project under output/projects
    plot: true                      # draw the figures into output/plots
    workers: 2                      # local cluster size (default: one worker per core)
    scheduler: tcp://host:8786      # or an existing Dask cluster
    cluster:                        # or a dask-jobqueue cluster started for the sweep
      type: slurm                   # slurm | htcondor
      jobs: 10                      # batch jobs to start
      cores: 4                      # the rest: the dask-jobqueue class's arguments
      memory: 16GB
      walltime: '02:00:00'

Relative paths are relative to the spec's folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..cli.config import _config_error, _unknown_key
from ..errors import ConfigError
from .cluster import check_cluster_section
from .grid import expand_grid


def _int_at_least(low: int) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        ok = isinstance(v, int) and not isinstance(v, bool) and v >= low
        return None if ok else f'must be an integer >= {low}; got {v!r}'

    return check


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else f'must be true or false; got {v!r}'


def _text(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else f'must be a non-empty string; got {v!r}'


def _texts(v: Any) -> str | None:
    ok = isinstance(v, str) or (isinstance(v, list) and v and all(isinstance(p, str) for p in v))
    return None if ok else f'must be a path or a list of paths; got {v!r}'


def _seconds(v: Any) -> str | None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0
    return None if ok else f'must be a positive number of seconds; got {v!r}'


KEYS: dict[str, Callable[[Any], str | None]] = {
    'models': _texts,
    'configs': lambda v: None,  # checked by expand_grid, with every problem named
    'data': _text,
    'random': _int_at_least(1),
    'seed': _int_at_least(0),
    'output': _text,
    'synth': _bool,
    'vitis_path': _text,
    'timeout': _seconds,
    'scheduler': _text,
    'cluster': lambda v: None,  # checked by check_cluster_section
    'workers': _int_at_least(1),
    'keep_projects': _bool,
    'plot': _bool,
}
PATH_KEYS = ('data', 'output', 'vitis_path')


def spec_kwargs(data: Any, base: Path, source: str) -> dict[str, Any]:
    """The keyword arguments of :func:`hgq_hls4ml.sweep` from a parsed spec (paths resolved against ``base``)."""
    if not isinstance(data, dict):
        raise ConfigError(f'{source}: a sweep spec is a mapping (models:, configs:, data:, ...); got {data!r}')
    problems = []
    for key, value in data.items():
        if key not in KEYS:
            problems.append(_unknown_key(key, key, KEYS))
        elif problem := KEYS[key](value):
            problems.append(f'{key} {problem}')
    if 'models' not in data:
        problems.append('models is missing: a .keras file, a folder of them, or a list')
    if problems:
        raise _config_error(source, problems)
    kwargs = dict(data)
    expand_grid(kwargs.get('configs'), f'{source}: configs')
    if 'cluster' in kwargs:
        kwargs['cluster'] = check_cluster_section(kwargs['cluster'], source)
    models = kwargs['models'] if isinstance(kwargs['models'], list) else [kwargs['models']]
    kwargs['models'] = [base / m for m in models]
    for key in PATH_KEYS:
        if key in kwargs:
            kwargs[key] = base / kwargs[key]
    kwargs.setdefault('output', base / f'{Path(source).stem}_results')
    return kwargs


def load_spec(path: str | Path) -> dict[str, Any]:
    """Read and check a sweep spec file; the keyword arguments of :func:`hgq_hls4ml.sweep`."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f'{path}: sweep spec not found') from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f'{path}: cannot read the sweep spec: {exc}') from None
    except yaml.YAMLError as exc:
        raise ConfigError(f'{path}: not valid YAML: {str(exc).splitlines()[0]}') from None
    return spec_kwargs(data, path.absolute().parent, str(path))
