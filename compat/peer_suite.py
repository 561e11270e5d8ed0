"""Run other projects' test suites against hgq_hls4ml and against upstream hls4ml, and report regressions.

Usage (from the repository root, with the venv's python; KERAS_BACKEND defaults to jax)::

    python compat/peer_suite.py hgq2 --repo PATH/TO/HGQ2 --every 16 --json hgq2.json
    python compat/peer_suite.py hls4ml --repo PATH/TO/hls4ml --commit v1.3.0

``--repo`` is a work tree (its files as they are, or ``--commit``'s) or a bare mirror (``--commit``, default the
tag of the installed release, else HEAD); a test file missing at that commit is taken from the newest commit of
HEAD that has it, and the header says so. The checkout's package sources are compared with the installed package
(warning if some differ, refusal if most do). The suite's files are copied into a scratch folder per mode, so no run
writes into the checkout. The selection runs twice, in separate pytest processes with the same case list and seeds:
``plugin`` (hgq_hls4ml active) and ``upstream`` (``HGQ_HLS4ML_DISABLE=1``). ``peer_pytest_plugin.py`` samples
the cases (``--every``: one in K, ``--order spread`` by default so parameter grids do not alias), switches the
suite's opt-outs off and records every phase as JSON lines; each case is then classified: pass, skip (xfail too),
mismatch (the suite's firmware-vs-Keras assertion), refused (plugin: our typed refusal; upstream: a ``raise`` or
``assert`` in hls4ml's own code during conversion) or error. A pytest process that dies, or shows no progress for
``--case-timeout`` s, is stopped; its case counts as an error and the rest are rerun. ``--report-only`` prints a
finished ``--workdir``'s report again.

Exit code 1 if a case passes upstream but not with the plugin, or mismatches with the plugin; 2 if the suite could
not be run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hgq_hls4ml.process import start_new_session, stop_group, terminate_as_interrupt

HERE = Path(__file__).resolve().parent
PLUGIN_MODULE = 'peer_pytest_plugin'
RESULTS_ENV = 'PEER_SUITE_RESULTS'
DISABLE_ENV = 'HGQ_HLS4ML_DISABLE'
MODES = ('plugin', 'upstream')
KINDS = ('pass', 'mismatch', 'refused', 'error', 'skip')
#: Our exceptions that mean "this layer or option is not supported" (hgq_hls4ml/errors.py).
REFUSALS = frozenset(
    f'hgq_hls4ml.errors.{name}' for name in ('UnsupportedLayerError', 'ModelInputError', 'ConfigError')
)
DISTRIBUTIONS = ('hgq2', 'hls4ml', 'hgq-hls4ml', 'keras', 'jax', 'numpy', 'alkaid', 'da4ml', 'pytest', 'pytest-xdist')
MAX_RESTARTS = 20
#: pytest processes under way (each leads its own process group), stopped if the runner is interrupted.
RUNNING: set[subprocess.Popen] = set()
STOPPING = threading.Event()
HEAD_CHARS = 220


@dataclass(frozen=True)
class Suite:
    """Where a peer project's tests are and how to run and judge them."""

    name: str
    distribution: str  # installed distribution whose release the checkout should match
    package: str  # its import name
    package_src: str  # the package's source folder in the repository
    test_paths: tuple[str, ...]  # what pytest runs
    support_paths: tuple[str, ...]  # also copied (conftest, config)
    config_file: str | None  # pytest config inside the checkout (None: an empty one of ours)
    select: str  # -k expression
    mismatch_patterns: tuple[str, ...]  # AssertionError message or suite statement: firmware != Keras
    unskip_attrs: tuple[str, ...] = ()
    pytest_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


