"""Keras 2 files (full-model .h5, JSON + weights .h5) read for quantize: weights where Keras 2 put them, the common
layer set only, every other layer named at once."""

from __future__ import annotations

import numpy as np
import pytest

from hgq_hls4ml import UnsupportedLayerError, quantize
from hgq_hls4ml.errors import InputFileError
from hgq_hls4ml.ptq.keras2 import load_keras2
from tests.conversion.models import assert_bit_exact

from .keras2_files import dense, functional, layer, sequential, write_full_h5, write_json_and_weights

RNG = np.random.default_rng(7)


def _bn(n: int) -> dict[str, np.ndarray]:
    return {
        'gamma': RNG.uniform(0.5, 2, n),
        'beta': RNG.normal(0, 1, n),
        'moving_mean': RNG.normal(0, 1, n),
        'moving_variance': RNG.uniform(0.3, 3, n),
    }


def _mlp() -> tuple[dict, dict]:
    """A Keras 2 jet-tagging-style MLP: Dense, BatchNormalization, ReLU, Dropout, Dense with softmax."""
    config = functional(
        'jet_mlp',
        [
            layer('InputLayer', 'input_1', [], batch_input_shape=[None, 16], sparse=False, ragged=False),
            dense('fc1', 12, inbound=['input_1']),
            layer(
                'BatchNormalization', 'bn1', ['fc1'], axis=[1], momentum=0.99, epsilon=0.001, center=True, scale=True
            ),
            layer('Activation', 'relu1', ['bn1'], activation='relu'),
            layer('Dropout', 'drop', ['relu1'], rate=0.2),
            dense('output', 5, 'softmax', ['drop']),
        ],
        ['input_1'],
        ['output'],
    )
    weights = {
        'fc1': {'kernel': RNG.normal(0, 0.5, (16, 12)), 'bias': RNG.normal(0, 0.1, 12)},
        'bn1': _bn(12),
        'output': {'kernel': RNG.normal(0, 0.5, (12, 5)), 'bias': RNG.normal(0, 0.1, 5)},
    }
    return config, weights


def cnn() -> tuple[dict, dict]:
    """A Keras 2 Sequential CNN: Conv2D, MaxPooling2D, Flatten, Dense with softmax."""
    config = sequential(
        'small_cnn',
        [
            layer(
                'Conv2D',
                'conv',
                batch_input_shape=[None, 6, 6, 1],
                filters=3,
                kernel_size=[3, 3],
                strides=[1, 1],
                padding='valid',
                data_format='channels_last',
                dilation_rate=[1, 1],
                groups=1,
                activation='relu',
                use_bias=True,
            ),
            layer('MaxPooling2D', 'pool', pool_size=[2, 2], strides=[2, 2], padding='valid'),
            layer('Flatten', 'flatten', data_format='channels_last'),
            dense('output', 4, 'softmax'),
        ],
    )
    weights = {
        'conv': {'kernel': RNG.normal(0, 0.5, (3, 3, 1, 3)), 'bias': RNG.normal(0, 0.1, 3)},
        'output': {'kernel': RNG.normal(0, 0.5, (12, 4)), 'bias': RNG.normal(0, 0.1, 4)},
    }
    return config, weights


def test_a_full_model_h5_reads_with_its_weights(tmp_path):
    config, weights = _mlp()
    model = load_keras2(write_full_h5(tmp_path / 'mlp.h5', config, weights))
    assert [type(lay).__name__ for lay in model.layers] == [
        'InputLayer',
        'Dense',
        'BatchNormalization',
        'Activation',
        'Dropout',
        'Dense',
    ]
    np.testing.assert_array_equal(np.asarray(model.get_layer('fc1').kernel), weights['fc1']['kernel'].astype('f4'))
    bn = model.get_layer('bn1')
    np.testing.assert_array_equal(np.asarray(bn.moving_variance), weights['bn1']['moving_variance'].astype('f4'))
    x = RNG.normal(0, 1, (200, 16)).astype(np.float32)
    q = quantize(model, x)
    assert q.quantize_report.folded == (('bn1', 'fc1'),) and q.quantize_report.agreement >= 0.9


def test_a_json_architecture_reads_with_its_weights_file(tmp_path):
    config, weights = cnn()
    model = load_keras2(*write_json_and_weights(tmp_path, config, weights))
    assert [type(lay).__name__ for lay in model.layers] == ['Conv2D', 'MaxPooling2D', 'Flatten', 'Dense']
    np.testing.assert_array_equal(np.asarray(model.get_layer('output').bias), weights['output']['bias'].astype('f4'))


def test_layers_outside_the_set_are_all_named(tmp_path):
    config, weights = _mlp()
    config['config']['layers'][3] = layer('LSTM', 'lstm', ['bn1'], units=4)
    config['config']['layers'][4] = layer('Lambda', 'scale', ['lstm'], function='x * 2')
    with pytest.raises(UnsupportedLayerError) as info:
        load_keras2(write_full_h5(tmp_path / 'bad.h5', config, weights))
    assert [(name, cls) for name, cls, _ in info.value.problems] == [('lstm', 'LSTM'), ('scale', 'Lambda')]
    assert 'read from the Keras 2 file' in str(info.value)


def test_a_json_without_weights_and_a_weights_only_h5_are_refused(tmp_path):
    config, weights = cnn()
    arch, w = write_json_and_weights(tmp_path, config, weights)
    with pytest.raises(InputFileError, match='a JSON architecture needs its weights .h5'):
        load_keras2(arch)
    with pytest.raises(InputFileError, match='no model_config: a weights-only file'):
        load_keras2(w)


@pytest.mark.slow
def test_a_keras2_model_quantizes_bit_exact(tmp_path):
    config, weights = _mlp()
    model = load_keras2(write_full_h5(tmp_path / 'mlp.h5', config, weights))
    x = RNG.normal(0, 1, (200, 16)).astype(np.float32)
    assert_bit_exact(quantize(model, x), np.concatenate([x[:20], 4 * x[20:40]]), tmp_path / 'prj')
