"""The example projects run end to end and print a 100% bit-exact verdict (slow: each trains a small model)."""

import ast
import configparser
import os
import re
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).parents[1]
EXAMPLES = REPO / 'example_projects'
README = REPO / 'README.md'


@pytest.mark.slow
@pytest.mark.parametrize(
    'name',
    ['digits', 'residual_cnn', 'jet_transformer', 'sequence_gru', 'table_digits', 'jet_tagger_pf', 'ptq_digits'],
)
def test_example_is_bit_exact(name):
    env = {**os.environ, 'KERAS_BACKEND': 'jax'}
    res = subprocess.run(
        [sys.executable, str(EXAMPLES / name / 'run.py')], capture_output=True, text=True, env=env, timeout=1200
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    assert '(100.00%)' in res.stdout and 'BIT-EXACT' in res.stdout


@pytest.mark.slow
def test_pareto_sweep_example_sweeps_the_front_bit_exact():
    env = {**os.environ, 'KERAS_BACKEND': 'jax'}
    script = EXAMPLES / 'pareto_sweep' / 'run.py'
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=1800)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    assert '12 rows (12 run now, 0 from earlier), 0 failed' in res.stdout and res.stdout.count('BIT-EXACT') == 12
    assert (EXAMPLES / 'pareto_sweep' / 'build' / 'results' / 'plots' / 'pareto.png').stat().st_size > 0


def _names(requirements: list[str]) -> set[str]:
    """Normalized distribution names of PEP 508 requirement strings."""
    return {re.split(r'[\s\[<>=!~;]', req, maxsplit=1)[0].lower().replace('_', '-') for req in requirements}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    found |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0}
    return {name.partition('.')[0] for name in found}


def test_examples_extra_installs_what_the_examples_import():
    """README's first command installs ``.[examples]``: the package's dependencies plus that extra must provide
    every third-party module the examples import (scikit-learn for the digits)."""
    tomllib = pytest.importorskip('tomllib')
    project = tomllib.loads((REPO / 'pyproject.toml').read_text())['project']
    provided = _names(project['dependencies'] + project['optional-dependencies']['examples'])
    local = {'hgq_hls4ml', '__future__', *(p.stem for p in EXAMPLES.glob('*.py'))}
    modules = set().union(*map(_imported_modules, EXAMPLES.rglob('*.py'))) - set(sys.stdlib_module_names) - local
    distributions = packages_distributions()
    missing = {m for m in modules if not _names(distributions.get(m, [m])) & provided}
    assert 'sklearn' in modules and not missing
    first_command = README.read_text().split('```bash\n', 2)[1].splitlines()[0]
    assert "pip install -e '.[examples]' && .venv/bin/python example_projects/digits/run.py" in first_command


def test_torch_extra_is_tox_pin():
    """The ``torch`` extra pins the CPU build tox tests with (an unpinned torch pulls a multi-GB CUDA build)."""
    tomllib = pytest.importorskip('tomllib')
    extra = tomllib.loads((REPO / 'pyproject.toml').read_text())['project']['optional-dependencies']['torch']
    tox = configparser.ConfigParser()
    tox.read(REPO / 'tox.ini')
    assert extra == tox['testenv:torch']['deps'].split() == ['torch==2.13.0']
