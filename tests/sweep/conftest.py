"""Shared by the sweep tests: tiny HGQ2 checkpoints saved by HGQ2's own ``ParetoFront`` callback, a model that
fails conversion, and one local Dask cluster of 2 worker processes for the whole session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip('distributed')
pytest.importorskip('pandas')


def tiny(scale: float):
    """A QDense 4 -> 2 model (tests/cost/tiny.py) with its kernel scaled: another checkpoint of one training."""
    from tests.cost.tiny import tiny_model

    model = tiny_model()
    kernel = next(w for w in model.weights if w.path.endswith('dense/kernel'))
    kernel.assign(np.asarray(kernel) * scale)
    return model


@pytest.fixture(scope='session')
def checkpoints(tmp_path_factory) -> Path:
    """A folder of two checkpoints named by HGQ2's ``ParetoFront`` (``epoch=..._val_accuracy=..._ebops=....keras``)."""
    from hgq.utils.sugar import ParetoFront

    folder = tmp_path_factory.mktemp('front')
    front = ParetoFront(folder, ['val_accuracy', 'ebops'], [1, -1])
    for epoch, (scale, accuracy, ebops) in enumerate([(1.0, 0.9, 120.0), (0.5, 0.8, 60.0)]):
        front.set_model(tiny(scale))
        front.on_train_begin()
        front.on_epoch_end(epoch, {'val_accuracy': accuracy, 'ebops': ebops})
    return folder


@pytest.fixture(scope='session')
def unsupported(tmp_path_factory) -> Path:
    """A saved model with a layer the plugin refuses (a float Keras Dense)."""
    import keras
    from hgq.layers import QDense

    inp = keras.Input((4,))
    model = keras.Model(inp, QDense(2, name='dense')(keras.layers.Dense(3, name='float_dense')(inp)), name='bad')
    path = tmp_path_factory.mktemp('bad') / 'bad.keras'
    model.save(path)
    return path


@pytest.fixture(scope='session')
def cluster():
    """The sweep's own local cluster (2 workers, 1 thread each, one retry per dead worker) for the session."""
    from hgq_hls4ml.sweep.cluster import local_cluster

    local = local_cluster(2)
    yield local
    local.close()
