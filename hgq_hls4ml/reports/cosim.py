"""Parsers of C/RTL co-simulation reports (``<top>_cosim.rpt``) and C-simulation logs (``<top>_csim.log``)."""

from __future__ import annotations

import re
from pathlib import Path

from ._parsing import PathLike, count, header_field, iter_tables, read_text, run_parser
from .model import CosimReport, CsimResult

#: Status values of the cosim table.
STATUSES = ('Pass', 'Fail', 'NA')
#: Row length of the cosim table: RTL, Status, Latency min/avg/max, Interval min/avg/max (+ Total Execution Time
#: in Vitis HLS 2020.1+).
_ROW_LENGTHS = (8, 9)
_CSIM_DONE = re.compile(r'CSim done with (\d+) errors?')
_CSIM_FAILED = re.compile(r"^(?:ERR|ERROR): \[SIM [\d-]+\]|^@E Simulation failed|'csim_design' failed")


def _overall(statuses: dict[str, str]) -> str:
    """``'Fail'`` if any RTL failed, else ``'Pass'`` if any passed, else ``'NA'``."""
    values = set(statuses.values())
    return next((status for status in ('Fail', 'Pass') if status in values), 'NA')


def _count_at(cells: list[str], index: int) -> int | None:
    return count(cells[index]) if index < len(cells) else None


def _rtl_rows(text: str) -> dict[str, list[str]]:
    """The per-language result rows of the cosim table, keyed by RTL language."""
    rows = {
        cells[0]: cells
        for table in iter_tables(text.splitlines())
        for cells in table.body
        if len(cells) in _ROW_LENGTHS
    }
    if not rows:
        raise ValueError('no RTL result rows (VHDL/Verilog | Status | Latency | Interval); not a cosim report')
    for language, cells in rows.items():
        if cells[1] not in STATUSES:
            raise ValueError(f'unknown cosim status {cells[1]!r} for {language}')
    return rows


def _cosim_rpt(path: Path) -> CosimReport:
    text = read_text(path)
    rows = _rtl_rows(text)
    statuses = {language: cells[1] for language, cells in rows.items()}
    status = _overall(statuses)
    rtl = None if status == 'NA' else next(language for language, value in statuses.items() if value == status)
    cells = rows[rtl] if rtl else []
    return CosimReport(
        status=status,
        rtl_status=statuses,
        rtl=rtl,
        latency_min=_count_at(cells, 2),
        latency_avg=_count_at(cells, 3),
        latency_max=_count_at(cells, 4),
        interval_min=_count_at(cells, 5),
        interval_avg=_count_at(cells, 6),
        interval_max=_count_at(cells, 7),
        total_execution_time=_count_at(cells, 8),
        simulation_tool=header_field(text, r'^Simulation tool\s*:\s*(\S+?)\.?$'),
        source=str(path),
    )


def _csim_log(path: Path) -> CsimResult:
    for line in reversed(read_text(path).splitlines()):
        done = _CSIM_DONE.search(line)
        if done:
            errors = int(done.group(1))
            return CsimResult(passed=errors == 0, errors=errors, message=line.strip(), source=str(path))
        if _CSIM_FAILED.search(line):
            return CsimResult(passed=False, errors=None, message=line.strip(), source=str(path))
    raise ValueError("no 'CSim done with N errors' line and no csim failure message; not a (complete) csim log")


def parse_cosim_rpt(path: PathLike) -> CosimReport:
    """Parse a co-simulation report; the numbers come from the RTL row that carries the overall status."""
    return run_parser(_cosim_rpt, path)


def parse_csim_log(path: PathLike) -> CsimResult:
    """Parse a C-simulation log (or a full tool log containing a csim run; the last run counts).

    ``CSim done with N errors`` (message id ``[SIM 1]`` or ``[SIM 211-1]``) gives ``errors=N``; a run that never
    got there (``'csim_design' failed``, ``ERR: [SIM ...]``) is failed with ``errors=None``.
    """
    return run_parser(_csim_log, path)
