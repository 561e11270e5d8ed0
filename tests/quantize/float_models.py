"""Tiny seeded float Keras models, one per layer family ``hgq_hls4ml.quantize`` maps, with trained-looking batch
normalization statistics (random, not the identity) and their calibration samples."""

from __future__ import annotations

import keras
import numpy as np

L = keras.layers


def _dense_bn() -> keras.Model:
    inp = keras.Input(name='x', shape=(6,))
    x = L.Dense(8, name='dense')(inp)
    x = L.BatchNormalization(name='dense_bn')(x)
    x = L.ReLU(name='relu')(x)
    x = L.Dropout(0.3, name='dropout')(x)
    return keras.Model(inp, L.Dense(4, name='head')(x), name='dense_bn')


def _conv2d_bn() -> keras.Model:
    inp = keras.Input(name='x', shape=(6, 6, 2))
    x = L.Conv2D(4, 3, padding='same', name='conv')(inp)
    x = L.BatchNormalization(name='conv_bn')(x)
    x = L.Activation('relu')(x)
    x = L.MaxPooling2D(2)(x)
    x = L.Conv2D(3, 2, name='conv2')(x)
    x = L.GlobalAveragePooling2D()(x)
    return keras.Model(inp, L.Dense(3, name='head')(x), name='conv2d_bn')


def _conv1d_pool() -> keras.Model:
    """A batch normalization after a ReLU (not foldable: a QBatchNormalization), average and global max pooling."""
    inp = keras.Input(name='x', shape=(10, 2))
    x = L.Conv1D(4, 3, activation='relu', name='conv')(inp)
    x = L.BatchNormalization(name='relu_bn')(x)
    x = L.AveragePooling1D(2)(x)
    x = L.MaxPooling1D(2, padding='same')(x)
    x = L.GlobalMaxPooling1D()(x)
    return keras.Model(inp, L.Dense(2, name='head')(x), name='conv1d_pool')


def _merges() -> keras.Model:
    inp = keras.Input(name='x', shape=(5,))
    a = L.Dense(4, name='a')(inp)
    b = L.Dense(4, activation='relu', name='b')(inp)
    merged = [
        L.Add(name='add')([a, b]),
        L.Subtract(name='subtract')([a, b]),
        L.Multiply(name='multiply')([a, b]),
        L.Maximum(name='maximum')([a, b]),
        L.Minimum(name='minimum')([a, b]),
    ]
    x = L.Concatenate(name='concatenate')(merged)
    return keras.Model(inp, L.Dense(3, name='head')(x), name='merges')


def _movement() -> keras.Model:
    inp = keras.Input(name='x', shape=(12,))
    x = L.Reshape((3, 4, 1))(inp)
    x = L.ZeroPadding2D(1)(x)
    x = L.Conv2D(2, 2, name='conv')(x)
    x = L.UpSampling2D(2)(x)
    x = L.Cropping2D(1)(x)
    x = L.AveragePooling2D(2)(x)
    x = L.Permute((2, 1, 3))(x)
    x = L.GaussianNoise(0.1)(x)
    x = L.Flatten()(x)
    return keras.Model(inp, L.Dense(3, activation='relu', name='head')(x), name='movement')


def _conv3d() -> keras.Model:
    inp = keras.Input(name='x', shape=(4, 4, 4, 1))
    x = L.Conv3D(2, 2, name='conv')(inp)
    x = L.BatchNormalization(name='conv_bn')(x)
    x = L.MaxPooling3D(1)(x)
    x = L.GlobalAveragePooling3D()(x)
    return keras.Model(inp, L.Dense(2, name='head')(x), name='conv3d')


def _two_inputs() -> keras.Model:
    """Two inputs, one read by a ReLU first (it gets a quantizer of its own)."""
    a, b = keras.Input(name='a', shape=(4,)), keras.Input(name='b', shape=(3,))
    x = L.Concatenate(name='concatenate')([L.Dense(5, name='dense_a')(a), L.ReLU(name='relu_b')(b)])
    return keras.Model([a, b], L.Dense(2, name='head')(x), name='two_inputs')


BUILDERS = {
    'dense_bn': _dense_bn,
    'conv2d_bn': _conv2d_bn,
    'conv1d_pool': _conv1d_pool,
    'merges': _merges,
    'movement': _movement,
    'conv3d': _conv3d,
    'two_inputs': _two_inputs,
}
#: Families tested in -m slow only (each quantization compiles its own Keras ops, 20-30 s).
SLOW = ('conv3d', 'two_inputs')

#: HGQ2 (or Keras) classes of the layers of the quantized model, per family (in any order).
EXPECTED_CLASSES = {
    'dense_bn': ['InputLayer', 'QDense', 'ReLU', 'QDense'],
    'conv2d_bn': [
        'InputLayer',
        'QConv2D',
        'Activation',
        'QMaxPooling2D',
        'QConv2D',
        'QGlobalAveragePooling2D',
        'QDense',
    ],
    'conv1d_pool': [
        'InputLayer',
        'QConv1D',
        'QBatchNormalization',
        'QAveragePooling1D',
        'QMaxPooling1D',
        'QGlobalMaxPooling1D',
        'QDense',
    ],
    'merges': [
        'InputLayer',
        'QDense',
        'QDense',
        'QAdd',
        'QSubtract',
        'QMultiply',
        'QMaximum',
        'QMinimum',
        *['Concatenate'] * 4,
        'QDense',
    ],
    'movement': [
        'InputLayer',
        'Quantizer',  # the padding after the Reshape reads the input: it gets a quantizer of its own
        'Reshape',
        'ZeroPadding2D',
        'QConv2D',
        'UpSampling2D',
        'Cropping2D',
        'QAveragePooling2D',
        'Permute',
        'Flatten',
        'QDense',
    ],
    'conv3d': ['InputLayer', 'QConv3D', 'QMaxPooling3D', 'QGlobalAveragePooling3D', 'QDense'],
    'two_inputs': ['InputLayer', 'InputLayer', 'QDense', 'Quantizer', 'ReLU', 'Concatenate', 'QDense'],
}


def randomize_batchnorm(model: keras.Model, rng: np.random.Generator) -> None:
    """Statistics and affine parameters far from the identity, as after training."""
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            n = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 1, n).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.3, 3, n).astype(np.float32))
            layer.gamma.assign(rng.uniform(0.5, 2, n).astype(np.float32))
            layer.beta.assign(rng.normal(0, 1, n).astype(np.float32))


def float_model(name: str, seed: int = 0) -> tuple[keras.Model, np.ndarray | list[np.ndarray]]:
    """The family's model (seeded weights, random batch-norm statistics) and 200 calibration samples for it (one
    array per input)."""
    keras.utils.set_random_seed(seed)
    model = BUILDERS[name]()
    rng = np.random.default_rng(seed)
    randomize_batchnorm(model, rng)
    xs = [rng.normal(0, 1, (200, *t.shape[1:])).astype(np.float32) for t in model.inputs]
    return model, xs[0] if len(xs) == 1 else xs
