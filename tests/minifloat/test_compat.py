"""``enable_minifloat``: a QDense with float weight and bias quantizers fails to build on an HGQ2 that needs it,
and builds, trains, saves and reloads bit-equal with it; a second call changes nothing."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hgq.config import QuantizerConfig
from hgq.layers import QDense
from hgq.quantizer.config import default_configs

from hgq_hls4ml.minifloat.compat import enable_minifloat


def float_model() -> keras.Model:
    kq = QuantizerConfig('float', 'weight', m0=3, e0=3)
    bq = QuantizerConfig('float', 'bias')
    return keras.Sequential([keras.Input((5,)), QDense(4, kq_conf=kq, bq_conf=bq)])


def test_float_quantizers_build_train_save_and_reload(pristine_configs, tmp_path) -> None:
    needed = 'is_weight' in default_configs['float', 'weight']
    if needed:
        with pytest.raises(ValueError, match='is_weight'):
            float_model()
    changes = enable_minifloat()
    assert bool(changes) == needed
    assert enable_minifloat() == []
    model = float_model()
    x = np.random.default_rng(0).normal(size=(64, 5)).astype('float32')
    model.compile('adam', 'mse')
    model.fit(x, x[:, :4], epochs=1, batch_size=64, verbose=0)
    model.save(tmp_path / 'm.keras')
    reloaded = keras.models.load_model(tmp_path / 'm.keras')
    np.testing.assert_array_equal(model.predict(x, verbose=0), reloaded.predict(x, verbose=0))
    assert [q.config.q_type for q in (reloaded.layers[0].kq, reloaded.layers[0].bq)] == ['float', 'float']