SUITES = {
    'hgq2': Suite(
        name='hgq2',
        distribution='hgq2',
        package='hgq',
        package_src='src/hgq',
        test_paths=('tests',),
        support_paths=('pyproject.toml',),
        config_file='pyproject.toml',
        select='test_hls4ml_conversion',
        mismatch_patterns=(r'Non-trivial keras - hw mismatch', r'Mismatch between keras and HW outputs'),
        unskip_attrs=('hls4ml_not_supported',),
        pytest_args=('--import-mode=importlib',),  # HGQ2's addopts minus coverage; tests use relative imports
        env={'JAX_PLATFORMS': 'cpu', 'MKL_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '1'},  # HGQ2's pytest-env
    ),
    'hls4ml': Suite(
        name='hls4ml',
        distribution='hls4ml',
        package='hls4ml',
        package_src='hls4ml',
        test_paths=tuple(
            f'test/pytest/{name}.py' for name in ('test_qeinsum', 'test_hgq2_mha', 'test_bit_exact_zeropadding')
        ),
        support_paths=('test/pytest/conftest.py',),
        config_file=None,
        select='not oneAPI and not Catapult and not Quartus',  # need Intel/Siemens tools; Vivado/Vitis need g++
        mismatch_patterns=(r'Arrays are not equal', r'Found \d+ mismatches', r'r_hls\.ravel\(\) == r_keras'),
        env={'JAX_PLATFORMS': 'cpu'},
    ),
}


# --- checkout ------------------------------------------------------------------------------------------------------


@dataclass
class Checkout:
    """A repository and which of its states the tests come from (``commit`` None: the work tree's files)."""

    repo: Path
    git_dir: Path | None
    commit: str | None
    label: str  # what to print: commit, describe, date and subject, or 'work tree ...'
    overrides: dict[str, str] = field(default_factory=dict)  # path -> commit, for paths missing at ``commit``


class RunnerError(Exception):
    """The suite cannot be run as asked (bad checkout, wrong release, inactive plugin, pytest did not start)."""


def git(git_dir: Path, *args: str, binary: bool = False) -> Any:
    """Output of a git command (text unless ``binary``); :class:`RunnerError` on failure."""
    out = subprocess.run(['git', '--git-dir', str(git_dir), *args], capture_output=True)
    if out.returncode != 0:
        raise RunnerError(f'git {" ".join(args)}: {out.stderr.decode().strip()}')
    return out.stdout if binary else out.stdout.decode().strip()


def git_ok(git_dir: Path, *args: str) -> bool:
    """Whether a git command succeeds (``rev-parse --verify``, ``cat-file -e``)."""
    return subprocess.run(['git', '--git-dir', str(git_dir), *args], capture_output=True).returncode == 0


def find_git_dir(repo: Path) -> tuple[Path | None, bool]:
    """The git directory of ``repo`` (None if it is not a repository) and whether it is bare."""
    out = subprocess.run(
        ['git', '-C', str(repo), 'rev-parse', '--absolute-git-dir', '--is-bare-repository'],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        return None, False
    git_dir, bare = out.stdout.split()
    return Path(git_dir), bare == 'true'


def release_ref(git_dir: Path, version: str | None) -> str:
    """The tag of an installed release (``v1.3.0`` or ``1.3.0``) if the repository has it, else HEAD."""
    tags = (f'v{version}', version) if version else ()
    return next((tag for tag in tags if git_ok(git_dir, 'rev-parse', '-q', '--verify', f'refs/tags/{tag}')), 'HEAD')


def describe_commit(git_dir: Path, commit: str) -> str:
    """``sha (describe, date subject)`` of a commit."""
    describe = git(git_dir, 'describe', '--tags', '--always', commit)
    return f'{commit[:10]} ({describe}, {git(git_dir, "show", "-s", "--format=%cs %s", commit)[:90]})'


def open_checkout(repo: Path, commit: str | None, version: str | None) -> Checkout:
    """Resolve ``repo`` and ``commit`` (bare mirror without a commit: the installed release's tag, else HEAD)."""
    git_dir, bare = find_git_dir(repo)
    if git_dir is None:
        if commit:
            raise RunnerError(f'{repo} is not a git repository; --commit needs one')
        return Checkout(repo, None, None, f'work tree {repo} (not a git repository)')
    if commit is None and not bare:
        head = git(git_dir, 'rev-parse', 'HEAD')
        dirty = subprocess.run(['git', '-C', str(repo), 'status', '--porcelain'], capture_output=True, text=True).stdout
        changes = f', {len(dirty.splitlines())} uncommitted changes' if dirty.strip() else ''
        return Checkout(repo, git_dir, None, f'work tree {repo} at {describe_commit(git_dir, head)}{changes}')
    ref = commit or release_ref(git_dir, version)
    sha = git(git_dir, 'rev-parse', f'{ref}^{{commit}}')
    return Checkout(repo, git_dir, sha, describe_commit(git_dir, sha))


def exists_in(checkout: Checkout, path: str) -> bool:
    """Whether ``path`` is in the checkout (its work tree, or its commit)."""
    if checkout.commit is None:
        return (checkout.repo / path).exists()
    return git_ok(checkout.git_dir, 'cat-file', '-e', f'{checkout.commit}:{path}')


def resolve_missing(checkout: Checkout, paths: Iterable[str], strict: bool) -> list[str]:
    """Take each path missing at the checkout's commit from the newest commit of HEAD that has it; return notes."""
    notes = []
    for path in paths:
        if exists_in(checkout, path):
            continue
        if checkout.git_dir is None or strict:
            raise RunnerError(f'{path} is not in {checkout.label}')
        newest = git(checkout.git_dir, 'log', '-1', '--format=%H', 'HEAD', '--', path)
        if not newest:
            raise RunnerError(f'{path} is not in {checkout.label} nor in the history of HEAD')
        checkout.overrides[path] = newest
        notes.append(
            f'{path}: not in {checkout.label.split()[0]}; taken from {describe_commit(checkout.git_dir, newest)}'
        )
    return notes


def archive(git_dir: Path, commit: str, paths: list[str]) -> tarfile.TarFile:
    """``git archive`` of ``paths`` at ``commit``, in memory."""
    return tarfile.open(fileobj=io.BytesIO(git(git_dir, 'archive', '--format=tar', commit, *paths, binary=True)))


def materialize(checkout: Checkout, paths: Iterable[str], dest: Path) -> None:
    """Copy ``paths`` (files or folders) of the checkout into ``dest``."""
    by_commit: dict[str | None, list[str]] = defaultdict(list)
    for path in paths:
        by_commit[checkout.overrides.get(path, checkout.commit)].append(path)
    for commit, group in by_commit.items():
        if commit is None:
            for path in group:
                src, dst = checkout.repo / path, dest / path
                dst.parent.mkdir(parents=True, exist_ok=True)
                if src.is_dir():
                    shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__'))
                else:
                    shutil.copy2(src, dst)
        else:
            with archive(checkout.git_dir, commit, group) as tar:
                tar.extractall(dest, filter='data')


def source_files(checkout: Checkout, prefix: str) -> dict[str, bytes]:
    """``.py`` files under ``prefix`` in the checkout, by path relative to ``prefix``."""
    if checkout.commit is None:
        root = checkout.repo / prefix
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob('*.py') if '__pycache__' not in p.parts}
    with archive(checkout.git_dir, checkout.commit, [prefix]) as tar:
        return {
            m.name[len(prefix) + 1 :]: tar.extractfile(m).read()
            for m in tar.getmembers()
            if m.isfile() and m.name.endswith('.py')
        }


def installed_files(folder: Path) -> dict[str, bytes]:
    """``.py`` files of an installed package, by path relative to its folder."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob('*.py') if '__pycache__' not in p.parts}


@dataclass
class SourceCheck:
    """How the checkout's package sources compare with the installed package."""

    total: int
    differ: list[str]
    repo_only: list[str]
    installed_only: list[str]

    @property
    def n_bad(self) -> int:
        return len(self.differ) + len(self.repo_only) + len(self.installed_only)

    def summary(self) -> str:
        def names(files: list[str]) -> str:
            return ', '.join(files[:8]) + (f' (+{len(files) - 8} more)' if len(files) > 8 else '') if files else '-'

        return (
            f'{self.total - self.n_bad}/{self.total} files identical; differ: {names(self.differ)}; '
            f'only in checkout: {names(self.repo_only)}; only installed: {names(self.installed_only)}'
        )


def compare_sources(checkout: Checkout, prefix: str, installed: Path) -> SourceCheck:
    """Compare the checkout's ``prefix/**.py`` with the installed package (generated ``_version.py`` ignored)."""
    ours, theirs = source_files(checkout, prefix), installed_files(installed)
    names = (set(ours) | set(theirs)) - {'_version.py'}
    return SourceCheck(
        total=len(names),
        differ=sorted(n for n in names if n in ours and n in theirs and ours[n] != theirs[n]),
        repo_only=sorted(n for n in names if n not in theirs),
        installed_only=sorted(n for n in names if n not in ours),
    )


# --- environment ---------------------------------------------------------------------------------------------------

PROBE = """
import importlib.util, json
from importlib.metadata import PackageNotFoundError, version
def v(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None
out = {'versions': {n: v(n) for n in DISTS}, 'dirs': {}}
for pkg in PKGS:
    spec = importlib.util.find_spec(pkg)
    out['dirs'][pkg] = spec.submodule_search_locations[0] if spec else None
try:
    import hls4ml  # loads the backend plugins
    import hgq_hls4ml
    status = hgq_hls4ml.plugin_status()
    out['plugin'] = {'active': bool(status.active), 'reason': str(status.reason)}
except Exception as exc:
    out['plugin'] = {'active': False, 'reason': f'{type(exc).__name__}: {exc}'}
print(json.dumps(out))
"""


def mode_env(mode: str, suite: Suite, results: Path, scratch: Path) -> dict[str, str]:
    """Environment of one mode's pytest process."""
    env = dict(os.environ)
    env.setdefault('KERAS_BACKEND', 'jax')
    env.update(suite.env)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (str(HERE), env.get('PYTHONPATH', '')) if p)
    env[RESULTS_ENV] = str(results)
    env['HGQ2_TEST_DIR'] = str(scratch / 'hgq2_test')  # HGQ2's temp_directory fixture
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    if mode == 'upstream':
        env[DISABLE_ENV] = '1'
    else:
        env.pop(DISABLE_ENV, None)
    return env


