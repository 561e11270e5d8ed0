"""``report`` on a real hls4ml project (ece226, Vitis HLS 2024.1; values in tests/data/reports/EXPECTED.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / 'data' / 'reports' / 'ece226_vitis2024.1_hls4ml'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / 'ece226'))


@pytest.mark.smoke
def test_report_table(run_cli, project):
    proc = run_cli('report', project)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(f'Project myproject ({project})')
    assert 'C synthesis: myproject (Vitis HLS 2024.1), part xcu250-figd2104-2L-e' in out
    assert 'latency (cycles)         |  395 |  395 |   395' in out
    assert 'LUT      | 17966 |' in out
    assert 'Vivado 2024.1 utilization' in out and '| 8565 |' in out


def test_report_json(run_cli, project):
    proc = run_cli('report', project, '--json')
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data['top'] == 'myproject'
    assert data['csynth']['part'] == 'xcu250-figd2104-2L-e'
    assert data['csynth']['latency']['worst'] == 395
    assert data['csynth']['resources'] == {'bram_18k': 29, 'dsp': 467, 'ff': 7123, 'lut': 17966, 'uram': 0}
    assert data['utilization_synth']['lut']['used'] == 8565
    assert data['cosim'] is None
