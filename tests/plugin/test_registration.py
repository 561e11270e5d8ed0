"""The hls4ml entry point: our handlers and passes are installed, and registration can never break hls4ml."""

import os
import subprocess
import sys
import warnings
from importlib.metadata import PackageNotFoundError, entry_points

import pytest

from hgq_hls4ml import plugin


def _run(code: str, **env: str) -> str:
    full_env = {**os.environ, 'KERAS_BACKEND': 'jax', **env}
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=full_env, timeout=300)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_entry_point_is_declared():
    names = {ep.name: ep.value for ep in entry_points(group='hls4ml.backends')}
    assert names.get('hgq_hls4ml') == 'hgq_hls4ml.plugin:register'


def test_plain_hls4ml_import_activates_the_plugin():
    out = _run(
        'import hls4ml\n'
        'from hls4ml.converters.keras_v3 import layer_handlers\n'
        'from hls4ml.model.flow import get_flow\n'
        'from hgq_hls4ml.plugin import STATUS\n'
        "print(STATUS.active, type(layer_handlers['hgq.layers.core.dense.QDense']).__module__)\n"
        "print('hgq_hls4ml:exact' in get_flow('vitis:ip').requires)\n"
        "print(get_flow('convert').requires[0])\n"
    )
    assert out.split() == ['True', 'hgq_hls4ml.handlers.dense', 'True', 'hgq_hls4ml:mark']


def test_disable_env_leaves_upstream_untouched():
    out = _run(
        'import hls4ml\n'
        'from hls4ml.converters.keras_v3 import layer_handlers\n'
        'from hgq_hls4ml import plugin_status\n'
        's = plugin_status()\n'
        "print(s.active, s.reason.split()[0], type(layer_handlers['hgq.layers.core.dense.QDense']).__module__)\n",
        HGQ_HLS4ML_DISABLE='1',
    )
    active, reason, module = out.split()
    assert (active, reason) == ('False', 'disabled') and module.startswith('hls4ml.')


def test_status_lists_handled_classes():
    from hgq_hls4ml import plugin_status

    status = plugin_status()
    assert status.active and status.reason == 'active'
    assert 'hgq.layers.core.dense.QDense' in status.handled_classes
    assert 'hgq.layers.activation.QUnaryFunctionLUT' in status.handled_classes
    for path in (
        'hgq.layers.activation.QAffinedUnaryFunctionLUT',
        'hgq.layers.ops.accum.QSum',
        'hgq.layers.ops.accum.QMeanPow2',
        'hgq.quantizer.quantizer.Quantizer',
        'hgq.layers.rnn.simple_rnn.QSimpleRNN',
        'hgq.layers.rnn.gru.QGRU',
        'hgq.layers.table.dense.QDenseT',
        'hgq.layers.table.dense.QEinsumDenseT',
        'hgq.layers.table.conv.QConvT1D',
        'hgq.layers.table.conv.QConvT2D',
        'hgq.layers.attn.mha.QMultiHeadAttentionT',
        'hgq.layers.attn.linformer.QLinformerAttentionT',
        'hgq.layers.snn.base.QSimpleSNN',
        'hgq.layers.snn.base.QLIF',
    ):
        assert path in status.handled_classes


@pytest.fixture
def fresh_status(monkeypatch):
    status = plugin.PluginStatus()
    monkeypatch.setattr(plugin, 'STATUS', status)
    return status


def test_missing_hgq2_warns_and_stays_inactive(monkeypatch, fresh_status):
    def no_hgq2(name):
        raise PackageNotFoundError(name)

    monkeypatch.setattr(plugin, 'version', no_hgq2)
    monkeypatch.delenv(plugin.DISABLE_ENV, raising=False)
    with pytest.warns(UserWarning, match='hgq2 is not installed'):
        plugin.register()
    assert not fresh_status.active and 'pip install hgq2' in fresh_status.reason


def test_old_hgq2_is_refused(monkeypatch, fresh_status):
    monkeypatch.setattr(plugin, 'version', lambda name: '0.1.9')
    monkeypatch.delenv(plugin.DISABLE_ENV, raising=False)
    with pytest.warns(UserWarning, match=r'hgq2 0\.1\.9 is too old'):
        plugin.register()
    assert not fresh_status.active


def test_a_failing_registration_does_not_raise(monkeypatch, fresh_status):
    def broken():
        raise RuntimeError('incompatible hls4ml internals')

    monkeypatch.setattr(plugin, '_install_backend_parts', broken)
    monkeypatch.delenv(plugin.DISABLE_ENV, raising=False)
    with pytest.warns(UserWarning, match='registration failed: RuntimeError: incompatible hls4ml internals'):
        plugin.register()
    assert not fresh_status.active


def test_disabled_registration_is_silent(monkeypatch, fresh_status):
    monkeypatch.setenv(plugin.DISABLE_ENV, '1')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        plugin.register()
    assert fresh_status.reason == 'disabled by HGQ_HLS4ML_DISABLE=1'
