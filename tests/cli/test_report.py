"""``report`` on a real hls4ml project (ece226, Vitis HLS 2024.1; values in tests/data/reports/EXPECTED.md), on
folders of report files, and on a converted project not built yet."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hgq_hls4ml.cli.exit_codes import ExitCode
from tests.cli.helpers import error_lines

REPORTS = Path(__file__).resolve().parents[1] / 'data' / 'reports'
FIXTURE = REPORTS / 'ece226_vitis2024.1_hls4ml'


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


def test_report_on_converted_but_unbuilt_project(run_cli, models, tmp_path):
    assert run_cli('convert', models.mlp, '-o', 'mlp_prj').returncode == 0
    proc = run_cli('report', 'mlp_prj')
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == [
        'error: mlp_prj: the project has not been built yet, so it has no reports; '
        'build it first: hgq-hls4ml build mlp_prj'
    ]


def test_report_top_option(run_cli, tmp_path):
    """Vivado's utilization report alone names no HLS top function: ``--top`` gives it."""
    shutil.copyfile(REPORTS / 'dnd_hls4ml_vivado2020.1' / 'vivado_synth.rpt', tmp_path / 'vivado_synth.rpt')
    proc = run_cli('report', '.')
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == [
        'error: .: no HLS report names the top function (looked for hls.app, vivado_hls.app, hls4ml_config.yml, '
        'csynth.xml, *_csynth.xml in .); give its name with --top NAME (in Python: top=NAME)'
    ]
    proc = run_cli('report', '.', '--top', 'myproject', '--json')
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data['top'] == 'myproject' and data['utilization_synth']['lut']['used'] == 31277


def test_report_top_from_aggregate_csynth_xml(run_cli, tmp_path):
    shutil.copyfile(FIXTURE / 'csynth.xml', tmp_path / 'csynth.xml')
    proc = run_cli('report', '.')
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('Project myproject (.)')
    assert 'C synthesis: myproject (Vitis HLS 2024.1), part xcu250-figd2104-2L-e' in proc.stdout
