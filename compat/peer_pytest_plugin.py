"""pytest plugin of the peer suite runner (``peer_suite.py``), loaded with ``-p peer_pytest_plugin``.

It samples the collected cases deterministically, lifts opt-out switches of the peer suite without editing its files
(``--peer-unskip-attr``: a class attribute set to False on every collected test class; ``--peer-lift-module-skips``:
module-level ``pytest.skip`` calls ignored) and writes one JSON line per test phase to the file named by
``PEER_SUITE_RESULTS``, with the exception's type, message and raising frame, so the runner classifies outcomes
without parsing terminal output. Under pytest-xdist the controller writes the lines (worker reports carry the
exception description in ``user_properties``); the first worker writes the case list.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import pytest

RESULTS_ENV = 'PEER_SUITE_RESULTS'
EXC_KEY = 'peer_exception'
MESSAGE_CHARS = 2000
#: Installed packages a raising frame is attributed to (first match wins: hgq_hls4ml lives outside site-packages).
PACKAGES = ('hgq_hls4ml', 'hls4ml', 'hgq', 'alkaid', 'da4ml', 'keras', 'jax', 'numpy')
#: Module node id -> reasons of the module-level skips lifted while collecting it.
LIFTED: dict[str, list[str]] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--peer-*`` options (the runner passes them; usable by hand too)."""
    group = parser.getgroup('peer-suite', 'peer suite runner')
    group.addoption('--peer-every', type=int, default=1, help='keep one case in every K (after -k)')
    group.addoption('--peer-offset', type=int, default=0, help='offset of the sample')
    group.addoption(
        '--peer-order',
        choices=('spread', 'plain'),
        default='spread',
        help='plain: every K-th node id in sorted order; spread: one per block of K sorted ids, rotating position',
    )
    group.addoption('--peer-unskip-attr', action='append', default=[], help='class attribute to set False')
    group.addoption('--peer-lift-module-skips', action='store_true', help='ignore module-level pytest.skip calls')
    group.addoption('--peer-cases', default=None, help='write the selected node ids (JSON) to this file')


def coprime_step(every: int) -> int:
    """The smallest step >= 0.618 * every that is coprime with ``every`` (1 for every <= 2)."""
    step = max(1, round(every * 0.618))
    while math.gcd(step, every) != 1:
        step += 1
    return step


def sample(nodeids: list[str], every: int, offset: int = 0, order: str = 'spread') -> list[str]:
    """Deterministic 1-in-``every`` sample of ``nodeids`` (sorted first).

    ``plain`` keeps indices ``offset, offset + every, ...``; it aliases with parameter grids whose size divides
    ``every`` (HGQ2: 16 io/q_type/overflow/round combinations per class parameter set, so ``--every 16`` would keep
    one combination only). ``spread`` keeps one id per block of ``every`` consecutive ids, at position
    ``(offset + block * step) % every`` with ``step`` coprime with ``every``, so every position is used equally often.
    """
    ids = sorted(nodeids)
    if every <= 1:
        return ids
    if order == 'plain':
        return ids[offset % every :: every]
    step = coprime_step(every)
    picked = []
    for block, start in enumerate(range(0, len(ids), every)):
        index = start + (offset + block * step) % every
        if index < len(ids):
            picked.append(ids[index])
    return picked


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker."""
    return hasattr(config, 'workerinput')


def writes_case_list(config: pytest.Config) -> bool:
    """One process writes the case list: the only one, or xdist's first worker."""
    return not is_worker(config) or config.workerinput.get('workerid') == 'gw0'  # type: ignore[attr-defined]


def unskip_classes(items: list[pytest.Item], attrs: list[str]) -> dict[str, dict[str, Any]]:
    """Set each attribute in ``attrs`` to False on every collected test class; return the values they had.

    All values are read before any is set: a subclass inherits its parent's switch until it gets its own.
    """
    classes = {item.cls for item in items if getattr(item, 'cls', None) is not None}  # type: ignore[attr-defined]
    before = {cls: {attr: getattr(cls, attr) for attr in attrs if hasattr(cls, attr)} for cls in classes}
    for cls, values in before.items():
        for attr in values:
            setattr(cls, attr, False)
    return {f'{cls.__module__}.{cls.__qualname__}': values for cls, values in before.items() if values}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """After -k and the suite's own hooks: keep the sample, lift class opt-outs, write the case list."""
    every, offset = config.getoption('peer_every'), config.getoption('peer_offset')
    keep = set(sample([item.nodeid for item in items], every, offset, config.getoption('peer_order')))
    deselected = [item for item in items if item.nodeid not in keep]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    collected = len(items)
    items[:] = [item for item in items if item.nodeid in keep]
    unskipped = unskip_classes(items, config.getoption('peer_unskip_attr'))
    path = config.getoption('peer_cases')
    if path and writes_case_list(config):
        record = {'collected': collected, 'selected': sorted(keep), 'unskipped': unskipped, 'lifted_skips': LIFTED}
        Path(path).write_text(json.dumps(record, indent=1))


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """With ``--peer-lift-module-skips``, a module's ``pytest.skip(..., allow_module_level=True)`` is a no-op."""
    if not (isinstance(collector, pytest.Module) and collector.config.getoption('peer_lift_module_skips')):
        return (yield)
    original = pytest.skip

    def skip(reason: str = '', *, allow_module_level: bool = False) -> None:
        if not allow_module_level:
            original(reason)
        LIFTED.setdefault(collector.nodeid, []).append(reason)

    skip.Exception = original.Exception  # type: ignore[attr-defined]
    pytest.skip = skip  # type: ignore[assignment]
    try:
        return (yield)
    finally:
        pytest.skip = original


