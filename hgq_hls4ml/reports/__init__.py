"""Parsers of Vivado/Vitis HLS and Vivado reports: C synthesis, co-simulation, C simulation and utilization.

Every parser takes a path and returns a typed dataclass (see :mod:`.model`); a missing, empty, truncated or
unknown-format file raises :class:`hgq_hls4ml.errors.ReportFormatError` naming the file and the problem.
"""

from __future__ import annotations

from ..errors import ReportFormatError
from .cosim import parse_cosim_rpt, parse_csim_log
from .csynth import parse_csynth_rpt, parse_csynth_xml
from .model import (
    CosimReport,
    CsimResult,
    CsynthReport,
    Latency,
    LoopLatency,
    ProjectReport,
    Resources,
    SiteUsage,
    UtilizationReport,
)
from .project import find_reports, parse_project
from .render import render_table, to_json
from .utilization import parse_utilization_rpt

__all__ = [
    'CosimReport',
    'CsimResult',
    'CsynthReport',
    'Latency',
    'LoopLatency',
    'ProjectReport',
    'ReportFormatError',
    'Resources',
    'SiteUsage',
    'UtilizationReport',
    'find_reports',
    'parse_cosim_rpt',
    'parse_csim_log',
    'parse_csynth_rpt',
    'parse_csynth_xml',
    'parse_project',
    'parse_utilization_rpt',
    'render_table',
    'to_json',
]
