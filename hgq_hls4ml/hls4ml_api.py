"""The one door to hls4ml's internals.

Everything the plugin does to hls4ml beyond its public layer, type and template classes goes through this module:
the Keras-3 handler registry, the optimizer and flow registries (the writer flows among them), the backends'
template registries, the ``bit_exact`` stage, the model's selected optimizers, a template's default call parameters,
a model's output variables and where a project's C-simulation build script and library are. A new hls4ml release
that moves one of these breaks here, in one place.

Tested against hls4ml 1.3.0 (PyPI) and its development head of 2026-06-10, ``v1.3.0-17-gef92ebd`` (README,
*Drop-in*).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MethodType
from typing import Any

from hls4ml.model.optimizer import ModelOptimizerPass
from hls4ml.model.optimizer.passes.hgq_proxy_model import FixedPointQuantizer

__all__ = [
    'FixedPointQuantizer',
    'OwnedStage',
    'add_to_flow',
    'add_to_writer_flows',
    'bind_predict',
    'csim_bridge',
    'csim_build_script',
    'csim_io',
    'csim_library',
    'default_function_params',
    'format_as_io_parallel',
    'set_layer_strategy',
    'install_handlers',
    'insert_flow_after',
    'own_convert_stage',
    'project_dir',
    'register_layer_types',
    'register_passes',
    'register_templates',
    'run_flow_before',
    'selected_optimizers',
    'set_output_variable_type',
    'upstream_predict',
]

#: The hls4ml flow that holds the ``bit_exact`` stage, and that stage's name.
CONVERT_FLOW = 'convert'


def install_handlers(handlers: Mapping[str, Callable]) -> None:
    """Route the given fully qualified Keras class paths to our handlers in hls4ml's Keras-3 converter."""
    from hls4ml.converters.keras_v3 import layer_handlers  # populates hls4ml's own registry first

    layer_handlers.update(handlers)


def register_layer_types(classes: Iterable[type]) -> None:
    """Make our layer classes known to hls4ml's graph (``ModelGraph.make_node`` by class name)."""
    from hls4ml.model.layers import register_layer

    for cls in classes:
        register_layer(cls.__name__, cls)


def register_passes(passes: Iterable[tuple[str, Any]]) -> None:
    """Register ``(name, optimizer instance)`` pairs in hls4ml's optimizer registry."""
    from hls4ml.model.optimizer import register_pass

    for name, opt in passes:
        register_pass(name, opt)


def register_templates(backend_names: Iterable[str], templates: Iterable[type]) -> None:
    """Register our C++ function templates with each named backend."""
    from hls4ml.backends import get_backend

    templates = tuple(templates)
    for backend_name in backend_names:
        backend = get_backend(backend_name)
        for template in templates:
            backend.register_template(template)


def add_to_flow(flow: str, names: Iterable[str]) -> None:
    """Append optimizers to an existing hls4ml flow."""
    from hls4ml.model.flow import update_flow

    update_flow(flow, add_optimizers=list(names))


def add_to_writer_flows(backend_names: Iterable[str], names: Iterable[str]) -> None:
    """Run the passes ``names`` last in each backend's writer flow (``<backend>:write``: ``make_stamp``, then
    ``write_hls``), so after every ``ModelGraph.write()``, which ``ModelGraph.compile()`` calls first."""
    from hls4ml.model.flow import get_flow, update_flow

    names = list(names)
    for backend_name in backend_names:
        flow = f'{backend_name.lower()}:write'
        update_flow(flow, add_optimizers=[n for n in names if n not in get_flow(flow).optimizers])


def csim_build_script(model) -> tuple[Path, str, str]:
    """The C-simulation build script hls4ml's writer put in the project, the project name and the stamp.

    ``ModelGraph.compile()`` writes the project (a new random stamp each time), then ``FPGABackend.compile`` runs
    ``./build_lib.sh`` in the output directory and ``ModelGraph._compile`` loads
    ``<output_dir>/firmware/<project>-<stamp>.so`` with ctypes.
    """
    return project_dir(model) / 'build_lib.sh', model.config.get_project_name(), model.config.get_config_value('Stamp')


def project_dir(model) -> Path:
    """The directory hls4ml writes the model's project into."""
    return Path(model.config.get_output_dir())


def csim_bridge(model) -> tuple[Path, str]:
    """The project's C-simulation bridge (``<output_dir>/<project>_bridge.cpp``, hls4ml's ``write_bridge``: the
    ``extern "C"`` wrappers ``<project>_float``/``_double`` taking the inputs then the outputs, flat) and the project
    name."""
    project = model.config.get_project_name()
    return Path(model.config.get_output_dir()) / f'{project}_bridge.cpp', project