def probe(python: str, env: dict[str, str], packages: Iterable[str]) -> dict[str, Any]:
    """Installed versions, package folders and plugin state as seen by ``python`` in ``env``."""
    code = f'DISTS = {DISTRIBUTIONS!r}\nPKGS = {tuple(packages)!r}\n' + PROBE
    out = subprocess.run([python, '-c', code], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RunnerError(f'probing the environment failed:\n{out.stderr[-2000:]}')
    return json.loads(out.stdout.strip().splitlines()[-1])


def main_repo_state() -> str:
    """Commit (and uncommitted changes) of the hgq_hls4ml checkout this runner belongs to."""
    repo = HERE.parent
    head = subprocess.run(
        ['git', '-C', str(repo), 'log', '-1', '--format=%h %s'], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ['git', '-C', str(repo), 'status', '--porcelain', '--', 'hgq_hls4ml'], capture_output=True, text=True
    )
    n = len(dirty.stdout.splitlines())
    return f'{head[:100]}' + (f' (+{n} uncommitted changes under hgq_hls4ml/)' if n else '')


# --- running -------------------------------------------------------------------------------------------------------


@dataclass
class RunOptions:
    """The command-line options that shape each pytest run (same names as the parsed arguments)."""

    every: int
    offset: int
    order: str
    workers: int
    select: str | None
    lift_module_skips: bool
    python: str
    pytest_arg: list[str]
    case_timeout: float


def pytest_command(
    suite: Suite, opts: RunOptions, root: Path, cases_file: Path, nodeids: list[str] | None
) -> list[str]:
    """The pytest command line of one run (``nodeids``: rerun exactly these, unsampled)."""
    config = root / (suite.config_file or 'pytest.ini')
    select = suite.select if not opts.select else f'({suite.select}) and ({opts.select})'
    cmd = [opts.python, '-m', 'pytest', *(nodeids or suite.test_paths), '-c', str(config), '--rootdir', str(root)]
    cmd += ['-o', 'addopts=', '-p', 'no:cacheprovider', '-p', PLUGIN_MODULE, '-k', select, '-q', '--tb=short']
    cmd += ['--peer-every', str(1 if nodeids else opts.every), '--peer-offset', str(opts.offset)]
    cmd += ['--peer-order', opts.order, '--peer-cases', str(cases_file), *suite.pytest_args, *opts.pytest_arg]
    cmd += [f'--peer-unskip-attr={attr}' for attr in suite.unskip_attrs]
    cmd += ['--peer-lift-module-skips'] if opts.lift_module_skips else []
    cmd += ['-n', str(opts.workers)] if opts.workers > 1 else ['-p', 'no:xdist']
    return cmd


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file (none if it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def finished(records: list[dict[str, Any]]) -> set[str]:
    """Node ids that reached teardown (or are module collection reports)."""
    return {r['nodeid'] for r in records if r['when'] in ('teardown', 'collect')}


def mark_crash(results: Path, records: list[dict[str, Any]], done: set[str], message: str) -> str | None:
    """Record the case a dead or stalled pytest process was running (started, no teardown); return its node id."""
    started = [r['nodeid'] for r in records if r['when'] == 'start' and r['nodeid'] not in done]
    if not started:
        return None
    crash = {'type': 'peer_suite.ProcessDied', 'mro': [], 'message': message}
    with open(results, 'a') as f:
        for when in ('call', 'teardown'):
            record = {'nodeid': started[-1], 'when': when, 'outcome': 'failed', 'duration': 0.0, 'exception': crash}
            f.write(json.dumps(record) + '\n')
    return started[-1]


def run_pytest(cmd: list[str], root: Path, env: dict[str, str], log: Path, results: Path, stall: float) -> str | None:
    """Run one pytest process (own process group); kill it after ``stall`` s without a new result line.

    Returns None if pytest ended by itself with exit code 0 or 1, else what happened to it.
    """
    with open(log, 'a') as f:
        f.write(f'$ {" ".join(cmd)}\n')
        f.flush()
        proc = start_new_session(cmd, cwd=root, env=env, stdout=f, stderr=subprocess.STDOUT)
        RUNNING.add(proc)
        try:
            if not wait_progress(proc, results, stall):
                stop(proc)
                return f'killed after {stall:.0f} s without progress (--case-timeout)'
        finally:
            RUNNING.discard(proc)
    return None if proc.returncode in (0, 1) else f'pytest process died (exit code {proc.returncode}) in this case'


def wait_progress(proc: subprocess.Popen, results: Path, stall: float) -> bool:
    """Wait for ``proc``; False as soon as ``results`` has not grown for ``stall`` s (0: wait forever)."""
    last = time.time()
    while proc.poll() is None:
        time.sleep(2)
        if results.exists():
            last = max(last, results.stat().st_mtime)
        if stall and time.time() - last > stall:
            return False
    return True


def stop(proc: subprocess.Popen) -> None:
    """End the process group we started for ``proc`` (SIGKILL if it is still there after 20 s)."""
    if proc.poll() is None:
        stop_group(proc, grace=20.0)


@dataclass
class ModeRun:
    """One mode's pytest process(es): where its files are and how it went."""

    mode: str
    root: Path
    results: Path
    cases: dict[str, Any]
    log: Path
    seconds: float = 0.0
    processes: int = 0
    crashed: list[str] = field(default_factory=list)


def run_mode(mode: str, suite: Suite, checkout: Checkout, opts: RunOptions, scratch: Path) -> ModeRun:
    """Run the sampled selection in one mode; after a process death, rerun the cases it did not reach."""
    base = scratch / mode
    shutil.rmtree(base, ignore_errors=True)  # a reused --workdir must not mix runs
    root, results, log = base / 'src', base / 'results.jsonl', base / 'pytest.log'
    root.mkdir(parents=True)
    (base / 'hgq2_test').mkdir(exist_ok=True)
    materialize(checkout, suite.test_paths + suite.support_paths, root)
    if suite.config_file is None:
        (root / 'pytest.ini').write_text('[pytest]\n')
    env = mode_env(mode, suite, results, base)
    run = ModeRun(mode, root, results, {}, log)
    start, nodeids = time.monotonic(), None
    for attempt in range(MAX_RESTARTS + 1):
        if STOPPING.is_set():
            raise KeyboardInterrupt
        cases_file = base / f'cases{attempt}.json'
        cmd = pytest_command(suite, opts, root, cases_file, nodeids)
        death = run_pytest(cmd, root, env, log, results, opts.case_timeout)
        run.processes += 1
        if attempt == 0:
            if not cases_file.exists():
                raise RunnerError(
                    f'[{mode}] pytest wrote no case list ({death or "no tests?"}); see {log}:\n{tail(log)}'
                )
            run.cases = json.loads(cases_file.read_text())
        records = read_jsonl(results)
        done = finished(records)
        crashed = mark_crash(results, records, done, death) if death else None
        if crashed:
            run.crashed.append(f'{crashed}: {death}')
            done.add(crashed)
        nodeids = [n for n in run.cases['selected'] if n not in done]
        if not nodeids or not crashed:
            break
    run.seconds = time.monotonic() - start
    summary = {'seconds': run.seconds, 'processes': run.processes, 'crashed': run.crashed}
    (base / 'run.json').write_text(json.dumps(summary))
    return run


def load_mode_run(mode: str, scratch: Path) -> ModeRun:
    """A finished mode's run from its scratch folder (``--report-only``)."""
    base = scratch / mode
    if not (base / 'cases0.json').exists():
        raise RunnerError(f'{base} holds no run of mode {mode}')
    run = ModeRun(
        mode, base / 'src', base / 'results.jsonl', json.loads((base / 'cases0.json').read_text()), base / 'pytest.log'
    )
    if (base / 'run.json').exists():
        vars(run).update(json.loads((base / 'run.json').read_text()))
    return run


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log."""
    return '\n'.join(path.read_text(errors='replace').splitlines()[-lines:])


# --- classification ------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """How one case ended in one mode."""

    kind: str  # one of KINDS
    head: str = ''  # exception type and message head, or skip reason
    when: str = ''
    seconds: float = 0.0
    detail: dict[str, Any] | None = None


def message_head(message: str) -> str:
    """The first two non-empty lines of a message, whitespace collapsed, shortened."""
    lines = [' '.join(line.split()) for line in message.splitlines() if line.strip()]
    head = ' | '.join(lines[:2])
    return head if len(head) <= HEAD_CHARS else head[: HEAD_CHARS - 3] + '...'


def is_mismatch(exc: dict[str, Any], suite: Suite) -> bool:
    """An AssertionError whose message, or the suite statement that raised it, is the suite's firmware check."""
    text = f'{exc["message"]}\n{exc.get("suite_statement", "")}'
    return 'builtins.AssertionError' in exc['mro'] and any(re.search(p, text) for p in suite.mismatch_patterns)


def is_refusal(exc: dict[str, Any], mode: str) -> bool:
    """Plugin: one of our typed refusals (or caused by one). Upstream: a raise/assert of hls4ml during conversion."""
    if mode == 'plugin':
        mro = set(exc['mro']) | set((exc.get('cause') or {}).get('mro', []))
        return bool(mro & REFUSALS)
    return (
        exc.get('owner') == 'hls4ml'
        and 'convert_from_keras_model' in exc.get('functions', [])
        and exc.get('statement', '').startswith(('raise', 'assert'))
    )


def classify_failure(record: dict[str, Any], suite: Suite, mode: str) -> Outcome:
    """Mismatch, refused or error, with the exception's type and message head (and g++'s first error)."""
    exc = record.get('exception')
    phase = f'[{record["when"]}] ' if record['when'] in ('setup', 'teardown') else ''
    if exc is None:
        return Outcome(
            'error', phase + message_head('\n'.join(record.get('longrepr_tail') or ['(no exception)'])), record['when']
        )
    short = exc['type'].rsplit('.', 1)[-1]
    head = f'{phase}{short}: {message_head(exc["message"])}'
    if record.get('compiler_error'):
        head += f' | g++: {record["compiler_error"][:150]}'
    kind = 'mismatch' if is_mismatch(exc, suite) else 'refused' if is_refusal(exc, mode) else 'error'
    return Outcome(kind, head, record['when'], detail=exc)


def case_outcome(records: list[dict[str, Any]], suite: Suite, mode: str) -> Outcome:
    """One case's outcome from its phase records (setup, call, teardown; or a collection record)."""
    seconds = round(sum(r.get('duration', 0.0) for r in records), 2)
    failed = [r for r in records if r['outcome'] == 'failed']
    if failed:
        outcome = classify_failure(failed[0], suite, mode)
    elif any(r['outcome'] == 'skipped' for r in records):
        reason = next(r.get('skip_reason', '') for r in records if r['outcome'] == 'skipped')
        outcome = Outcome('skip', message_head(reason))
    elif any(r['when'] == 'call' for r in records):
        outcome = Outcome('pass')
    elif records:
        outcome = Outcome('error', 'no call report (process died?)')
    else:
        outcome = Outcome('error', 'not run (pytest process ended early)')
    outcome.seconds = seconds
    return outcome


def mode_outcomes(run: ModeRun, suite: Suite) -> dict[str, Outcome]:
    """Outcome of every selected case (and of every skipped or failed module collection)."""
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in read_jsonl(run.results):
        by_case[record['nodeid']].append(record)
    names = set(run.cases.get('selected', [])) | {n for n, rs in by_case.items() if rs[0]['when'] == 'collect'}
    return {name: case_outcome(by_case.get(name, []), suite, run.mode) for name in sorted(names)}


def group_of(nodeid: str) -> str:
    """Test class (``file::Class``) or, for plain test functions, ``file::function``; file without folders."""
    parts = nodeid.split('[', 1)[0].split('::')
    parts[0] = parts[0].rsplit('/', 1)[-1]
    return '::'.join(parts[:2])


# --- report --------------------------------------------------------------------------------------------------------


@dataclass
class Comparison:
    """Both modes' outcomes side by side, and what differs."""

    cases: list[str]
    outcomes: dict[str, dict[str, Outcome]]  # mode -> nodeid -> outcome
    ran: list[str]  # the modes that ran
    regressions: list[str]
    improvements: list[str]
    mismatches: dict[str, list[str]]  # mode -> nodeids


def compare(outcomes: dict[str, dict[str, Outcome]]) -> Comparison:
    """Regressions (pass upstream, not with the plugin), improvements (only if both modes ran), mismatches per mode."""
    cases = sorted(set().union(*(o.keys() for o in outcomes.values())))
    ran = [m for m in MODES if outcomes.get(m)]
    for mode in MODES:
        missing = Outcome('error', "not in this mode's case list" if mode in ran else 'mode not run')
        for case in cases:
            outcomes.setdefault(mode, {}).setdefault(case, missing)
    plugin, upstream = outcomes['plugin'], outcomes['upstream']
    both = len(ran) == len(MODES)
    return Comparison(
        cases=cases,
        outcomes=outcomes,
        ran=ran,
        regressions=[c for c in cases if both and upstream[c].kind == 'pass' and plugin[c].kind != 'pass'],
        improvements=[c for c in cases if both and plugin[c].kind == 'pass' and upstream[c].kind != 'pass'],
        mismatches={m: [c for c in cases if outcomes[m][c].kind == 'mismatch'] for m in MODES},
    )


def class_table(comp: Comparison, flagged: set[str]) -> list[str]:
    """One row per test group: counts per kind in each mode, and the regressions."""
    groups: dict[str, list[str]] = defaultdict(list)
    for case in comp.cases:
        groups[group_of(case)].append(case)
    width = max([len(g) + 1 for g in groups] + [24])
    cols = ' '.join(f'{k[:4]:>4}' for k in KINDS)
    lines = [
        f'{"":{width}} {"":>4} | {"plugin":^24} | {"upstream":^24} |',
        f'{"test group":{width}} {"n":>4} | {cols} | {cols} | regr',
    ]
    totals = {m: Counter() for m in MODES}
    regressions = set(comp.regressions)
    for group in sorted(groups):
        cells = []
        for mode in MODES:
            counts = Counter(comp.outcomes[mode][c].kind for c in groups[group])
            totals[mode].update(counts)
            cells.append(' '.join(f'{counts[k] if mode in comp.ran else "-":>4}' for k in KINDS))
        n_regr = sum(c in regressions for c in groups[group])
        name = group + ('*' if group in flagged else '')
        lines.append(f'{name:{width}} {len(groups[group]):>4} | {cells[0]} | {cells[1]} | {n_regr:>4}')
    total_cells = [' '.join(f'{totals[m][k] if m in comp.ran else "-":>4}' for k in KINDS) for m in MODES]
    lines.append(
        f'{"TOTAL":{width}} {len(comp.cases):>4} | {total_cells[0]} | {total_cells[1]} | {len(regressions):>4}'
    )
    return lines


def case_list(title: str, cases: list[str], outcomes: dict[str, dict[str, Outcome]], modes: Iterable[str]) -> list[str]:
    """A titled list of cases, each with its outcome in ``modes``."""
    lines = [f'{title}: {len(cases)}']
    for case in cases:
        lines.append(f'  {case}')
        for mode in modes:
            o = outcomes[mode][case]
            lines.append(f'      {mode:8} {o.kind}: {o.head}' if o.head else f'      {mode:8} {o.kind}')
    return lines


def blur(head: str) -> str:
    """A failure head with numbers and layer names replaced by ``#``, so alike failures count together."""
    head = re.sub(r'- [\w.-]+ \(', '- # (', head)  # UnsupportedLayerError: '- layer_name (Class): reason'
    return re.sub(r'(?<![A-Za-z])\d+', '#', head)[:200]


def failure_heads(comp: Comparison) -> list[str]:
    """Distinct failure heads per mode and kind, most frequent first."""
    lines = ['Failure heads (count, mode, kind: message with numbers and layer names replaced by #):']
    counts: Counter[tuple[str, str, str]] = Counter()
    for mode in comp.ran:
        for o in comp.outcomes[mode].values():
            if o.kind in ('mismatch', 'refused', 'error'):
                counts[(mode, o.kind, blur(o.head))] += 1
    for (mode, kind, head), n in sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1:])):
        lines.append(f'  {n:4} {mode:8} {kind:8} {head}')
    return lines


