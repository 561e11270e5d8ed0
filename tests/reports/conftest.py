"""Shared fixtures of the report-parser tests.

The real tool reports are copied byte-for-byte from ``<repo>/../shared/reports`` into ``tests/data/reports`` (see
``SOURCES.md`` there), so the tests run from a fresh clone without ``shared/``; ``test_project.py`` checks the copies
against the originals when ``shared/`` is present. ``malformed/`` holds hand-made broken files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / 'tests' / 'data' / 'reports'
SHARED = REPO.parent / 'shared' / 'reports'
MALFORMED = DATA / 'malformed'


@pytest.fixture
def data() -> Path:
    """The copied fixture folder ``tests/data/reports``."""
    return DATA


@pytest.fixture
def fixture_files() -> Callable[[str], set[str]]:
    """``fixture_files(pattern)``: real fixture files (relative to ``data``) matching a glob; malformed excluded."""

    def find(pattern: str) -> set[str]:
        return {str(p.relative_to(DATA)) for p in DATA.rglob(pattern) if p.is_file() and MALFORMED not in p.parents}

    return find


@pytest.fixture
def shared() -> Path:
    """The original fixtures, ``<repo>/../shared/reports`` (absent in a fresh clone)."""
    return SHARED


@pytest.fixture
def malformed() -> Path:
    """The hand-made broken files."""
    return MALFORMED
