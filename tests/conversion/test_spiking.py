"""QLIF and QSimpleSNN after a QDense front-end: csim equals Keras at every time step and element, on inputs that
make the neurons both fire and stay silent."""

import keras
import numpy as np
import pytest
from hgq.layers import QLIF, QSimpleSNN

from .models import Case, assert_bit_exact, build, inputs

KBI_WRAP_TRN = {'q_type': 'kbi', 'overflow': 'WRAP', 'round_mode': 'TRN'}

CASES = [
    Case('lif_last_kbi_wrap_trn', 'lif_last', min_bits=1, seed=132, **KBI_WRAP_TRN),
    Case('snn_seq_kbi_wrap_trn', 'snn_seq', min_bits=1, seed=152, **KBI_WRAP_TRN),
    Case('snn_last_kif_sat_rnd', 'snn_last', min_bits=1, seed=144),  # seed 134: 5 distinct outputs, 5% firing
]
SLOW_CASES = [
    Case('lif_seq_kif_sat_rnd', 'lif_seq', min_bits=1, seed=131),
    Case('lif_seq_kbi_wrap_trn', 'lif_seq', min_bits=1, seed=137, **KBI_WRAP_TRN),
    Case('lif_last_kif_sat_rnd', 'lif_last', min_bits=1, seed=136),
    Case('snn_seq_kif_sat_rnd', 'snn_seq', min_bits=1, seed=137),
    Case('snn_last_kbi_wrap_trn', 'snn_last', min_bits=1, seed=149, **KBI_WRAP_TRN),
]


def _spiking_inputs(case: Case) -> tuple[keras.Model, np.ndarray]:
    """The case's model and inputs on which its spiking layer both fires and stays silent (a precondition of these
    tests on top of :func:`assert_bit_exact`'s guard on the model's outputs)."""
    model = build(case)
    x = inputs(model, n=300)
    (snn,) = [layer for layer in model.layers if isinstance(layer, (QLIF, QSimpleSNN))]
    fired = np.mean(np.asarray(keras.Model(model.inputs, snn.output).predict(x, verbose=0)) != 0)
    assert 0.05 < fired < 0.95, f'degenerate test model: {fired:.1%} of the spiking outputs are non-zero'
    return model, x


@pytest.mark.parametrize('case', CASES, ids=[c.name for c in CASES])
def test_bit_exact(case, tmp_path):
    assert_bit_exact(*_spiking_inputs(case), tmp_path / 'prj', 'io_parallel')


@pytest.mark.slow
@pytest.mark.parametrize('case', SLOW_CASES, ids=[c.name for c in SLOW_CASES])
def test_bit_exact_slow(case, tmp_path):
    assert_bit_exact(*_spiking_inputs(case), tmp_path / 'prj', 'io_parallel')
