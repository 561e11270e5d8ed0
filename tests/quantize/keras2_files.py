"""Keras 2 model files written the way Keras 2 wrote them (a ``model_config`` JSON attribute, one weights group
per layer with ``weight_names``), with h5py and hand-written Keras 2 configurations: no Keras 2 needed, no download."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

_INIT = {'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}}}


def layer(cls: str, name: str, inbound: list[str] | None = None, **config) -> dict:
    """One Keras 2 layer entry; ``inbound`` names the layers it reads (a functional model's), else none."""
    entry = {'class_name': cls, 'config': {'name': name, 'trainable': True, 'dtype': 'float32', **config}}
    if inbound is not None:
        entry['name'] = name
        entry['inbound_nodes'] = [[[source, 0, 0, {}] for source in inbound]] if inbound else []
    return entry


def dense(name: str, units: int, activation: str = 'linear', inbound: list[str] | None = None) -> dict:
    return layer('Dense', name, inbound, units=units, activation=activation, use_bias=True, **_INIT)


def functional(name: str, layers: list[dict], inputs: list[str], outputs: list[str]) -> dict:
    """A Keras 2.2-2.4 functional model configuration (class ``Model``, as hls4ml's older models have it)."""
    config = {
        'name': name,
        'layers': layers,
        'input_layers': [[n, 0, 0] for n in inputs],
        'output_layers': [[n, 0, 0] for n in outputs],
    }
    return {'class_name': 'Model', 'config': config, 'keras_version': '2.4.0', 'backend': 'tensorflow'}


def sequential(name: str, layers: list[dict]) -> dict:
    return {
        'class_name': 'Sequential',
        'config': {'name': name, 'layers': layers},
        'keras_version': '2.4.0',
        'backend': 'tensorflow',
    }


def _write_weights(group: h5py.Group, weights: dict[str, dict[str, np.ndarray]], names: list[str]) -> None:
    group.attrs['layer_names'] = [n.encode() for n in names]
    group.attrs['backend'] = b'tensorflow'
    group.attrs['keras_version'] = b'2.4.0'
    for name in names:
        g = group.create_group(name)
        arrays = weights.get(name, {})
        g.attrs['weight_names'] = [f'{name}/{w}:0'.encode() for w in arrays]
        for w, a in arrays.items():
            g.create_dataset(f'{name}/{w}:0', data=np.asarray(a, np.float32))


def _names(config: dict) -> list[str]:
    return [entry['config']['name'] for entry in config['config']['layers']]


def write_full_h5(path: Path, config: dict, weights: dict[str, dict[str, np.ndarray]]) -> Path:
    """``model.save('m.h5')`` of Keras 2: the configuration as an attribute, the weights under ``model_weights``."""
    with h5py.File(path, 'w') as f:
        f.attrs['model_config'] = json.dumps(config).encode()
        f.attrs['keras_version'] = b'2.4.0'
        f.attrs['backend'] = b'tensorflow'
        _write_weights(f.create_group('model_weights'), weights, _names(config))
    return path


def write_json_and_weights(folder: Path, config: dict, weights: dict[str, dict[str, np.ndarray]]) -> tuple[Path, Path]:
    """``model.to_json()`` and ``model.save_weights('w.h5')`` of Keras 2."""
    arch, w = folder / 'model.json', folder / 'weights.h5'
    arch.write_text(json.dumps(config))
    with h5py.File(w, 'w') as f:
        _write_weights(f, weights, _names(config))
    return arch, w