def csim_io(model) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """``(name, size)`` of the model's inputs and outputs, in the order of the bridge's wrapper arguments."""
    return (
        [(v.name, int(v.size())) for v in model.get_input_variables()],
        [(v.name, int(v.size())) for v in model.get_output_variables()],
    )


def csim_library(model) -> Any:
    """The C-simulation library ``ModelGraph.compile()`` loaded (a ``ctypes.CDLL``), or ``None`` before it."""
    return model._top_function_lib


def bind_predict(model, predict: Callable[..., Any]) -> None:
    """Make ``model.predict(x, ...)`` call ``predict(model, x, ...)`` (hls4ml's stays :func:`upstream_predict`)."""
    model.predict = MethodType(predict, model)


def upstream_predict(model, x: Any, *args: Any, **kwargs: Any) -> Any:
    """hls4ml's own ``ModelGraph.predict`` (one call into the library per sample)."""
    return type(model).predict(model, x, *args, **kwargs)


def insert_flow_after(backend_names: Iterable[str], flow: str, names: Iterable[str], after: str) -> None:
    """Register the flow ``flow`` of the passes ``names`` and run it in each backend's ``ip`` flow right after
    Vivado's flow ``after`` (e.g. ``'streaming'``; Vitis's ``ip`` flow requires Vivado's own flows)."""
    from hls4ml.model.flow import get_flow, register_flow

    register_flow(flow, list(names), requires=None)
    for backend_name in backend_names:
        prefix = backend_name.lower()
        requires = get_flow(f'{prefix}:ip').requires
        if flow not in requires:
            requires.insert(requires.index(f'vivado:{after}') + 1, flow)


def run_flow_before(before: str, flow: str, names: Iterable[str]) -> None:
    """Register the flow ``flow`` of the passes ``names`` and make hls4ml's flow ``before`` require it first."""
    from hls4ml.model.flow import get_flow, register_flow

    register_flow(flow, list(names), requires=None)
    requires = get_flow(before).requires
    if flow not in requires:
        requires.insert(0, flow)


class OwnedStage(ModelOptimizerPass):
    """An hls4ml model pass taken over by the plugin: it does nothing on ``claims(model)`` graphs, and is hls4ml's
    own pass, unchanged, on every other graph."""

    def __init__(self, upstream: ModelOptimizerPass, claims: Callable[[Any], bool]):
        self.upstream, self.claims = upstream, claims

    def transform(self, model) -> bool:
        return False if self.claims(model) else self.upstream.transform(model)


def own_convert_stage(stage: str, name: str, claims: Callable[[Any], bool]) -> None:
    """Put the pass ``name`` in place of hls4ml's ``stage`` in its ``convert`` flow (same position): nothing on
    graphs ``claims`` claims, hls4ml's own pass on the others."""
    from hls4ml.model.flow import get_flow
    from hls4ml.model.optimizer import get_optimizer, register_pass

    optimizers = get_flow(CONVERT_FLOW).optimizers
    if name in optimizers:
        return
    register_pass(name, OwnedStage(get_optimizer(stage), claims))
    optimizers[optimizers.index(stage)] = name


def selected_optimizers(model) -> list[str] | None:
    """The optimizers the model's configuration selects (``None``: all; hls4ml drops the ``SkipOptimizers``)."""
    return model.config.optimizers


def format_as_io_parallel(format_config: Callable[[Any], str], node) -> str:
    """``format_config(node)`` (an hls4ml config template's ``format``) with the model's ``IOType`` read as
    ``io_parallel``: hls4ml's ``EinsumDense``/``Einsum`` config templates assert it, though their kernels do not read
    it (our buffered io_stream adapters call those kernels on arrays)."""
    config = node.model.config.config
    io_type = config['IOType']
    config['IOType'] = 'io_parallel'
    try:
        return format_config(node)
    finally:
        config['IOType'] = io_type


def set_layer_strategy(node, strategy: str) -> None:
    """Make ``strategy`` the node's own strategy in the model's config (what ``get_strategy``, and hls4ml's
    ``is_resource_strategy`` checks, read first)."""
    node.model.config.layer_name_strategy[node.name.lower()] = strategy


def default_function_params(template, node) -> dict[str, str]:
    """hls4ml's default parameters of a function-call template (``input``, ``output``, ``input_t``, ...)."""
    return template._default_function_params(node)


def set_output_variable_type(node, named) -> None:
    """Give every output variable of ``node`` the hls4ml type ``named``."""
    for name in node.outputs:
        node.model.output_vars[name].type = named
