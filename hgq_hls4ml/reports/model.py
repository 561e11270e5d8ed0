"""Typed results of the report parsers. Every class has ``to_dict()`` giving a JSON-serialisable dict.

Conventions: a value the tool reports as unknown (``undef``, ``?``, ``NA``, ``-1``) is ``None``. Values that may
be a range in the reports (loop trip counts and latencies) are ``(min, max)`` tuples; a plain number ``n`` is
``(n, n)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Resource field names of :class:`Resources`, in display order.
RESOURCE_NAMES = ('bram_18k', 'dsp', 'ff', 'lut', 'uram')

Span = tuple[int | None, int | None]


def percent(used: float | None, available: float | None) -> float | None:
    """``used`` as a percentage of ``available`` (2 decimals); ``None`` if either is unknown or nothing is available."""
    if used is None or not available:
        return None
    return round(100 * used / available, 2)


def _to_ns(cycle_count: int | None, period_ns: float | None) -> float | None:
    if cycle_count is None or period_ns is None:
        return None
    return round(cycle_count * period_ns, 6)


class _Serialisable:
    def to_dict(self) -> dict[str, Any]:
        """The dataclass as nested plain dicts/lists (tuples stay tuples, which ``json`` writes as lists)."""
        return asdict(self)


@dataclass
class Resources(_Serialisable):
    """HLS resource counts: 18 Kb block RAMs, DSP slices (``DSP48E`` in Vivado HLS), flip-flops, LUTs, UltraRAMs."""

    bram_18k: int | None = None
    dsp: int | None = None
    ff: int | None = None
    lut: int | None = None
    uram: int | None = None


@dataclass
class Latency(_Serialisable):
    """Best/average/worst-case latency in cycles and, when a clock period is known, in ns.

    ``clock_period_ns`` is the period used for the ns values: the csynth parsers pass the *target* clock (what the
    HLS tools use for their own absolute latencies) and fall back to the *estimated* clock only when no target is
    reported.
    """

    best: int | None
    avg: int | None
    worst: int | None
    clock_period_ns: float | None = None
    best_ns: float | None = field(init=False)
    avg_ns: float | None = field(init=False)
    worst_ns: float | None = field(init=False)

    def __post_init__(self) -> None:
        self.best_ns = _to_ns(self.best, self.clock_period_ns)
        self.avg_ns = _to_ns(self.avg, self.clock_period_ns)
        self.worst_ns = _to_ns(self.worst, self.clock_period_ns)


@dataclass
class LoopLatency(_Serialisable):
    """One loop of the csynth loop summary. ``ii``/``pipeline_depth`` are set for pipelined loops only."""

    name: str
    trip_count: Span
    latency: Span
    iteration_latency: Span | None = None
    ii: int | None = None
    pipeline_depth: int | None = None
    sub_loops: list[LoopLatency] = field(default_factory=list)


@dataclass
class CsynthReport(_Serialisable):
    """C-synthesis estimates of one module. ``utilization`` (% per resource) is computed from used/available."""

    tool: str
    version: str
    top: str
    part: str | None
    family: str | None
    clock_target_ns: float | None
    clock_estimated_ns: float | None
    clock_uncertainty_ns: float | None
    pipeline_type: str | None
    latency: Latency
    interval_min: int | None
    interval_max: int | None
    resources: Resources
    available: Resources
    loops: list[LoopLatency] = field(default_factory=list)
    dataflow_throughput: Span | None = None
    flow_target: str | None = None
    source: str | None = None
    utilization: dict[str, float | None] = field(init=False)

    def __post_init__(self) -> None:
        self.utilization = {
            name: percent(getattr(self.resources, name), getattr(self.available, name)) for name in RESOURCE_NAMES
        }


@dataclass
class CosimReport(_Serialisable):
    """C/RTL co-simulation result. ``status`` is the overall one: ``'Fail'`` if any RTL failed, else ``'Pass'`` if
    any passed, else ``'NA'``; ``rtl`` is the language whose row gave the numbers (``None`` when nothing ran)."""

    status: str
    rtl_status: dict[str, str]
    rtl: str | None
    latency_min: int | None
    latency_avg: int | None
    latency_max: int | None
    interval_min: int | None
    interval_avg: int | None
    interval_max: int | None
    total_execution_time: int | None = None
    simulation_tool: str | None = None
    source: str | None = None


@dataclass
class CsimResult(_Serialisable):
    """C simulation outcome: ``errors`` is the count from ``CSim done with N errors`` (``None`` if it never ran)."""

    passed: bool
    errors: int | None
    message: str
    source: str | None = None


@dataclass
class SiteUsage(_Serialisable):
    """One row of a Vivado utilization table; ``percent`` is computed from used/available."""

    used: int | float
    available: int | float | None
    percent: float | None = field(init=False)

    def __post_init__(self) -> None:
        self.percent = percent(self.used, self.available)


@dataclass
class UtilizationReport(_Serialisable):
    """Vivado ``report_utilization`` summary. ``bram_tiles`` counts 36 Kb tiles (may be fractional, e.g. 0.5);
    ``bram_18k_equiv`` is the same in 18 Kb units, comparable with the HLS ``BRAM_18K`` estimate."""

    vivado_version: str
    design_state: str | None
    device: str | None
    design: str | None
    lut: SiteUsage
    ff: SiteUsage
    bram_tiles: SiteUsage
    dsp: SiteUsage
    uram: SiteUsage | None = None
    source: str | None = None
    bram_18k_equiv: SiteUsage = field(init=False)

    def __post_init__(self) -> None:
        tiles = self.bram_tiles
        available = None if tiles.available is None else tiles.available * 2
        self.bram_18k_equiv = SiteUsage(_whole(tiles.used * 2), available)


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


@dataclass
class ProjectReport(_Serialisable):
    """Everything found for one HLS project; a part is ``None`` when its report does not exist."""

    top: str
    project_dir: str
    csynth: CsynthReport | None = None
    cosim: CosimReport | None = None
    csim: CsimResult | None = None
    utilization_synth: UtilizationReport | None = None
    utilization_impl: UtilizationReport | None = None
