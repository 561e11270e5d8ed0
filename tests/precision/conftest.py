"""Session fixture: one compiled C++ program evaluating ``ap_fixed`` casts for every catalogue type."""

from __future__ import annotations

import shutil

import pytest

from .ap_catalog import CATALOGUE, ApProgram, build_program

_COMPILE_KEY = pytest.StashKey[str]()


@pytest.fixture(scope='session')
def ap_program(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> ApProgram:
    if shutil.which('g++') is None:
        pytest.skip('g++ is not available')
    program = build_program(tmp_path_factory.mktemp('ap_eval'))
    request.config.stash[_COMPILE_KEY] = (
        f'ap_fixed evaluator: {len(CATALOGUE)} catalogue entries compiled in {program.compile_seconds:.1f} s'
    )
    return program


@pytest.fixture(scope='session')
def run_cpp(ap_program: ApProgram) -> ApProgram:
    """``run_cpp(ids, xs) -> np.ndarray``: ``ap_fixed<...>(x).to_double()`` per pair, one subprocess per batch."""
    return ap_program


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    line = config.stash.get(_COMPILE_KEY, None)
    if line:
        terminalreporter.write_line(line)
