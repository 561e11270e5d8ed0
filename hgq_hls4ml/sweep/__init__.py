"""Sweeps: many models (an HGQ2 Pareto front) under many configurations, run as Dask jobs locally or on a cluster,
into one results table (Parquet, CSV, a pandas DataFrame) and figures. See docs/sweep.md.

Needs the ``[sweep]`` extra (``distributed``, ``dask-jobqueue``, ``pandas``, ``pyarrow``); the figures ``[plot]``.
"""

from __future__ import annotations

from .grid import expand_grid
from .models import checkpoint_metrics
from .run import SweepResult, sweep
from .spec import load_spec

__all__ = ['SweepResult', 'checkpoint_metrics', 'expand_grid', 'load_spec', 'sweep']
