"""One job of a sweep, run on a Dask worker: load the model, convert, verify bit-exact against Keras on the data,
``cost()``, and optionally Vitis C synthesis with its report parsed. It returns one results row (a dict); any
error of the job is that row's ``error_class``/``error_message``, never an exception of the sweep."""

from __future__ import annotations

import functools
import io
import json
import os
import socket
import tempfile
import time
import traceback
import warnings
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .grid import GridConfig
from .models import ModelEntry

#: Status of a row: the job ran to its end (whatever the verdict), or it raised (rerun by the next sweep).
DONE, FAILED = 'done', 'failed'
#: Longest error message kept in a row.
MESSAGE_LIMIT = 4000


@dataclass(frozen=True)
class Inputs:
    """What the jobs verify on: a ``.npy``/``.npz`` file (``path``), ``random`` samples (normal, sigma 4, ``seed``),
    or arrays the caller gave (``arrays``, sent to the workers once)."""

    path: Path | None = None
    random: int | None = None
    seed: int = 0
    arrays: bool = False

    def describe(self) -> str:
        if self.path is not None:
            return f'file:{self.path}'
        if self.arrays:
            return 'arrays'
        return f'random:{self.random}:seed={self.seed}'


@dataclass(frozen=True)
class Job:
    """Everything a worker needs for one row; ``key`` names the row in the store."""

    key: str
    model: ModelEntry
    config: GridConfig
    inputs: Inputs
    synth: bool = False
    vitis_path: str | None = None
    timeout: float | None = None
    project_dir: str | None = None

    def identity(self) -> dict[str, Any]:
        """The columns that say which job a row is (also those of a job that never returned)."""
        return {
            'key': self.key,
            'model': self.model.name,
            'model_path': str(self.model.path),
            'model_sha256': self.model.sha256,
            **{f'metric_{name}': value for name, value in self.model.metrics.items()},
            **self.config.columns(),
        }


@functools.lru_cache(maxsize=4)
def _load_model(path: str, sha256: str) -> Any:
    """The Keras model of a file, kept for the next configurations of the same model on this worker."""
    from ..cli.inputs import load_model

    return load_model(Path(path))


def _inputs(inputs: Inputs, model: Any, arrays: Any) -> list[Any]:
    from ..cli.inputs import load_inputs, random_inputs

    if inputs.path is not None:
        return load_inputs(inputs.path, model)
    if inputs.arrays:
        return list(arrays) if isinstance(arrays, (list, tuple)) else [arrays]
    return random_inputs(model, inputs.random or 1, inputs.seed)


def _verdict(report: Any) -> str:
    if report.bit_exact:
        return 'BIT-EXACT'
    return 'EXACT ON THE PORT FORMAT' if report.exact_given_port else 'MISMATCH'


def _cost_columns(report: Any) -> dict[str, Any]:
    total = report.total
    layers = [
        {'name': lay.name, 'weight_bits': lay.weight_bits, 'result_bits': lay.result_bits, 'luts': lay.luts}
        for lay in report.layers
        if lay.weight_bits or lay.result_bits
    ]
    return {
        'ebops': total.ebops,
        'bops': total.bops,
        'lut_proxy': total.luts,
        'dsp_proxy': total.dsps,
        'weight_bits': total.weight_bits,
        'result_bits': total.result_bits,
        'cost_layers': json.dumps(layers),
    }


def _synth_columns(result: Any) -> dict[str, Any]:
    csynth = result.report.csynth if result.report is not None else None
    if csynth is None:
        return {}
    res = csynth.resources
    return {
        'synth_lut': res.lut,
        'synth_ff': res.ff,
        'synth_dsp': res.dsp,
        'synth_bram': res.bram_18k,
        'synth_latency_cycles': csynth.latency.worst,
        'synth_latency_ns': csynth.latency.worst_ns,
        'synth_ii': csynth.interval_max,
    }


def _work(job: Job, arrays: Any, project: Path, row: dict[str, Any], times: dict[str, float]) -> None:
    from ..cli.commands import hls_config_for
    from ..convert import convert
    from ..cost import cost
    from ..csim import verify

    t0 = time.perf_counter()
    model = _load_model(str(job.model.path), job.model.sha256)
    xs = _inputs(job.inputs, model, arrays)
    times['t_load'] = time.perf_counter() - t0
    config = job.config.project
    t0 = time.perf_counter()
    hls_model = convert(model, project, hls_config=hls_config_for(model, config), **config.convert_kwargs())
    times['t_convert'] = time.perf_counter() - t0
    report = verify(model, xs, hls_model=hls_model, output_dir=project, trace_on_mismatch=False)
    times['t_compile'] = report.times['compile']
    times['t_run'] = report.times['run']
    row.update(
        verdict=_verdict(report),
        n_exact=report.n_exact,
        n_elements=report.n_elements,
        max_abs_diff=report.max_abs_diff,
    )
    t0 = time.perf_counter()
    row.update(_cost_columns(cost(hls_model, model)))
    times['t_cost'] = time.perf_counter() - t0
    if job.synth:
        from ..vitis import build

        t0 = time.perf_counter()
        try:
            result = build(project, ('synth',), timeout=job.timeout, vitis_path=job.vitis_path)
        finally:
            times['t_synth'] = time.perf_counter() - t0
        row.update(_synth_columns(result))


def run_job(job: Job, arrays: Any = None) -> dict[str, Any]:
    """Run ``job`` (on a worker) and return its row; ``arrays``: the caller's inputs when ``job.inputs.arrays``."""
    start = time.perf_counter()
    row: dict[str, Any] = {**job.identity(), 'status': DONE, 'worker': f'{socket.gethostname()}:{os.getpid()}'}
    times: dict[str, float] = {}
    output = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, redirect_stdout(output):
        warnings.simplefilter('always')
        try:
            if job.project_dir is not None:
                Path(job.project_dir).mkdir(parents=True, exist_ok=True)
                _work(job, arrays, Path(job.project_dir), row, times)
            else:
                with tempfile.TemporaryDirectory(prefix='hgq_hls4ml_sweep_') as project:
                    _work(job, arrays, Path(project), row, times)
        except Exception as exc:  # the row records it; the sweep goes on
            message = str(exc) or ''.join(traceback.format_exception_only(type(exc), exc)).strip()
            row.update(status=FAILED, error_class=type(exc).__name__, error_message=message[:MESSAGE_LIMIT])
    notes = [f'{w.category.__name__}: {w.message}' for w in caught if not issubclass(w.category, DeprecationWarning)]
    notes += [line.strip() for line in output.getvalue().splitlines() if line.lstrip().upper().startswith('WARNING')]
    row['warnings'] = '\n'.join(dict.fromkeys(notes)) or None
    row.update(times)
    row['t_total'] = time.perf_counter() - start
    return row
