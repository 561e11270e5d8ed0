"""Render parsed reports as aligned plain-text tables or as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import singledispatch

from .model import (
    CosimReport,
    CsimResult,
    CsynthReport,
    LoopLatency,
    ProjectReport,
    SiteUsage,
    Span,
    UtilizationReport,
)

Report = ProjectReport | CsynthReport | CosimReport | CsimResult | UtilizationReport
RESOURCE_LABELS = {'bram_18k': 'BRAM_18K', 'dsp': 'DSP', 'ff': 'FF', 'lut': 'LUT', 'uram': 'URAM'}
MISSING = '-'


def _fmt(value: object) -> str:
    """``None`` -> ``-``; floats without trailing zeros (at most 3 decimals); ranges as ``min ~ max``."""
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f'{value:.3f}'.rstrip('0').rstrip('.')
    if isinstance(value, tuple):
        return _span(value)
    return str(value)


def _span(span: Span) -> str:
    low, high = ('?' if bound is None else str(bound) for bound in span)
    return low if low == high else f'{low} ~ {high}'


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    pairs = enumerate(zip(cells, widths, strict=True))
    return ' | '.join(cell.rjust(width) if i else cell.ljust(width) for i, (cell, width) in pairs).rstrip()


def text_grid(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """An aligned table: first column left-aligned, the others right-aligned, a rule under the header."""
    table = [list(headers), *([_fmt(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    rule = '-+-'.join('-' * width for width in widths)
    return '\n'.join([_line(table[0], widths), rule, *(_line(row, widths) for row in table[1:])])


def _loop_rows(loops: list[LoopLatency], depth: int = 0) -> list[list[object]]:
    rows: list[list[object]] = []
    for loop in loops:
        name = '  ' * depth + loop.name
        rows.append([name, loop.trip_count, loop.latency, loop.iteration_latency, loop.ii, loop.pipeline_depth])
        rows.extend(_loop_rows(loop.sub_loops, depth + 1))
    return rows


def _site_cells(site: SiteUsage | None) -> list[object]:
    return [None, None, None] if site is None else [site.used, site.available, site.percent]


@singledispatch
def render_table(report: Report) -> str:
    """A readable plain-text summary of a parsed report (any of the report classes)."""
    raise TypeError(f'cannot render a {type(report).__name__}')


@render_table.register
def _(report: CsynthReport) -> str:
    latency = report.latency
    parts = [
        f'C synthesis: {report.top} ({report.tool} {report.version}), part {_fmt(report.part)} ({_fmt(report.family)})',
        f'Clock (ns): target {_fmt(report.clock_target_ns)}, estimated {_fmt(report.clock_estimated_ns)}, '
        f'uncertainty {_fmt(report.clock_uncertainty_ns)}; pipeline type {_fmt(report.pipeline_type)}',
        text_grid(
            ['', 'best', 'avg', 'worst'],
            [
                ['latency (cycles)', latency.best, latency.avg, latency.worst],
                [
                    f'latency (ns, {_fmt(latency.clock_period_ns)} ns clock)',
                    latency.best_ns,
                    latency.avg_ns,
                    latency.worst_ns,
                ],
                ['interval (cycles)', report.interval_min, None, report.interval_max],
            ],
        ),
        text_grid(
            ['resource', 'used', 'available', '%'],
            [
                [RESOURCE_LABELS[name], getattr(report.resources, name), getattr(report.available, name), percent]
                for name, percent in report.utilization.items()
            ],
        ),
    ]
    if report.loops:
        headers = ['loop', 'trip count', 'latency', 'iteration latency', 'II', 'depth']
        parts.append(text_grid(headers, _loop_rows(report.loops)))
    return '\n\n'.join(parts)


@render_table.register
def _(report: CosimReport) -> str:
    title = f'C/RTL co-simulation: {report.status}' + (f' ({report.rtl})' if report.rtl else '')
    statuses = text_grid(['RTL', 'status'], report.rtl_status.items())
    numbers = text_grid(
        ['', 'min', 'avg', 'max'],
        [
            ['latency (cycles)', report.latency_min, report.latency_avg, report.latency_max],
            ['interval (cycles)', report.interval_min, report.interval_avg, report.interval_max],
        ],
    )
    total = f'total execution time (cycles): {_fmt(report.total_execution_time)}'
    return '\n\n'.join([title, statuses, numbers, total])


@render_table.register
def _(report: CsimResult) -> str:
    outcome = 'passed' if report.passed else 'FAILED'
    errors = '' if report.errors is None else f' ({report.errors} errors)'
    return f'C simulation: {outcome}{errors}\n  {report.message}'


@render_table.register
def _(report: UtilizationReport) -> str:
    title = (
        f'Vivado {report.vivado_version} utilization ({_fmt(report.design_state)}), device {_fmt(report.device)}, '
        f'design {_fmt(report.design)}'
    )
    sites = [
        ('LUT', report.lut),
        ('FF', report.ff),
        ('BRAM tiles (36Kb)', report.bram_tiles),
        ('BRAM_18K equivalent', report.bram_18k_equiv),
        ('URAM', report.uram),
        ('DSP', report.dsp),
    ]
    rows = [[label, *_site_cells(site)] for label, site in sites]
    return '\n\n'.join([title, text_grid(['resource', 'used', 'available', '%'], rows)])


@render_table.register
def _(report: ProjectReport) -> str:
    parts = {
        'C synthesis': report.csynth,
        'C/RTL co-simulation': report.cosim,
        'C simulation': report.csim,
        'Vivado synthesis utilization': report.utilization_synth,
        'Vivado implementation utilization': report.utilization_impl,
    }
    sections = [f'Project {report.top} ({report.project_dir})']
    sections += [render_table(part) if part else f'{name}: no report' for name, part in parts.items()]
    return ('\n\n' + '=' * 80 + '\n\n').join(sections)


def to_json(report: Report) -> str:
    """The report as indented JSON."""
    return json.dumps(report.to_dict(), indent=2)
