"""Keras 2 model files: a full-model ``.h5`` (``model.save('m.h5')``) or a JSON architecture (``model.to_json()``)
with a weights ``.h5`` (``model.save_weights('w.h5')``), the way most existing hls4ml models are stored.

Keras 3 cannot read a Keras 2 JSON (``Could not locate class 'Model'``); its legacy loader can, for the layers whose
Keras 2 configuration Keras 3 still accepts. This module accepts the common layer set only (:data:`KERAS2_LAYERS`),
refuses anything else naming every such layer at once, before anything is built, and then builds the model with
Keras 3's legacy loader and loads the weights from the Keras 2 layout (a group per layer, ``weight_names`` in it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputFileError, UnsupportedLayerError

if TYPE_CHECKING:
    import keras

#: Keras 2 layer classes read from a Keras 2 file.
KERAS2_LAYERS = frozenset(
    {
        'InputLayer',
        'Dense',
        'Conv1D',
        'Conv2D',
        'BatchNormalization',
        'Activation',
        'ReLU',
        'LeakyReLU',
        'ELU',
        'Softmax',
        'MaxPooling1D',
        'MaxPooling2D',
        'AveragePooling1D',
        'AveragePooling2D',
        'GlobalMaxPooling1D',
        'GlobalMaxPooling2D',
        'GlobalAveragePooling1D',
        'GlobalAveragePooling2D',
        'Flatten',
        'Reshape',
        'Permute',
        'Dropout',
        'SpatialDropout1D',
        'SpatialDropout2D',
        'GaussianNoise',
        'GaussianDropout',
        'AlphaDropout',
        'ZeroPadding1D',
        'ZeroPadding2D',
        'Cropping1D',
        'Cropping2D',
        'UpSampling1D',
        'UpSampling2D',
        'Add',
        'Subtract',
        'Multiply',
        'Maximum',
        'Minimum',
        'Concatenate',
    }
)
#: File name endings read as Keras 2 files.
KERAS2_SUFFIXES = ('.h5', '.hdf5', '.json')


def _layers(config: dict) -> list[dict]:
    inner = config.get('config')
    layers = inner if isinstance(inner, list) else (inner or {}).get('layers')
    if not isinstance(layers, list):
        raise ValueError('no layer list in the model configuration')
    return layers


def _check_layers(config: dict, source: str) -> None:
    if config.get('class_name') not in ('Model', 'Functional', 'Sequential'):
        raise ValueError(f'class {config.get("class_name")!r} is not a Keras model (Model, Functional, Sequential)')
    problems = [
        (layer.get('config', {}).get('name', '?'), layer['class_name'], 'not in the Keras 2 layer set')
        for layer in _layers(config)
        if layer.get('class_name') not in KERAS2_LAYERS
    ]
    if problems:
        raise UnsupportedLayerError(
            problems,
            what=f'read from the Keras 2 file {source!r}',
            hint='Keras 2 layers read: ' + ', '.join(sorted(KERAS2_LAYERS)),
        )


def _sequential_input(config: dict) -> dict:
    """A Keras 2 Sequential whose first layer carries ``batch_input_shape`` gets an explicit InputLayer, as Keras 3
    builds Sequential models (its legacy loader would give the batch axis twice)."""
    layers = _layers(config)
    if config.get('class_name') != 'Sequential' or not layers or layers[0].get('class_name') == 'InputLayer':
        return config
    first = dict(layers[0], config=dict(layers[0]['config']))
    shape = first['config'].pop('batch_input_shape', None)
    if shape is None:
        return config
    entry = {'class_name': 'InputLayer', 'config': {'batch_shape': shape, 'name': f'{first["config"]["name"]}_input'}}
    inner = {'layers': [entry, first, *layers[1:]]}
    if isinstance(config['config'], dict):
        inner = {**config['config'], **inner}
    return {**config, 'config': inner}


def load_keras2(path: str | Path, weights: str | Path | None = None) -> keras.Model:
    """The float Keras model of a Keras 2 full-model ``.h5`` (``weights`` None), or of a JSON architecture with the
    weights ``.h5`` ``weights``. A layer outside :data:`KERAS2_LAYERS` raises :class:`UnsupportedLayerError` naming
    each; an unreadable file :class:`InputFileError` naming it."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format, saving_utils

    path = Path(path)
    for file, what in ((path, 'model file'), (weights, 'weights file')):
        if file is not None and not Path(file).is_file():
            raise InputFileError(f'{what} {str(file)!r}: no such file')
    json_file = path.suffix == '.json'
    if json_file and weights is None:
        raise InputFileError(f'model file {str(path)!r}: a JSON architecture needs its weights .h5 (weights=)')
    try:
        if json_file:
            config = json.loads(path.read_text())
        else:
            with h5py.File(path, 'r') as f:
                text = f.attrs.get('model_config')
                if text is None:
                    raise ValueError('no model_config: a weights-only file; pass the JSON architecture with it')
                config = json.loads(text.decode() if isinstance(text, bytes) else text)
        _check_layers(config, str(path))
        model = saving_utils.model_from_config(_sequential_input(config))
        with h5py.File(path if weights is None else weights, 'r') as f:
            legacy_h5_format.load_weights_from_hdf5_group(f['model_weights'] if 'model_weights' in f else f, model)
    except UnsupportedLayerError:
        raise
    except Exception as exc:  # h5py, JSON and Keras errors: one message naming the file
        source = str(path) if weights is None else f'{path} with weights {weights}'
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(f'Keras 2 model {source!r}: cannot read it: {first}') from exc
    return model


def is_keras2_file(path: Path) -> bool:
    """Whether ``quantize`` reads ``path`` as a Keras 2 file (by its name)."""
    return path.suffix.lower() in KERAS2_SUFFIXES


def weights_problem(path: Path, weights: Any) -> str | None:
    """Why ``weights`` does not fit the model file ``path``, if it does not."""
    if weights is not None and path.suffix.lower() != '.json':
        return f'--weights {weights}: only a JSON architecture takes a separate weights file'
    return None
