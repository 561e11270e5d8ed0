"""Keras's plain ``RNN`` around a cell that is not HGQ2's, in a model without HGQ2 layers, goes to upstream hls4ml
as if the plugin were not installed (the plugin claims the class only for an HGQ2 cell)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
import keras, hls4ml
inp = keras.Input((5, 3))
model = keras.Model(inp, keras.layers.Dense(2)(keras.layers.RNN(keras.layers.SimpleRNNCell(4))(inp)))
try:
    hm = hls4ml.converters.convert_from_keras_model(model, output_dir=sys.argv[1], backend='Vitis')
    print('converted:', [n.class_name for n in hm.graph.values()])
except Exception as exc:
    print(f'{type(exc).__module__}.{type(exc).__name__}: {exc}')
"""


def _outcome(tmp_path: Path, disable: bool) -> str:
    env = {**os.environ, 'KERAS_BACKEND': 'jax', 'JAX_PLATFORMS': 'cpu'}
    env.pop('HGQ_HLS4ML_DISABLE', None)
    if disable:
        env['HGQ_HLS4ML_DISABLE'] = '1'
    out = tmp_path / ('upstream' if disable else 'plugin')
    proc = subprocess.run(
        [sys.executable, '-c', SCRIPT, str(out)], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1].replace(str(out), 'OUT')


def test_plain_rnn_of_a_keras_cell_is_left_to_upstream(tmp_path):
    with_plugin = _outcome(tmp_path, disable=False)
    assert 'hgq_hls4ml' not in with_plugin and 'bit-exactly' not in with_plugin, with_plugin
    assert with_plugin == _outcome(tmp_path, disable=True)
