"""The README as a new user meets it: two working commands first, what the project is, a quick start that runs,
links to the docs pages; the smoke command reachable; the package sets no Keras backend behind the user's back."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[1]
README = REPO / 'README.md'


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf'```{language}\n(.*?)```', text, flags=re.S)


def _extra(name: str) -> list[str]:
    tomllib = pytest.importorskip('tomllib')
    return tomllib.loads((REPO / 'pyproject.toml').read_text())['project']['optional-dependencies'][name]


def test_first_screen_is_the_two_commands_then_what_it_is():
    text = README.read_text()
    lines = text.splitlines()
    first, second = (block.strip() for block in _blocks(text, 'bash')[:2])
    assert lines[2] == '```bash' and '\n' not in first and '\n' not in second
    assert first.startswith('python3 -m venv .venv && .venv/bin/pip install -e') and 'run.py' in first
    assert second.endswith('.venv/bin/python -m pytest -n 2')
    assert lines.index('## What it is') < 25
    assert len(lines) < 150
    assert not re.search(r'\bissue \d+|\b[0-9a-f]{7,40}\b', text), 'internal references belong in docs/'


def test_readme_links_every_docs_page_and_they_exist():
    linked = set(re.findall(r'\]\(docs/([\w-]+\.md)\)', README.read_text()))
    assert linked and all((REPO / 'docs' / page).is_file() for page in linked)


def test_the_smoke_command_is_reachable():
    """The test extra (installed by the second command, and by the smoke command in docs/examples.md) has pytest."""
    assert any(req.startswith('pytest') for req in _extra('test'))
    assert "install -e '.[test]'" in README.read_text()
    assert ".venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest -m smoke" in (
        (REPO / 'docs' / 'examples.md').read_text()
    )


def test_importing_the_package_sets_no_keras_backend():
    env = {k: v for k, v in os.environ.items() if k != 'KERAS_BACKEND'}
    code = "import os, hgq_hls4ml; print(os.environ.get('KERAS_BACKEND'))"
    proc = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == 'None'


def _quick_start() -> str:
    return _blocks(README.read_text().split('## Quick start', 1)[1], 'python')[0]


def test_quick_start_chooses_the_backend_before_keras_is_imported():
    code = _quick_start()
    assert len(code.strip().splitlines()) <= 10
    assert code.index("os.environ.setdefault('KERAS_BACKEND', 'jax')") < code.index('import keras')


@pytest.mark.slow
def test_quick_start_runs_in_a_fresh_process_without_a_backend_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'KERAS_BACKEND'}
    proc = subprocess.run(
        [sys.executable, '-c', _quick_start()], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'BIT-EXACT: 400/400 output elements equal (100.00%)' in proc.stdout
