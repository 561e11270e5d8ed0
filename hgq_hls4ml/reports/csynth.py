"""C-synthesis report parsers: ``<top>_csynth.xml`` (and the 2022.1+ aggregate ``csynth.xml``) and ``<top>_csynth.rpt``.

Supported: Vivado HLS 2018.3-2019.2 and Vitis HLS 2020.1-2024.2. Unknown latencies (``undef`` in XML, ``?`` in
text) and ``-1`` range bounds become ``None``; ``DSP48E`` (Vivado HLS) and ``DSP`` (Vitis) both map to ``dsp``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ._parsing import (
    PathLike,
    count,
    find_line,
    header_field,
    load_xml,
    number,
    read_text,
    run_parser,
    table_after,
    table_at,
)
from .model import CsynthReport, Latency, LoopLatency, Resources, Span

#: Oldest and newest tool versions whose report formats are known.
SUPPORTED_VERSIONS = ((2018, 3), (2024, 2))
#: Report resource names -> :class:`Resources` fields.
RESOURCE_TAGS = {'BRAM_18K': 'bram_18k', 'DSP48E': 'dsp', 'DSP': 'dsp', 'FF': 'ff', 'LUT': 'lut', 'URAM': 'uram'}
_REQUIRED_SECTIONS = ('PerformanceEstimates', 'AreaEstimates', 'UserAssignments', 'ReportVersion')
_RPT_TITLE = re.compile(r"^== (Vivado HLS|Vitis HLS) Report for '(.+)'", re.MULTILINE)
_LOOP_MARK = re.compile(r'^\s*\* Loop:')


def _check_version(version: str | None) -> tuple[int, int]:
    """``'2023.2'`` -> ``(2023, 2)``; ``ValueError`` if malformed or outside :data:`SUPPORTED_VERSIONS`."""
    match = re.fullmatch(r'(\d{4})\.(\d+)(\.\d+)*', version or '')
    if match is None:
        raise ValueError(f'unknown tool version {version!r}')
    key = (int(match.group(1)), int(match.group(2)))
    low, high = SUPPORTED_VERSIONS
    if not low <= key <= high:
        raise ValueError(f'tool version {version} is outside the supported range {low[0]}.{low[1]}-{high[0]}.{high[1]}')
    return key


def _ns_period(target: float | None, estimated: float | None) -> float | None:
    """The clock period for latencies in ns: the target (as the tools do), else the estimate."""
    return target if target is not None else estimated


# --- XML -------------------------------------------------------------------------------------------------------


def _span(elem: ET.Element | None) -> Span | None:
    """A number, ``undef`` or ``<range><min/><max/></range>`` element as ``(min, max)``; ``None`` if absent."""
    if elem is None:
        return None
    bounds = elem.find('range')
    if bounds is not None:
        return count(bounds.findtext('min', '')), count(bounds.findtext('max', ''))
    value = count(elem.text or '')
    return value, value


def _single(elem: ET.Element | None) -> int | None:
    """Like :func:`_span` for an element that must hold one number (or ``undef``)."""
    span = _span(elem)
    if span is None:
        return None
    low, high = span
    if low != high:
        raise ValueError(f'<{elem.tag}> holds the range {low}..{high} where a single number was expected')
    return low


def _float(parent: ET.Element, path: str) -> float | None:
    text = parent.findtext(path)
    value = None if text is None else number(text)
    return None if value is None else float(value)


def _section(parent: ET.Element, tag: str, root: ET.Element) -> ET.Element:
    elem = parent.find(tag)
    if elem is None:
        raise ValueError(f'no <{tag}> element; not a csynth report (root <{root.tag}>)')
    return elem


def _xml_resources(parent: ET.Element) -> Resources:
    return Resources(**{RESOURCE_TAGS[child.tag]: _single(child) for child in parent if child.tag in RESOURCE_TAGS})


def _xml_loops(parent: ET.Element | None) -> list[LoopLatency]:
    """The loops below ``parent`` (children that carry a ``<Latency>``), with their nested loops."""
    if parent is None:
        return []
    return [
        LoopLatency(
            name=elem.tag,
            trip_count=_span(elem.find('TripCount')) or (None, None),
            latency=_span(elem.find('Latency')) or (None, None),
            iteration_latency=_span(elem.find('IterationLatency')),
            ii=_single(elem.find('PipelineII')),
            pipeline_depth=_single(elem.find('PipelineDepth')),
            sub_loops=_xml_loops(elem),
        )
        for elem in parent
        if elem.find('Latency') is not None
    ]


def _csynth_xml(path: Path) -> CsynthReport:
    root = load_xml(path)
    perf, area, user, version_elem = (_section(root, tag, root) for tag in _REQUIRED_SECTIONS)
    version = version_elem.findtext('Version', '').strip()
    key = _check_version(version)
    top = user.findtext('TopModelName', '').strip()
    if not top:
        raise ValueError('no <TopModelName> in <UserAssignments>')
    summary = _section(perf, 'SummaryOfOverallLatency', root)
    target = _float(user, 'TargetClockPeriod')
    estimated = _float(perf, 'SummaryOfTimingAnalysis/EstimatedClockPeriod')
    flow_target = user.findtext('FlowTarget')
    return CsynthReport(
        tool='Vitis HLS' if flow_target is not None or key >= (2020, 2) else 'Vivado HLS',
        version=version,
        top=top,
        part=user.findtext('Part'),
        family=user.findtext('ProductFamily'),
        clock_target_ns=target,
        clock_estimated_ns=estimated,
        clock_uncertainty_ns=_float(user, 'ClockUncertainty'),
        pipeline_type=perf.findtext('PipelineType'),
        latency=Latency(
            best=_single(summary.find('Best-caseLatency')),
            avg=_single(summary.find('Average-caseLatency')),
            worst=_single(summary.find('Worst-caseLatency')),
            clock_period_ns=_ns_period(target, estimated),
        ),
        interval_min=_single(summary.find('Interval-min')),
        interval_max=_single(summary.find('Interval-max')),
        resources=_xml_resources(_section(area, 'Resources', root)),
        available=_xml_resources(_section(area, 'AvailableResources', root)),
        loops=_xml_loops(perf.find('SummaryOfLoopLatency')),
        dataflow_throughput=_span(summary.find('DataflowPipelineThroughput')),
        flow_target=flow_target,
        source=str(path),
    )


# --- text (.rpt) -----------------------------------------------------------------------------------------------


def _ns(cell: str) -> float | None:
    """``'5.00 ns'`` or ``'5.00'`` (2018.3 writes no unit) -> ``5.0``."""
    value = number(cell.removesuffix('ns'))
    return None if value is None else float(value)


def _rpt_span(cell: str) -> Span:
    """``'5 ~ 103'`` -> ``(5, 103)``, ``'1 ~ ?'`` -> ``(1, None)``, ``'17'`` -> ``(17, 17)``."""
    low, _, high = cell.partition('~')
    return count(low), count(high or low)


def _rpt_loop(cells: list[str]) -> tuple[int, LoopLatency]:
    """One loop-table row -> (nesting level, loop). Names lose their spaces (``Loop 1`` is ``Loop1`` in the XML)."""
    if len(cells) != 8:
        raise ValueError(f'loop table row has {len(cells)} cells, expected 8: {cells}')
    label, lat_min, lat_max, iteration, ii_achieved, _ii_target, trips, pipelined = cells
    level = 0 if label.startswith('-') else len(label) - len(label.lstrip('+'))
    is_pipelined = pipelined == 'yes'
    loop = LoopLatency(
        name=label.lstrip('-+').replace(' ', ''),
        trip_count=_rpt_span(trips),
        latency=(count(lat_min), count(lat_max)),
        iteration_latency=None if is_pipelined else _rpt_span(iteration),
        ii=count(ii_achieved),
        pipeline_depth=count(iteration) if is_pipelined else None,
    )
    return level, loop


def _nest(flat: list[tuple[int, LoopLatency]]) -> list[LoopLatency]:
    """Turn (level, loop) rows in table order into a tree of loops."""
    roots: list[LoopLatency] = []
    stack: list[tuple[int, LoopLatency]] = []
    for level, loop in flat:
        while stack and stack[-1][0] >= level:
            stack.pop()
        (stack[-1][1].sub_loops if stack else roots).append(loop)
        stack.append((level, loop))
    return roots


def _rpt_loops(lines: list[str]) -> list[LoopLatency]:
    start = next((index for index, line in enumerate(lines) if _LOOP_MARK.match(line)), None)
    table = None if start is None else table_at(lines, start + 1)
    return [] if table is None else _nest([_rpt_loop(cells) for cells in table.body])


def _rpt_resources(names: list[str], cells: list[str] | None, row: str) -> Resources:
    if cells is None:
        raise ValueError(f"no '{row}' row in the utilization summary table")
    pairs = zip(names, cells, strict=True)
    return Resources(**{RESOURCE_TAGS[name]: count(cell) for name, cell in pairs if name in RESOURCE_TAGS})


def _csynth_rpt(path: Path) -> CsynthReport:
    text = read_text(path)
    if 'Synthesis Summary Report of' in text:
        raise ValueError(
            "this is the aggregate 'Synthesis Summary Report' (csynth.rpt) without clock or available-resource "
            'tables; parse <top>_csynth.rpt or <top>_csynth.xml instead'
        )
    title = _RPT_TITLE.search(text)
    if title is None:
        raise ValueError("no '== Vivado HLS/Vitis HLS Report for' title; not a csynth .rpt report")
    version = header_field(text, r'^\* Version:\s*(\S+)')
    _check_version(version)
    lines = text.splitlines()
    timing = find_line(lines, r'^\+ Timing', "'+ Timing' section")
    clock = table_after(lines, r'^\s*\* Summary', 'clock summary', timing).body[0]
    latency_at = find_line(lines, r'^\+ Latency', "'+ Latency' section")
    summary = table_after(lines, r'^\s*\* Summary', 'latency summary', latency_at).body[0]
    if len(clock) != 4 or len(summary) not in (5, 7):
        raise ValueError(f'unexpected clock/latency summary rows {clock} / {summary}')
    utilization_at = find_line(lines, r'^== Utilization Estimates', "'== Utilization Estimates' section")
    usage = table_after(lines, r'^\* Summary', 'utilization summary', utilization_at)
    if not usage.header:
        raise ValueError('the utilization summary table has no header row')
    names = usage.header[-1]
    target, estimated = _ns(clock[1]), _ns(clock[2])
    return CsynthReport(
        tool=title.group(1),
        version=version,
        top=title.group(2),
        part=header_field(text, r'^\* Target device:\s*(\S+)'),
        family=header_field(text, r'^\* Product family:\s*(\S+)'),
        clock_target_ns=target,
        clock_estimated_ns=estimated,
        clock_uncertainty_ns=_ns(clock[3]),
        pipeline_type=summary[-1],
        latency=Latency(
            best=count(summary[0]), avg=None, worst=count(summary[1]), clock_period_ns=_ns_period(target, estimated)
        ),
        interval_min=count(summary[-3]),
        interval_max=count(summary[-2]),
        resources=_rpt_resources(names, usage.row('Total'), 'Total'),
        available=_rpt_resources(names, usage.row('Available'), 'Available'),
        loops=_rpt_loops(lines),
        source=str(path),
    )


def parse_csynth_xml(path: PathLike) -> CsynthReport:
    """Parse a ``<top>_csynth.xml`` or aggregate ``csynth.xml`` C-synthesis report."""
    return run_parser(_csynth_xml, path)


def parse_csynth_rpt(path: PathLike) -> CsynthReport:
    """Parse a ``<top>_csynth.rpt`` text report. The text has no average latency, so ``latency.avg`` is ``None``."""
    return run_parser(_csynth_rpt, path)
