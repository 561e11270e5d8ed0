"""``--data`` files the CLI refuses before any work, with the same check as the Python ``verify`` (and model
files that are something else)."""

from __future__ import annotations

import numpy as np

from hgq_hls4ml.cli.exit_codes import ExitCode
from tests.cli.helpers import error_lines


def _refused(run_cli, models, tmp_path, data) -> str:
    path = tmp_path / 'x.npy'
    np.save(path, data)
    proc = run_cli('verify', models.mlp, '--data', path, '-o', 'prj')
    assert proc.returncode == ExitCode.USAGE, proc.stderr
    assert not (tmp_path / 'prj').exists()
    [line] = error_lines(proc)
    return line


def test_nan_and_inf_inputs_are_refused_naming_count_and_first_index(run_cli, models, tmp_path):
    x = np.zeros((5, 10), dtype=np.float32)
    x[2, 4] = np.nan
    x[3, 1] = -np.inf
    line = _refused(run_cli, models, tmp_path, x)
    assert line.startswith(
        f"error: data file '{tmp_path / 'x.npy'}': 2 non-finite values (NaN or +-inf) of 50, the first at index (2, 4)"
    ), line


def test_complex_data_is_refused(run_cli, models, tmp_path):
    line = _refused(run_cli, models, tmp_path, np.ones((5, 10), dtype=np.complex128))
    assert 'complex numbers (dtype complex128)' in line


def test_yaml_passed_as_data_is_not_called_pickled(run_cli, models, tmp_path):
    path = tmp_path / 'cfg.yml'
    path.write_text('backend: Vitis\n')
    proc = run_cli('verify', models.mlp, '--data', path)
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == [
        f"error: data file '{path}': not a .npy or .npz file (no NumPy or zip header; write it with numpy.save or "
        'numpy.savez)'
    ]


def test_npy_passed_as_model_says_what_it_is(run_cli, tmp_path):
    path = tmp_path / 'x.npy'
    np.save(path, np.zeros((2, 10)))
    proc = run_cli('verify', path, '--random', '2')
    assert proc.returncode == ExitCode.USAGE
    assert error_lines(proc) == [
        f"error: model file '{path}': a .npy file holds arrays, not a Keras model (give the .keras file model.save() "
        'wrote; arrays go to --data or --samples)'
    ]


def test_a_long_tool_message_is_cut_after_a_whole_sentence():
    from hgq_hls4ml.cli.inputs import _first_line

    text = 'File format not supported: x. ' + 'Keras 3 only supports V3 files and legacy H5 files. ' * 10
    assert _first_line(ValueError(text), limit=100) == (
        'File format not supported: x. Keras 3 only supports V3 files and legacy H5 files.'
    )
