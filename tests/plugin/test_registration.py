"""The hls4ml entry point: our handlers and passes are installed, and registration can never break hls4ml."""

import os
import subprocess
import sys
import warnings
from importlib.metadata import PackageNotFoundError, entry_points

import numpy as np
import pytest

from hgq_hls4ml import plugin
from tests.conversion.models import Case, build


def _run(code: str, **env: str) -> str:
    full_env = {**os.environ, 'KERAS_BACKEND': 'jax', **env}
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=full_env, timeout=300)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_entry_point_is_declared():
    names = {ep.name: ep.value for ep in entry_points(group='hls4ml.backends')}
    assert names.get('hgq_hls4ml') == 'hgq_hls4ml.plugin:register'


@pytest.mark.smoke
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


def test_import_lets_keras_load_saved_hgq2_models(tmp_path):
    """A fresh process that imports only keras and hgq_hls4ml loads a saved HGQ2 model (no ``import hgq``)."""
    model = build(Case('mlp', 'mlp'))
    model.save(tmp_path / 'mlp.keras')
    x = np.random.default_rng(0).normal(size=(16, *model.inputs[0].shape[1:])).astype(np.float32)
    np.save(tmp_path / 'x.npy', x)
    np.save(tmp_path / 'y.npy', model.predict(x, verbose=0))
    out = _run(
        'import sys\n'
        'import keras\n'
        'import numpy as np\n'
        "assert 'hgq' not in sys.modules\n"
        'import hgq_hls4ml\n'
        f'm = keras.models.load_model({str(tmp_path / "mlp.keras")!r})\n'
        f'y = m.predict(np.load({str(tmp_path / "x.npy")!r}), verbose=0)\n'
        f'print(type(m.layers[1]).__name__, np.array_equal(y, np.load({str(tmp_path / "y.npy")!r})))\n'
    )
    assert out.split() == ['QDense', 'True']


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

    guarded = []
    monkeypatch.setattr(plugin, '_install_backend_parts', broken)
    monkeypatch.setattr(plugin, '_guard_hgq2_classes', guarded.append)  # the real guard: a subprocess test below
    monkeypatch.delenv(plugin.DISABLE_ENV, raising=False)
    with pytest.warns(UserWarning, match='registration failed: RuntimeError: incompatible hls4ml internals'):
        plugin.register()
    assert not fresh_status.active
    assert len(guarded) == 1 and 'incompatible hls4ml internals' in guarded[0]


def test_disabled_registration_is_silent(monkeypatch, fresh_status):
    monkeypatch.setenv(plugin.DISABLE_ENV, '1')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        plugin.register()
    assert fresh_status.reason == 'disabled by HGQ_HLS4ML_DISABLE=1'


def test_a_failed_registration_refuses_hgq2_models_loudly():
    """After a failed registration an HGQ2 model must not fall back quietly to upstream's non-exact path."""
    out = _run(
        'import warnings, tempfile\n'
        'import hls4ml, keras, numpy as np\n'
        'from hgq.layers import QDense\n'
        'from hgq_hls4ml import plugin\n'
        'from hgq_hls4ml.errors import PluginInactiveError\n'
        'def broken():\n'
        "    raise RuntimeError('incompatible hls4ml internals')\n"
        'plugin._install_backend_parts = broken\n'
        'with warnings.catch_warnings(record=True) as caught:\n'
        "    warnings.simplefilter('always')\n"
        '    plugin.register()\n'
        "print('WARNED', any('HGQ_HLS4ML_DISABLE=1' in str(w.message) for w in caught))\n"
        'm = keras.Sequential([keras.Input((4,)), QDense(2)])\n'
        'try:\n'
        "    hls4ml.converters.convert_from_keras_model(m, output_dir=tempfile.mkdtemp(), backend='Vitis')\n"
        "    print('CONVERTED')\n"
        'except PluginInactiveError as e:\n'
        "    print('REFUSED', str(e).replace(chr(10), ' '))\n"
    )
    assert 'WARNED True' in out
    refused = out.split('REFUSED', 1)[1]
    assert "'q_dense' (QDense)" in refused and 'incompatible hls4ml internals' in refused
    assert 'HGQ_HLS4ML_DISABLE=1' in refused


def test_bit_exact_stage_is_owned_in_place():
    """Our pass stands where hls4ml's ``bit_exact`` stood in its ``convert`` flow, and delegates on other graphs."""
    from hls4ml.model.flow import get_flow
    from hls4ml.model.optimizer import get_optimizer
    from hls4ml.model.optimizer.passes.bit_exact import BitExact

    optimizers = get_flow('convert').optimizers
    assert 'bit_exact' not in optimizers
    at = optimizers.index(plugin.BIT_EXACT_STAGE)
    assert optimizers[at + 1 : at + 3] == ['fuse_fixed_point_quantizer', 'fix_input_precision']
    assert isinstance(get_optimizer(plugin.BIT_EXACT_STAGE).upstream, BitExact)


def test_plain_hls4ml_import_does_not_import_keras():
    """hls4ml loads the plugin on import; users of hls4ml without Keras must not pay Keras's import for it."""
    out = _run("import sys, hls4ml\nprint('keras' in sys.modules, 'hgq' in sys.modules)\n")
    assert out.split() == ['False', 'False']
