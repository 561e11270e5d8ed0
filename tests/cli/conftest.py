"""Fixtures of the CLI tests: saved ``.keras`` models (built once per session) and a runner of ``hgq-hls4ml``.

The command runs in a subprocess, as a user would run it. Its environment is this process's at call time (so
``monkeypatch.setenv`` reaches it) plus ``KERAS_BACKEND=jax`` and a session-wide JAX compilation cache, filled
when the models are built: Keras on JAX compiles every small op while loading a model, which the cache makes a few
seconds faster per command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

Runner = Callable[..., subprocess.CompletedProcess]
REPO = Path(__file__).resolve().parents[2]


def cli_env(jax_cache: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment now, with Keras on JAX and the session's JAX compilation cache."""
    return {
        **os.environ,
        'KERAS_BACKEND': 'jax',
        'JAX_PLATFORMS': 'cpu',
        'JAX_COMPILATION_CACHE_DIR': str(jax_cache),
        'JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS': '0',
        'JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES': '0',
        **(extra or {}),
    }


@dataclass(frozen=True)
class Models:
    """Saved models (see ``make_models.py``): ``mlp``, ``unsupported``, ``plain``."""

    mlp: Path
    unsupported: Path
    plain: Path


@pytest.fixture(scope='session')
def jax_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp('jax_cache')


@pytest.fixture(scope='session')
def models(tmp_path_factory: pytest.TempPathFactory, jax_cache: Path) -> Models:
    """Built in a subprocess that fills the JAX cache with what loading these models compiles again."""
    root = tmp_path_factory.mktemp('models')
    proc = subprocess.run(
        [sys.executable, '-m', 'tests.cli.make_models', str(root)],
        cwd=REPO,
        env=cli_env(jax_cache),
        capture_output=True,
        text=True,
        timeout=900,  # a loaded machine; building the models takes ~25 s of CPU
    )
    assert proc.returncode == 0, proc.stderr
    return Models(root / 'mlp.keras', root / 'unsupported.keras', root / 'plain.keras')


@pytest.fixture
def run_cli(jax_cache: Path, tmp_path: Path) -> Runner:
    """``run_cli('convert', ..., cwd=None, env=None)`` -> the finished ``python -m hgq_hls4ml.cli`` process."""

    def run(*args: object, cwd: Path | None = None, env: dict[str, str] | None = None):
        return subprocess.run(
            [sys.executable, '-m', 'hgq_hls4ml.cli', *map(str, args)],
            cwd=cwd or tmp_path,
            env=cli_env(jax_cache, env),
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run