def flagged_groups(runs: dict[str, ModeRun]) -> set[str]:
    """Groups whose class had an opt-out switched off (e.g. HGQ2's ``hls4ml_not_supported = True``)."""
    flagged = set()
    for run in runs.values():
        for qualname, attrs in run.cases.get('unskipped', {}).items():
            if any(attrs.values()):
                flagged.add(qualname.rsplit('.', 1)[-1])
    return {
        g for run in runs.values() for g in map(group_of, run.cases.get('selected', [])) if g.split('::')[-1] in flagged
    }


def report(suite: Suite, comp: Comparison, runs: dict[str, ModeRun], header: list[str]) -> list[str]:
    """The printed report: header, table per test group, regressions, mismatches, failure heads."""
    flagged = flagged_groups(runs)
    lines = [*header, '']
    lines += class_table(comp, flagged)
    if flagged:
        lines.append(f'* opt-out switched off for this run ({", ".join(suite.unskip_attrs)} was True)')
    lines.append('')
    lines += case_list('REGRESSIONS (pass upstream, not with the plugin)', comp.regressions, comp.outcomes, MODES)
    for mode in MODES:
        lines += case_list(f'MISMATCHES with {mode}', comp.mismatches[mode], comp.outcomes, (mode,))
    lines.append(f'IMPROVEMENTS (pass with the plugin, not upstream): {len(comp.improvements)}')
    lines += ['', *failure_heads(comp)]
    return lines