def package_dirs() -> dict[str, Path]:
    """Directory of each package in :data:`PACKAGES` that is imported."""
    dirs = {}
    for name in PACKAGES:
        module = sys.modules.get(name)
        if module is not None and getattr(module, '__file__', None):
            dirs[name] = Path(module.__file__).resolve().parent
    return dirs


def owner(path: Path, dirs: dict[str, Path], root: Path) -> str:
    """Which package (or 'suite' for the peer suite's own files) a source file belongs to."""
    path = path.resolve()
    for name, folder in dirs.items():
        if path.is_relative_to(folder):
            return name
    return 'suite' if path.is_relative_to(root) else 'other'


def statement(entry: Any) -> str:
    """The source statement of a traceback entry ('' without source)."""
    try:
        return str(entry.statement).strip()[:300]
    except Exception:  # no source for this frame
        return ''


def qualname(cls: type) -> str:
    return f'{cls.__module__}.{cls.__qualname__}'


def exception_type(exc: BaseException) -> dict[str, Any]:
    """Qualified type, its MRO (so the runner can test base classes without importing them) and message."""
    mro = [qualname(c) for c in type(exc).__mro__]
    return {'type': mro[0], 'mro': mro, 'message': str(exc)[:MESSAGE_CHARS]}


def describe(excinfo: pytest.ExceptionInfo[BaseException], root: Path) -> dict[str, Any]:
    """Type, message and raising frame of an exception (the innermost frame and the suite's innermost frame)."""
    exc, dirs = excinfo.value, package_dirs()
    entries = list(excinfo.traceback)
    inner = entries[-1] if entries else None
    suite_entries = [e for e in entries if owner(Path(e.path), dirs, root) == 'suite']
    return {
        **exception_type(exc),
        'cause': None if exc.__cause__ is None else exception_type(exc.__cause__),
        'frame': None if inner is None else f'{inner.path}:{inner.lineno + 1} in {inner.name}',
        'owner': None if inner is None else owner(Path(inner.path), dirs, root),
        'statement': '' if inner is None else statement(inner),
        'suite_statement': statement(suite_entries[-1]) if suite_entries else '',
        'functions': [e.name for e in entries],
    }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """Attach the description of a failing phase's exception to its report (travels through xdist)."""
    report = yield
    if report.failed and call.excinfo is not None:
        report.user_properties.append((EXC_KEY, describe(call.excinfo, item.config.rootpath)))
    return report


def first_compiler_error(text: str) -> str | None:
    """The first ``error:`` line of captured g++ output (hls4ml prints it when ``build_lib.sh`` fails)."""
    for line in text.splitlines():
        if ' error: ' in line or line.startswith('error: '):
            return line.strip()[:300]
    return None


class Recorder:
    """Appends one JSON line per test start, per test phase and per failed or skipped collection to ``path``."""

    def __init__(self, path: str):
        self.path = path

    def write(self, record: dict[str, Any]) -> None:
        with open(self.path, 'a') as f:
            f.write(json.dumps(record) + '\n')

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        self.write({'nodeid': nodeid, 'when': 'start', 'outcome': 'started', 'duration': 0.0})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        record = {'nodeid': report.nodeid, 'when': report.when, 'outcome': report.outcome}
        record['duration'] = round(report.duration, 3)
        record['exception'] = props.get(EXC_KEY)
        if report.skipped and isinstance(report.longrepr, tuple):
            record['skip_reason'] = report.longrepr[2]
        if hasattr(report, 'wasxfail'):  # pytest.xfail() or an xfail mark: counted as a skip
            record['skip_reason'] = f'xfail: {report.wasxfail}'
        if report.failed and record['exception'] is None:
            record['longrepr_tail'] = report.longreprtext.strip().splitlines()[-1:]  # e.g. xdist worker crash
        if report.failed:
            record['compiler_error'] = first_compiler_error(report.capstdout + report.capstderr)
        self.write(record)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.passed:
            return
        record = {'nodeid': report.nodeid, 'when': 'collect', 'outcome': report.outcome, 'duration': 0.0}
        if report.skipped and isinstance(report.longrepr, tuple):
            record['skip_reason'] = report.longrepr[2]
        if report.failed:
            record['longrepr_tail'] = [ln for ln in report.longreprtext.splitlines() if ln.startswith('E ')][-3:]
        self.write(record)


def pytest_configure(config: pytest.Config) -> None:
    """Record outcomes if ``PEER_SUITE_RESULTS`` names a file (in the controller only, under xdist)."""
    path = os.environ.get(RESULTS_ENV)
    if path and not is_worker(config):
        config.pluginmanager.register(Recorder(path), 'peer-suite-recorder')
