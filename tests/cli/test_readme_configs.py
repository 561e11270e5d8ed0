"""The CLI takes every ``hls_config`` the README shows for the Python call (its drop-in table), as a YAML file.

Each literal ``{'Model': ...}`` / ``{'LayerName': ...}`` in README.md is written as ``hls_config:`` of a config file
and converted with ``hgq-hls4ml convert`` (layer names are those of the saved test MLP: ``input_layer``,
``q_dense``, ...); the distributed-arithmetic one is also verified bit-exact by ``hgq-hls4ml verify``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from hgq_hls4ml.cli.exit_codes import ExitCode

README = Path(__file__).resolve().parents[2] / 'README.md'
_LITERAL = re.compile(r"`(\{'(?:Model|LayerName)':.*?\})`")


def readme_configs() -> list[dict]:
    """Every hls_config literal of README.md, in order."""
    return [ast.literal_eval(text) for text in _LITERAL.findall(README.read_text())]


CONFIGS = readme_configs()


def test_the_readme_shows_every_strategy_and_a_per_layer_precision():
    text = repr(CONFIGS)
    for shown in ("'Strategy': 'distributed_arithmetic'", "'Strategy': 'Resource'", "'Precision': {'result'"):
        assert shown in text, shown
    assert any('LayerName' in c and 'Model' not in c for c in CONFIGS)


def _config_file(tmp_path: Path, hls_config: dict) -> Path:
    path = tmp_path / 'cfg.yml'
    path.write_text(yaml.safe_dump({'hls_config': hls_config}))
    return path


@pytest.mark.parametrize('hls_config', CONFIGS, ids=[repr(c) for c in CONFIGS])
def test_convert_takes_the_readme_config(run_cli, models, tmp_path, hls_config):
    proc = run_cli('convert', models.mlp, '-o', tmp_path / 'prj', '--config', _config_file(tmp_path, hls_config))
    assert proc.returncode == ExitCode.OK, proc.stderr
    assert 'wrote hls4ml project' in proc.stdout


def test_verify_with_the_readme_distributed_arithmetic_config(run_cli, models, tmp_path):
    [da] = [c for c in CONFIGS if c.get('Model', {}).get('Strategy') == 'distributed_arithmetic']
    proc = run_cli('verify', models.mlp, '--random', '50', '--config', _config_file(tmp_path, da))
    assert proc.returncode == ExitCode.OK, proc.stderr
    assert 'BIT-EXACT' in proc.stdout