def to_json(suite: Suite, comp: Comparison, runs: dict[str, ModeRun], meta: dict[str, Any]) -> dict[str, Any]:
    """Everything the report says, per case and exception detail, for ``--json``."""
    return {
        **meta,
        'suite': asdict(suite),
        'runs': {
            m: {
                'seconds': round(r.seconds, 1),
                'processes': r.processes,
                'crashed': r.crashed,
                'log': str(r.log),
                'collected': r.cases.get('collected'),
                'unskipped': r.cases.get('unskipped'),
                'lifted_skips': r.cases.get('lifted_skips'),
            }
            for m, r in runs.items()
        },
        'cases': [
            {'nodeid': c, 'group': group_of(c), **{m: asdict(comp.outcomes[m][c]) for m in MODES}} for c in comp.cases
        ],
        'regressions': comp.regressions,
        'improvements': comp.improvements,
        'mismatches': comp.mismatches,
    }


# --- main ----------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('suite', choices=sorted(SUITES))
    p.add_argument('--repo', type=Path, required=True, help='work tree or (bare) git mirror of the suite')
    p.add_argument(
        '--commit', help='commit or tag (default: work tree files; bare mirror: installed release tag or HEAD)'
    )
    p.add_argument('--every', type=int, default=1, help='run one case in every K (default: all)')
    p.add_argument('--offset', type=int, default=0, help='offset of the sample')
    p.add_argument(
        '--order', choices=('spread', 'plain'), default='spread', help='sampling (see peer_pytest_plugin.sample)'
    )
    p.add_argument('-n', '--workers', type=int, default=1, help='pytest-xdist workers per mode (1: no xdist)')
    p.add_argument('-k', dest='select', help="extra -k expression, and-ed with the suite's own")
    p.add_argument('--modes', default=','.join(MODES), help='comma-separated subset of plugin,upstream')
    p.add_argument('--concurrent', action='store_true', help='run both modes at the same time')
    p.add_argument('--lift-module-skips', action='store_true', help='ignore module-level pytest.skip in the suite')
    p.add_argument('--strict-commit', action='store_true', help='fail if a test file is missing at --commit')
    p.add_argument('--force', action='store_true', help='run even if most package sources differ from the install')
    p.add_argument('--json', type=Path, help='write every outcome and the run metadata here')
    p.add_argument('--workdir', type=Path, help='scratch folder (kept); default: a temporary one, removed at the end')
    p.add_argument('--keep', action='store_true', help='keep the temporary scratch folder')
    p.add_argument('--python', default=sys.executable, help='interpreter with pytest, hls4ml, hgq2 and the plugin')
    p.add_argument(
        '--case-timeout', type=float, default=1800, help='kill pytest after this many s without a result (0: never)'
    )
    p.add_argument('--report-only', action='store_true', help='print the report of the runs in --workdir again')
    p.add_argument('--pytest-arg', action='append', default=[], help='extra pytest argument (repeatable)')
    return p.parse_args(argv)


