"""The configurations of a sweep: the ``hgq-hls4ml`` YAML configuration (``io_type``, ``part``, ``clock_period``,
``backend``, ``hls_config``), where any value may be a list: each list is an axis, and the grid is every
combination. For example::

    io_type: [io_parallel, io_stream]
    clock_period: 5
    hls_config:
      Model:
        Strategy: [Latency, distributed_arithmetic]
        ReuseFactor: [1, 4]

is 8 configurations. ``Strategy`` takes hls4ml's ``distributed_arithmetic`` besides ``Latency`` and ``Resource``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..cli.config import (
    DEFAULT_REUSE_FACTOR,
    DEFAULT_STRATEGY,
    HLS_CONFIG_KEYS,
    LAYER_KEYS,
    MODEL_KEYS,
    TOP_KEYS,
    ProjectConfig,
    _choice,
    _config_error,
    _unknown_key,
)

STRATEGIES = ('Latency', 'Resource', 'distributed_arithmetic')
_MODEL_KEYS = {**MODEL_KEYS, 'Strategy': _choice(STRATEGIES)}
_LAYER_KEYS = {**LAYER_KEYS, 'Strategy': _choice(STRATEGIES)}
#: Short names of the axes in configuration labels.
_SHORT = {'io_type': '', 'ReuseFactor': 'RF', 'clock_period': 'clk ', 'Strategy': '', 'BramFactor': 'BF'}

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class GridConfig:
    """One point of the grid: the project settings and a short ``label`` of its axis values."""

    project: ProjectConfig
    label: str

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain data (what the results key hashes, and the ``config`` column holds as JSON)."""
        p = self.project
        return {**p.convert_kwargs(), 'hls_config': p.hls_config}

    def columns(self) -> dict[str, Any]:
        """The results-table columns of this configuration."""
        p = self.project
        model = p.hls_config.get('Model', {})
        return {
            'config': self.label,
            'io_type': p.io_type,
            'strategy': model.get('Strategy', DEFAULT_STRATEGY),
            'reuse_factor': model.get('ReuseFactor', DEFAULT_REUSE_FACTOR),
            'clock_period': float(p.clock_period),
            'part': p.part,
            'backend': p.backend,
            'config_json': json.dumps(self.as_dict(), sort_keys=True),
        }


def _leaves(data: Mapping[str, Any], problems: list[str]) -> dict[Path_, Any]:
    """Every settable value of the configuration by its key path, with unknown keys reported."""
    leaves: dict[Path_, Any] = {}
    for key, value in data.items():
        if key == 'hls_config':
            continue
        if key not in TOP_KEYS:
            problems.append(_unknown_key(key, key, [*TOP_KEYS, 'hls_config']))
        leaves[(key,)] = value
    hls = data.get('hls_config') or {}
    if not isinstance(hls, Mapping):
        problems.append(f'hls_config must be a mapping; got {hls!r}')
        return leaves
    for key in hls:
        if key not in HLS_CONFIG_KEYS:
            problems.append(_unknown_key(key, f'hls_config.{key}', HLS_CONFIG_KEYS))
    for key, value in (hls.get('Model') or {}).items():
        if key not in _MODEL_KEYS:
            problems.append(_unknown_key(key, f'hls_config.Model.{key}', _MODEL_KEYS))
        leaves[('hls_config', 'Model', key)] = value
    for layer, conf in (hls.get('LayerName') or {}).items():
        if not isinstance(conf, Mapping):
            problems.append(f'hls_config.LayerName.{layer} must be a mapping; got {conf!r}')
            continue
        for key, value in conf.items():
            if key not in _LAYER_KEYS:
                problems.append(_unknown_key(key, f'hls_config.LayerName.{layer}.{key}', _LAYER_KEYS))
            leaves[('hls_config', 'LayerName', str(layer), key)] = value
    return leaves


def _check(path: Path_) -> Any:
    if path[0] != 'hls_config':
        return TOP_KEYS.get(path[0])
    return (_MODEL_KEYS if path[1] == 'Model' else _LAYER_KEYS).get(path[-1])


def expand_grid(data: Mapping[str, Any] | None, source: str = 'configs') -> list[GridConfig]:
    """Every configuration of the grid ``data``, in order (the last axis varies fastest). Every problem of every
    value is reported at once, in one :class:`~hgq_hls4ml.errors.ConfigError` naming ``source`` and the key."""
    problems: list[str] = []
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise _config_error(source, [f'must be a mapping of settings; got {data!r}'])
    leaves = _leaves(data, problems)
    axes: dict[Path_, list[Any]] = {}
    for path, value in leaves.items():
        values = list(value) if isinstance(value, list) else [value]
        name = '.'.join(path)
        if not values:
            problems.append(f'{name} is an empty list')
        check = _check(path)
        for v in values:
            if check is not None and (problem := check(v)):
                problems.append(f'{name} {problem}')
        axes[path] = values
    if problems:
        raise _config_error(source, problems)
    varying = [path for path, values in axes.items() if len(values) > 1]
    configs = []
    for combo in itertools.product(*axes.values()):
        chosen = dict(zip(axes, combo))
        top = {path[0]: v for path, v in chosen.items() if path[0] != 'hls_config'}
        hls: dict[str, Any] = {}
        for path, v in chosen.items():
            if path[0] == 'hls_config':
                node = hls
                for key in path[1:-1]:
                    node = node.setdefault(key, {})
                node[path[-1]] = v
        label = ' '.join(f'{_SHORT.get(path[-1], path[-1] + "=")}{chosen[path]}' for path in varying) or 'default'
        configs.append(GridConfig(ProjectConfig(**top, hls_config=hls, source=source), label))
    return configs
