"""Shared low-level helpers: file loading, error wrapping, number cells and ASCII tables of the text reports."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..errors import ReportFormatError

PathLike = str | os.PathLike
T = TypeVar('T')

#: Cell texts the tools write for "no value": undefined latency, not applicable, not pipelined, empty.
UNKNOWN_CELLS = frozenset({'', '?', '-', 'NA', 'undef'})
_NUMBER = re.compile(r'-?\d+(\.\d+)?')
_SEPARATOR = re.compile(r'\+[-+]+\+')


def run_parser(parse: Callable[[Path], T], path: PathLike) -> T:
    """``parse(Path(path))``, with any ``ValueError`` turned into a ``ReportFormatError`` prefixed with the path."""
    path = Path(path)
    try:
        return parse(path)
    except ReportFormatError:
        raise
    except ValueError as exc:
        raise ReportFormatError(f'{path}: {exc}') from exc


def read_bytes(path: Path) -> bytes:
    """The file content; a missing, unreadable or blank file raises ``ReportFormatError``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportFormatError(f'{path}: cannot read report ({exc.strerror or exc})') from exc
    if not data.strip():
        raise ReportFormatError(f'{path}: empty file')
    return data


def read_text(path: Path) -> str:
    """The file decoded as UTF-8 (undecodable bytes replaced); see :func:`read_bytes`."""
    return read_bytes(path).decode('utf-8', errors='replace')


def load_xml(path: Path) -> ET.Element:
    """The root element of an XML file; truncated or malformed XML raises ``ReportFormatError``."""
    try:
        return ET.fromstring(read_bytes(path))
    except ET.ParseError as exc:
        raise ReportFormatError(f'{path}: malformed or truncated XML ({exc})') from exc


def number(text: str) -> int | float | None:
    """Parse a report cell: ``int`` or ``float``; ``None`` for the tools' unknown markers (``?``, ``NA``, ...)."""
    text = text.strip()
    if text in UNKNOWN_CELLS:
        return None
    if not _NUMBER.fullmatch(text):
        raise ValueError(f'expected a number, found {text!r}')
    return float(text) if '.' in text else int(text)


def count(text: str) -> int | None:
    """A whole count (cycles, resources); negative counts (``-1``) mean unknown and give ``None``."""
    value = number(text)
    if isinstance(value, float):
        raise ValueError(f'expected a whole number, found {text!r}')
    return None if value is None or value < 0 else value


def header_field(text: str, pattern: str) -> str | None:
    """The first group of the first line matching ``pattern`` (multiline regex), stripped, or ``None``."""
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(1).strip() if match else None


def find_line(lines: list[str], pattern: str, what: str, start: int = 0) -> int:
    """Index of the first line at or after ``start`` matching ``pattern``; ``ValueError`` naming ``what`` if none."""
    regex = re.compile(pattern)
    for index in range(start, len(lines)):
        if regex.search(lines[index]):
            return index
    raise ValueError(f'no {what} found')


@dataclass
class Table:
    """An ASCII table: ``header`` rows above the second ``+---+`` rule, ``body`` rows below it (cells stripped)."""

    header: list[list[str]]
    body: list[list[str]]
    end: int

    def row(self, name: str) -> list[str] | None:
        """The body row whose first cell is ``name``."""
        return next((cells for cells in self.body if cells[0] == name), None)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip('|').split('|')]


def table_at(lines: list[str], start: int) -> Table | None:
    """The table whose first rule is the first non-blank line at or after ``start``, or ``None`` if there is none."""
    index = start
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index == len(lines) or not _SEPARATOR.fullmatch(lines[index].strip()):
        return None
    header: list[list[str]] = []
    body: list[list[str]] = []
    rules = 0
    while index < len(lines) and lines[index].strip()[:1] in ('+', '|'):
        stripped = lines[index].strip()
        if _SEPARATOR.fullmatch(stripped):
            rules += 1
        elif stripped.startswith('|'):
            (header if rules < 2 else body).append(_cells(stripped))
        index += 1
    return Table(header, body, index)


def iter_tables(lines: list[str]) -> Iterator[Table]:
    """Every table in ``lines``, top to bottom."""
    index = 0
    while index < len(lines):
        table = table_at(lines, index)
        if table is None:
            index += 1
        else:
            yield table
            index = table.end


def table_after(lines: list[str], pattern: str, what: str, start: int = 0) -> Table:
    """The table right below the first line matching ``pattern``; ``ValueError`` naming ``what`` if missing."""
    index = find_line(lines, pattern, what, start)
    table = table_at(lines, index + 1)
    if table is None or not table.body:
        raise ValueError(f'no table below the {what}')
    return table
