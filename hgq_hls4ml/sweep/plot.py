"""The figures of a sweep (matplotlib, no display needed), each saved as PNG and SVG:

- ``pareto``: the accuracy metric against HGQ2's EBOPs, and against LUTs (synthesis where built, else the cost
  proxy); every point labelled by checkpoint and configuration, the non-dominated ones (no other point is as
  accurate for fewer resources) marked and joined;
- ``latency_resources``: latency against LUTs of the synthesized jobs;
- ``bits``: per model, where the bits go: each layer's weight bits and result bits (the ``cost()`` breakdown).

A figure without data (no accuracy metric, nothing synthesized) is not drawn.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .extras import require

#: Metric columns that are not an accuracy to plot.
NOT_ACCURACY = ('metric_epoch', 'metric_ebops', 'metric_beta')
#: Most models in the bits figure (the first ones of the table).
MAX_BIT_PANELS = 12
FORMATS = ('png', 'svg')


def accuracy_column(table: Any, metric: str | None = None) -> str | None:
    """The metric to plot: ``metric`` (with or without ``metric_``), else a column with 'acc' in its name
    (validation first), else ``None``."""
    columns = [c for c in table.columns if c.startswith('metric_') and c not in NOT_ACCURACY]
    if metric is not None:
        name = metric if metric.startswith('metric_') else f'metric_{metric}'
        if name not in table.columns:
            raise ValueError(f'no metric {metric!r} in the sweep table (metrics: {", ".join(columns) or "none"})')
        return name
    accuracy = sorted((c for c in columns if 'acc' in c), key=lambda c: ('val' not in c, c))
    return accuracy[0] if accuracy else None


def non_dominated(costs: list[float], scores: list[float]) -> list[bool]:
    """For each point, whether no other point has a cost as low and a score as high, and one of them better."""
    return [
        not any((c2 <= c and s2 >= s) and (c2 < c or s2 > s) for j, (c2, s2) in enumerate(zip(costs, scores)) if j != i)
        for i, (c, s) in enumerate(zip(costs, scores))
    ]


def model_labels(rows: Any) -> list[str]:
    """Short names of the rows' models: ``epoch N`` for a ParetoFront checkpoint, else the model's name."""
    if 'metric_epoch' not in rows.columns:
        return [str(m) for m in rows['model']]
    epochs = rows['metric_epoch']
    return [str(m) if math.isnan(e) else f'epoch {int(e)}' for m, e in zip(rows['model'], epochs.astype(float))]


def _save(fig: Any, directory: Path, name: str) -> list[Path]:
    paths = [directory / f'{name}.{fmt}' for fmt in FORMATS]
    for path in paths:
        fig.savefig(path)
    return paths


def _labels(costs: list[float], scores: list[float], names: list[tuple[str, str]]) -> dict[tuple[float, float], str]:
    """One label per distinct point: each model there and its configurations, one a line (configurations that land
    on the same point share one label instead of overprinting)."""
    points: dict[tuple[float, float], dict[str, list[str]]] = {}
    for cost, score, (model, config) in zip(costs, scores, names):
        points.setdefault((cost, score), {}).setdefault(model, []).append(config)
    return {
        point: '\n'.join('\n'.join([m, *filter(None, c)]) for m, c in by_model.items())
        for point, by_model in points.items()
    }


def _annotate(ax: Any, labels: dict[tuple[float, float], str]) -> None:
    """Label each point, above and below it in turn along the x axis, so that neighbours' labels do not meet."""
    for n, ((x, y), label) in enumerate(sorted(labels.items())):
        above = n % 2 == 0
        ax.annotate(
            label,
            (x, y),
            textcoords='offset points',
            xytext=(4, 5 if above else -5),
            va='bottom' if above else 'top',
            fontsize=6,
        )


