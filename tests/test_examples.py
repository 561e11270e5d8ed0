"""The example projects run end to end and print a 100% bit-exact verdict (slow: each trains a small model)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / 'example_projects'


@pytest.mark.slow
@pytest.mark.parametrize('name', ['digits', 'residual_cnn', 'jet_transformer', 'sequence_gru', 'table_digits'])
def test_example_is_bit_exact(name):
    env = {**os.environ, 'KERAS_BACKEND': 'jax'}
    res = subprocess.run([sys.executable, str(EXAMPLES / name / 'run.py')], capture_output=True, text=True, env=env,
                         timeout=1200)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    assert '(100.00%)' in res.stdout and 'BIT-EXACT' in res.stdout