def check_sources(
    suite: Suite, checkout: Checkout, installed: str | None, force: bool
) -> tuple[SourceCheck | None, str]:
    """Compare the checkout with the installed package; exit if most files differ (unless ``force``)."""
    if installed is None:
        raise RunnerError(f'{suite.package} is not installed for this interpreter')
    if not exists_in(checkout, suite.package_src):
        return None, f'WARNING: {suite.package_src} not in the checkout; cannot check it matches the installed release'
    check = compare_sources(checkout, suite.package_src, Path(installed))
    line = f'sources {suite.package_src} vs installed {installed}: {check.summary()}'
    if check.n_bad * 2 > check.total and not force:
        raise RunnerError(f'REFUSED: {line}\nmost files differ: this checkout is not the installed release (--force)')
    return check, ('WARNING: ' if check.n_bad else '') + line


@dataclass
class Plan:
    """Everything decided before the suite runs: what, from where, against which installation."""

    suite: Suite
    checkout: Checkout | None  # None: --report-only
    modes: list[str]
    opts: RunOptions | None
    scratch: Path
    header: list[str]
    meta: dict[str, Any]


def selection_line(suite: Suite, args: argparse.Namespace, scratch: Path) -> str:
    """The header line saying which cases run, how."""
    select = f'{suite.select!r}' + (f' and {args.select!r}' if args.select else '')
    return (
        f'selection: -k {select}, every {args.every} (offset {args.offset}, {args.order}), {args.workers} worker(s) '
        f'per mode{", modes concurrently" if args.concurrent else ""}, scratch {scratch}'
    )