def _front(
    ax: Any, costs: list[float], scores: list[float], names: list[tuple[str, str]], xlabel: str, ylabel: str
) -> None:
    best = non_dominated(costs, scores)
    others = [i for i, b in enumerate(best) if not b]
    front = sorted((i for i, b in enumerate(best) if b), key=lambda i: costs[i])
    ax.scatter([costs[i] for i in others], [scores[i] for i in others], color='tab:gray', label='dominated')
    ax.plot([costs[i] for i in front], [scores[i] for i in front], '-o', color='tab:red', label='non-dominated')
    _annotate(ax, _labels(costs, scores, names))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def _pareto(table: Any, accuracy: str, directory: Path, figure: Any) -> list[Path]:
    rows = table[table['status'] == 'done'].dropna(subset=[accuracy])
    if rows.empty:
        return []
    per_model = rows.drop_duplicates('model').dropna(subset=['ebops'])
    synth = 'synth_lut' in rows.columns and rows['synth_lut'].notna().any()
    lut = 'synth_lut' if synth else 'lut_proxy'
    by_lut = rows.dropna(subset=[lut])
    fig = figure(figsize=(13, 5.5), layout='constrained')
    ax_ebops, ax_lut = fig.subplots(1, 2, sharey=True)
    metric = accuracy.removeprefix('metric_')
    models = [(m, '') for m in model_labels(per_model)]
    _front(ax_ebops, list(per_model['ebops']), list(per_model[accuracy]), models, 'EBOPs', metric)
    jobs = list(zip(model_labels(by_lut), by_lut['config']))
    xlabel = 'LUT (C synthesis)' if synth else 'LUT (cost proxy)'
    _front(ax_lut, list(by_lut[lut]), list(by_lut[accuracy]), jobs, xlabel, metric)
    fig.suptitle(f'{metric} against cost: {len(per_model)} models, {len(rows)} jobs')
    return _save(fig, directory, 'pareto')


def _latency(table: Any, directory: Path, figure: Any) -> list[Path]:
    if 'synth_latency_cycles' not in table.columns:
        return []
    rows = table.dropna(subset=['synth_latency_cycles', 'synth_lut'])
    if rows.empty:
        return []
    fig = figure(figsize=(7, 5), layout='constrained')
    ax = fig.subplots()
    luts, latency = list(rows['synth_lut']), list(rows['synth_latency_cycles'])
    best = non_dominated(luts, [-v for v in latency])
    ax.scatter(luts, latency, c=['tab:red' if b else 'tab:gray' for b in best])
    _annotate(ax, _labels(luts, latency, list(zip(model_labels(rows), rows['config']))))
    ax.set_xlabel('LUT (C synthesis)')
    ax.set_ylabel('latency (cycles, worst case)')
    ax.set_title('latency against resources (red: non-dominated)')
    ax.grid(alpha=0.3)
    return _save(fig, directory, 'latency_resources')


def _bits(table: Any, directory: Path, figure: Any) -> list[Path]:
    if 'cost_layers' not in table.columns:
        return []
    rows = table.dropna(subset=['cost_layers']).drop_duplicates('model').head(MAX_BIT_PANELS)
    if rows.empty:
        return []
    n = len(rows)
    cols = min(3, n)
    nrows = -(-n // cols)
    fig = figure(figsize=(5 * cols, 3.8 * nrows), layout='constrained')
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax, (_, row), label in zip(axes, rows.iterrows(), model_labels(rows)):
        layers = json.loads(row['cost_layers'])
        pos = range(len(layers))
        ax.bar([p - 0.2 for p in pos], [lay['weight_bits'] for lay in layers], width=0.4, label='weight bits')
        ax.bar([p + 0.2 for p in pos], [lay['result_bits'] for lay in layers], width=0.4, label='result bits')
        ax.set_xticks(list(pos), [lay['name'] for lay in layers], rotation=60, ha='right', fontsize=7)
        ax.set_title(label, fontsize=9)
        ax.legend(fontsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle('where the bits go, per layer (cost() breakdown)')
    return _save(fig, directory, 'bits')


def plot_sweep(table: Any, directory: Path, metric: str | None = None) -> list[Path]:
    """Draw the figures of a sweep table into ``directory``; returns the files written."""
    require('matplotlib', 'the sweep plots')
    from matplotlib.figure import Figure

    directory.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    if len(table) and 'status' in table.columns:
        accuracy = accuracy_column(table, metric)
        if accuracy is not None:
            files += _pareto(table, accuracy, directory, Figure)
        files += _latency(table, directory, Figure)
        files += _bits(table, directory, Figure)
    return files
