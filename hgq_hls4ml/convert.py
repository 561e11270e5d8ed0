"""``convert``: an HGQ2 Keras model -> an hls4ml ``ModelGraph`` through the plugin, with input checks first."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError, ModelInputError, OutputDirError
from .handlers import check_model_of
from .handlers.precheck import class_path, connected_layers, one_check
from .hgq2_api import producer
from .options import MAX_TABLE_BITS, spelled, table_limit
from .precision.port import parse_port_type, port_types_by_input


def check_plugin() -> None:
    """Raise :class:`ModelInputError` if the plugin is not active (``HGQ_HLS4ML_DISABLE``, missing hgq2, ...)."""
    from .status import plugin_status

    status = plugin_status()
    if not status.active:
        raise ModelInputError(f'the hgq_hls4ml plugin is inactive: {status.reason}')


def check_keras_model(model: Any) -> None:
    """Raise :class:`ModelInputError` unless ``model`` is a built ``keras.Model`` with fixed-shape inputs."""
    import keras

    if not isinstance(model, keras.Model):
        raise ModelInputError(f'expected a keras.Model, got {type(model).__module__}.{type(model).__name__}')
    if not model.built or not model.inputs:
        raise ModelInputError(f'model {model.name!r} is not built: call it on data or give it an Input first')
    for t in model.inputs:
        if any(d is None for d in t.shape[1:]):
            raise ModelInputError(
                f'model {model.name!r}: input {t.name!r} has shape {tuple(t.shape)}; every non-batch dimension '
                'must be fixed for firmware (use keras.Input(shape=(...)) with concrete sizes)'
            )


def check_model_input(model: Any) -> None:
    """Raise a clear error for anything that is not a built, fixed-shape Keras model with HGQ2 layers (what its
    layers are is :func:`check_model`'s)."""
    check_keras_model(model)
    layers = connected_layers(model.layers[0])
    if not any(class_path(lay).startswith('hgq.') for lay in layers):
        quantize = spelled(
            'hgq_hls4ml.quantize(model, x_train)', 'hgq-hls4ml quantize MODEL.keras -o QMODEL.keras --samples X.npy'
        )
        raise ModelInputError(
            f'model {model.name!r} has no HGQ2 layer; hgq_hls4ml converts HGQ2 models only. For a float Keras model, '
            f'make the HGQ2 model first (post-training quantization): {quantize}'
        )


def check_model(model: Any) -> None:
    """:func:`check_model_input`, then every problem of its layers at once."""
    check_model_input(model)
    check_model_of(model.layers[0])


def resolve_output_dir(output_dir: str | Path) -> Path:
    """The absolute directory hls4ml will write into, after checking its parent exists and it is no file."""
    path = Path(output_dir).resolve()
    if not path.parent.is_dir():
        raise OutputDirError(f'output directory {str(path)!r}: parent directory {str(path.parent)!r} does not exist')
    if path.exists() and not path.is_dir():
        raise OutputDirError(f'output directory {str(path)!r} exists and is not a directory')
    return path


def input_names(model: Any) -> list[str]:
    """The names hls4ml gives the model's input nodes: its Keras input layers' names, in input order."""
    return [producer(t).name for t in model.inputs]


def with_input_precision(model: Any, hls_config: dict, input_precision: str | Mapping[str, str]) -> dict:
    """A copy of ``hls_config`` setting the port type of every input (a string), or of the named ones (a
    mapping ``{input name: type}``), the way hls4ml takes it: ``LayerName: {input: {Precision: type}}``."""
    given = port_types_by_input(input_precision, input_names(model), model.name, ConfigError)
    config = copy.deepcopy(hls_config)
    for name, text in given.items():
        parse_port_type(text)  # a clear error now, not hls4ml's later
        config.setdefault('LayerName', {}).setdefault(name, {})['Precision'] = str(text)
    return config


def convert(
    model: Any,
    output_dir: str | Path,
    *,
    io_type: str = 'io_parallel',
    backend: str = 'Vitis',
    hls_config: dict | None = None,
    trace: bool = False,
    max_table_bits: int = MAX_TABLE_BITS,
    input_precision: str | Mapping[str, str] | None = None,
    **kwargs: Any,
):
    """Convert an HGQ2 model with hls4ml's ordinary API (our plugin does the HGQ2 layers); nothing is written yet.

    ``input_precision``: the input port type, e.g. ``'ap_fixed<10,5>'`` (the format the detector delivers), for
    every input, or ``{input name: type}``; by default the narrowest port that feeds the quantizers exactly. A
    given type is checked against the quantizers reading it: one that drops bits they keep raises
    :class:`~hgq_hls4ml.errors.InputPrecisionError`, one that changes what they see of some float inputs warns
    (:class:`~hgq_hls4ml.errors.InputPortWarning`). Same as hls4ml's ``hls_config['LayerName'][input]['Precision']``.

    ``max_table_bits``: the widest input a lookup table is built for (``2**max_table_bits`` entries per table);
    a layer needing a wider one is refused. With hls4ml's own call, ``with hgq_hls4ml.table_limit(bits):`` does
    the same.
    """
    import hls4ml

    check_plugin()
    with table_limit(max_table_bits):
        check_model_input(model)
        with one_check(model.layers[0]):
            path = resolve_output_dir(output_dir)
            if hls_config is None:
                hls_config = hls4ml.utils.config_from_keras_model(model, granularity='name', backend=backend)
            if input_precision is not None:
                hls_config = with_input_precision(model, hls_config, input_precision)
            if trace:
                for conf in hls_config.get('LayerName', {}).values():
                    conf['Trace'] = True
            return hls4ml.converters.convert_from_keras_model(
                model, hls_config=hls_config, backend=backend, output_dir=str(path), io_type=io_type, **kwargs
            )