def plan(args: argparse.Namespace) -> Plan:
    """Resolve the checkout, check it against the installed release and the plugin state; print the header."""
    suite = SUITES[args.suite]
    modes = [m for m in args.modes.split(',') if m]
    if not modes or not set(modes) <= set(MODES):
        raise RunnerError(f'--modes takes a subset of {",".join(MODES)}')
    scratch = args.workdir or Path(tempfile.mkdtemp(prefix=f'peer_suite_{suite.name}_'))
    scratch.mkdir(parents=True, exist_ok=True)
    probes = {m: probe(args.python, mode_env(m, suite, scratch / 'probe', scratch), (suite.package,)) for m in modes}
    versions, dirs = probes[modes[0]]['versions'], probes[modes[0]]['dirs']
    if 'plugin' in probes and not probes['plugin']['plugin']['active']:
        raise RunnerError(f'hgq_hls4ml is not active in plugin mode: {probes["plugin"]["plugin"]["reason"]}')
    checkout = open_checkout(args.repo.resolve(), args.commit, versions.get(suite.distribution))
    notes = resolve_missing(checkout, suite.test_paths + suite.support_paths, args.strict_commit)
    check, check_line = check_sources(suite, checkout, dirs[suite.package], args.force)
    opts = RunOptions(**{f: getattr(args, f) for f in RunOptions.__dataclass_fields__})
    header = [
        f'peer suite {suite.name}: {checkout.label}',
        *notes,
        check_line,
        'installed: ' + ', '.join(f'{k} {v}' for k, v in versions.items() if v),
        f'hgq_hls4ml checkout: {main_repo_state()}',
        *(
            f'mode {m}: plugin {p["plugin"]["active"] and "active" or "inactive"} ({p["plugin"]["reason"]})'
            for m, p in probes.items()
        ),
        selection_line(suite, args, scratch),
    ]
    meta = {
        'checkout': checkout.label,
        'commit': checkout.commit,
        'overrides': checkout.overrides,
        'versions': versions,
        'source_check': asdict(check) if check else None,
        'options': vars(args),
    }
    return Plan(suite, checkout, modes, opts, scratch, header, meta)


