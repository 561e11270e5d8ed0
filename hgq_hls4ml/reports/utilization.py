"""Parser of Vivado ``report_utilization`` text reports (Vivado 2018.3-2024.1, 7-series and UltraScale(+)).

Rows are found by their site type, not by section number (numbers shift between synthesized and placed/routed
reports). 7-series names (``Slice LUTs``/``Slice Registers``) and UltraScale names (``CLB LUTs``/``CLB Registers``)
are both accepted, as are tables with and without the 2022.2+ ``Prohibited`` column. Per-SLR sections are ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

from ._parsing import PathLike, Table, header_field, iter_tables, number, read_text, run_parser
from .model import SiteUsage, UtilizationReport

#: :class:`UtilizationReport` field -> site-type row names, UltraScale first.
SITE_ROWS = {
    'lut': ('CLB LUTs', 'Slice LUTs'),
    'ff': ('CLB Registers', 'Slice Registers'),
    'bram_tiles': ('Block RAM Tile',),
    'dsp': ('DSPs',),
    'uram': ('URAM',),
}
_REQUIRED = ('lut', 'ff', 'bram_tiles', 'dsp')
_SECTION_TITLE = re.compile(r'^\d+(?:\.\d+)*\.?\s+(\S.*)$')
_RULE = re.compile(r'^-{3,}$')


def _sections(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Split into ``(title, lines)``; a title is a numbered line underlined by dashes (table-of-contents lines
    are not underlined and stay in the preamble, titled ``''``)."""
    sections: list[tuple[str, list[str]]] = [('', [])]
    for index, line in enumerate(lines):
        title = _SECTION_TITLE.match(line)
        if title and index + 1 < len(lines) and _RULE.match(lines[index + 1].strip()):
            sections.append((title.group(1).strip(), []))
        else:
            sections[-1][1].append(line)
    return sections


def _usages(table: Table) -> dict[str, SiteUsage]:
    """Rows of a ``Site Type | Used | ... | Available | Util%`` table, keyed by site type (footnote ``*`` removed)."""
    columns = table.header[-1] if table.header else []
    if not {'Site Type', 'Used', 'Available'} <= set(columns):
        return {}
    used, available = columns.index('Used'), columns.index('Available')
    return {
        cells[0].rstrip('*').strip(): SiteUsage(value, number(cells[available]))
        for cells in table.body
        if len(cells) == len(columns) and (value := number(cells[used])) is not None
    }


def _site_usages(text: str) -> dict[str, SiteUsage]:
    """The first row of each site type over all non-SLR sections."""
    found: dict[str, SiteUsage] = {}
    for title, lines in _sections(text.splitlines()):
        if title.startswith('SLR'):
            continue
        for table in iter_tables(lines):
            for site, usage in _usages(table).items():
                found.setdefault(site, usage)
    return found


def _utilization_rpt(path: Path) -> UtilizationReport:
    text = read_text(path)
    version = header_field(text, r'^\|\s*Tool Version\s*:\s*Vivado v\.(\S+)')
    if version is None:
        raise ValueError("no '| Tool Version : Vivado v.<version>' header; not a Vivado report_utilization report")
    sites = _site_usages(text)
    values = {field: next((sites[row] for row in rows if row in sites), None) for field, rows in SITE_ROWS.items()}
    missing = [' or '.join(SITE_ROWS[field]) for field in _REQUIRED if values[field] is None]
    if missing:
        raise ValueError(f'no {", ".join(missing)} row; not a complete report_utilization report')
    return UtilizationReport(
        vivado_version=version,
        design_state=header_field(text, r'^\|\s*Design State\s*:\s*(.+?)\s*$'),
        device=header_field(text, r'^\|\s*Device\s*:\s*(\S+)'),
        design=header_field(text, r'^\|\s*Design\s*:\s*(\S+)'),
        source=str(path),
        **values,
    )


def parse_utilization_rpt(path: PathLike) -> UtilizationReport:
    """Parse a Vivado ``report_utilization`` report (e.g. hls4ml's ``vivado_synth.rpt``)."""
    return run_parser(_utilization_rpt, path)
