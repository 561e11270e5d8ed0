"""``convert`` and ``verify`` on a real saved HGQ2 model (``verify`` compiles the firmware with g++)."""

from __future__ import annotations

import numpy as np
import pytest

from hgq_hls4ml.cli.inputs import load_model, random_inputs
from tests.conversion.models import keras_outputs

PART = 'xc7z020clg400-1'


@pytest.fixture(scope='module')
def mlp_model(models):
    """The saved ``mlp`` model, loaded here for the degenerate-model guard on the inputs ``verify`` is given."""
    return load_model(models.mlp)


def test_convert_writes_project_with_part_and_clock(run_cli, models, tmp_path):
    out = tmp_path / 'prj'
    out.mkdir()
    (out / 'notes.txt').write_text('kept')  # a non-empty directory takes --force
    proc = run_cli(
        'convert', models.mlp, '-o', out, '--part', PART, '--clock', '4', '--io-type', 'io_stream', '--force'
    )
    assert proc.returncode == 0, proc.stderr
    for name in ('project.tcl', 'build_prj.tcl', 'hls4ml_config.yml', 'firmware/myproject.cpp', 'myproject_test.cpp'):
        assert (out / name).is_file(), name
    assert (out / 'notes.txt').read_text() == 'kept'
    tcl = (out / 'project.tcl').read_text()
    assert f'set part "{PART}"' in tcl
    assert 'set clock_period 4' in tcl
    assert 'IOType: io_stream' in (out / 'hls4ml_config.yml').read_text()
    assert proc.stdout.splitlines() == [
        f'wrote hls4ml project {out}',
        f'  model:    mlp ({models.mlp}), 4 Keras layers',
        '  layers:   8 (Input, HGQQuantize x3, Dense x3, Activation)',
        '  backend:  Vitis, io_stream, top function myproject',
        f'  part:     {PART}, clock 4.0 ns',
        f'next: hgq-hls4ml build {out} --csim --synth',
    ]


def test_verify_random_inputs_in_a_temporary_directory(run_cli, models, mlp_model, tmp_path):
    keras_outputs(mlp_model, random_inputs(mlp_model, 50, 3))  # the inputs `--random 50 --seed 3` draws
    scratch = tmp_path / 'tmp'
    scratch.mkdir()
    proc = run_cli('verify', models.mlp, '--random', '50', '--seed', '3', env={'TMPDIR': str(scratch)})
    assert proc.returncode == 0, proc.stderr
    assert 'BIT-EXACT: 150/150 output elements equal (100.00%)' in proc.stdout
    assert '50 random samples (normal, sigma 4, seed 3)' in proc.stdout
    phases = [p.rsplit(' ', 1)[0] for p in proc.stdout.split('times: ', 1)[1].splitlines()[0].split(', ')]
    assert phases == ['imports', 'load', 'convert', 'compile', 'run', 'keras', 'compare', 'total']
    assert proc.stderr == ''  # not a terminal: no progress bars
    assert list(scratch.iterdir()) == []  # the temporary project is removed


def test_verify_data_file_keeps_project(run_cli, models, mlp_model, tmp_path):
    x = np.random.default_rng(7).normal(0, 4, (20, 10)).astype(np.float32)
    x[:5] = np.round(x[:5] * 8) / 16  # ties of the quantizers' grids
    keras_outputs(mlp_model, x)
    np.save(tmp_path / 'x.npy', x)
    out = tmp_path / 'verify_prj'
    proc = run_cli('verify', models.mlp, '--data', 'x.npy', '-o', out, '--io-type', 'io_stream')
    assert proc.returncode == 0, proc.stderr
    assert 'BIT-EXACT: 60/60 output elements equal' in proc.stdout
    assert 'io_stream, 20 samples from x.npy' in proc.stdout
    assert (out / 'firmware' / 'myproject.cpp').is_file()