def execute(p: Plan, concurrent: bool) -> dict[str, ModeRun]:
    """Run the modes (one after the other, or at once)."""
    pool = ThreadPoolExecutor(max_workers=len(p.modes) if concurrent else 1)
    try:
        futures = {m: pool.submit(run_mode, m, p.suite, p.checkout, p.opts, p.scratch) for m in p.modes}
        return {m: f.result() for m, f in futures.items()}
    except BaseException:  # interrupted: no pytest or g++ of ours may outlive the runner
        STOPPING.set()
        for proc in list(RUNNING):
            stop(proc)
        raise
    finally:
        pool.shutdown(cancel_futures=True)


def run_lines(runs: dict[str, ModeRun]) -> list[str]:
    """A header line per finished mode (cases, time, pytest processes, log), and a warning if case lists differ."""
    lines = []
    for m, r in runs.items():
        crashed = f', process died in {r.crashed}' if r.crashed else ''
        line = f'mode {m}: {len(r.cases["selected"])} of {r.cases["collected"]} cases (after -k)'
        lines.append(f'{line} in {r.seconds / 60:.1f} min ({r.processes} pytest process(es){crashed}); log {r.log}')
    if len({tuple(r.cases['selected']) for r in runs.values()}) > 1:
        lines.append('WARNING: the modes collected different case lists')
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: exit code 0 (clean), 1 (regression or plugin mismatch), 2 (could not run)."""
    args = parse_args(argv)
    try:
        with terminate_as_interrupt():  # SIGTERM/SIGHUP stop the pytest process groups too, like Ctrl-C
            return run(args)
    except RunnerError as exc:
        print(f'peer_suite: {exc}', file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    """Plan, run both modes, print the report; 1 if there is a regression or a plugin mismatch."""
    if args.report_only:
        if not args.workdir:
            raise RunnerError('--report-only reads the runs in --workdir')
        p = Plan(
            SUITES[args.suite], None, [], None, args.workdir, *json.loads((args.workdir / 'plan.json').read_text())
        )
        runs = {m: load_mode_run(m, args.workdir) for m in p.meta['modes']}
        p.header.append('(report regenerated from the scratch folder)')
    else:
        p = plan(args)
        print('\n'.join(p.header), flush=True)
        (p.scratch / 'plan.json').write_text(json.dumps([p.header, {**p.meta, 'modes': p.modes}], default=str))
        runs = execute(p, args.concurrent)
    p.header += run_lines(runs)
    comp = compare({m: mode_outcomes(runs[m], p.suite) if m in runs else {} for m in MODES})
    print('\n' + '\n'.join(report(p.suite, comp, runs, p.header)))
    if args.json:
        args.json.write_text(
            json.dumps(to_json(p.suite, comp, runs, {'header': p.header, **p.meta}), indent=1, default=str)
        )
        print(f'wrote {args.json}')
    if not (args.workdir or args.keep):
        shutil.rmtree(p.scratch, ignore_errors=True)
    return 1 if comp.regressions or comp.mismatches['plugin'] else 0


if __name__ == '__main__':
    sys.exit(main())
