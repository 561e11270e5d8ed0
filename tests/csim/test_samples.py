"""verify's input check (the CLI's ``--data`` uses the same): non-finite, complex and misshapen samples are refused
before anything is written, naming what and where."""

from __future__ import annotations

import numpy as np
import pytest

from hgq_hls4ml import verify
from hgq_hls4ml.errors import ArgumentError
from tests.conversion.models import Case, build


@pytest.fixture(scope='module')
def mlp():
    return build(Case('mlp', 'mlp'))


def _refused(model, x, tmp_path) -> str:
    out = tmp_path / 'prj'
    with pytest.raises(ArgumentError) as err:
        verify(model, x, output_dir=out)
    assert not out.exists()
    return str(err.value)


@pytest.mark.parametrize('bad', [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_refused_with_count_and_first_index(mlp, tmp_path, bad):
    x = np.zeros((4, *mlp.input_shape[1:]), dtype=np.float32)
    x[1, 3] = bad
    x[2, 0] = bad
    message = _refused(mlp, x, tmp_path)
    assert '2 non-finite values' in message and 'first at index (1, 3)' in message, message


def test_values_beyond_float32_are_refused(mlp, tmp_path):
    x = np.zeros((2, *mlp.input_shape[1:]), dtype=np.float64)
    x[0, 1] = 1e300
    message = _refused(mlp, x, tmp_path)
    assert '1 non-finite value ' in message and 'beyond float32' in message, message


def test_complex_inputs_are_refused(mlp, tmp_path):
    x = np.zeros((2, *mlp.input_shape[1:]), dtype=np.complex64)
    assert 'complex' in _refused(mlp, x, tmp_path)


def test_wrong_shape_is_refused_like_the_cli(mlp, tmp_path):
    message = _refused(mlp, np.zeros((3, 7), dtype=np.float32), tmp_path)
    assert message == f'input {mlp.inputs[0].name!r}: shape (3, 7) does not fit input {mlp.inputs[0].name!r}; ' + (
        f'expected (N, {mlp.input_shape[1]}) with N >= 1'
    )
    assert 'shape ()' in _refused(mlp, np.float32(1.0), tmp_path)
