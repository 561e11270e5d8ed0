"""hls4ml plugin entry point (``hls4ml.backends`` entry point ``hgq_hls4ml = hgq_hls4ml.plugin:register``).

hls4ml calls :func:`register` while ``hls4ml.backends`` is imported. It installs our HGQ2 layer handlers into
hls4ml's Keras-3 converter, our ``HGQQuantize`` layer and its C++ template into the Vivado and Vitis backends,
our passes as the flow ``hgq_hls4ml:exact`` inside their ``ip`` flows, and the flow ``hgq_hls4ml:mark`` in front
of hls4ml's ``convert`` flow (it marks a graph from our handlers as ours before hls4ml's rewrites can replace every
node that says so). It never raises: if hgq2 is missing or ``HGQ_HLS4ML_DISABLE=1`` is set, it warns (once, for a
missing dependency) and stays inactive.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

DISABLE_ENV = 'HGQ_HLS4ML_DISABLE'
FLOW_NAME = 'hgq_hls4ml:exact'
#: Flow run before hls4ml's ``convert`` flow, whose rewrites may drop every node's ``hgq_source_layer`` tag.
MARK_FLOW_NAME = 'hgq_hls4ml:mark'
MARK_PASS = ('hgq_mark_graph', 'base.MarkGraph')
#: Graph rewrites appended to hls4ml's generic ``optimize`` flow (before backend layer initialisation).
STRUCTURE_PASSES = (
    ('hgq_hoist_quantizers', 'hoist_quantizers.HoistQuantizers'),
    ('hgq_fuse_quantizers', 'fuse_quantizers.FuseQuantizers'),
    ('hgq_exact_accumulators', 'exact_accumulators.UseExactAccumulators'),
)
#: Type passes of the flow ``hgq_hls4ml:exact``, run after the backend's streaming rewrites, in this order.
TYPE_PASSES = (
    ('hgq_input_precision', 'input_precision.InputPrecision'),
    ('hgq_unread_bits', 'unread_bits.DropUnreadBits'),
    ('hgq_exact_types', 'exact_types.ExactTypes'),
)
BACKENDS = ('Vivado', 'Vitis')
MIN_HGQ2 = (0, 2)


@dataclass
class PluginStatus:
    """Whether the plugin is active, why not if it is not, and which HGQ2 classes it converts."""

    active: bool = False
    reason: str = 'hls4ml has not loaded its backend plugins yet'
    handled_classes: tuple[str, ...] = field(default_factory=tuple)


STATUS = PluginStatus()


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split('.')[:2] if p.isdigit())


def _inactive_reason() -> str | None:
    if os.environ.get(DISABLE_ENV, '').strip() not in ('', '0'):
        return f'disabled by {DISABLE_ENV}={os.environ[DISABLE_ENV]}'
    try:
        v = version('hgq2')
    except PackageNotFoundError:
        return 'hgq2 is not installed (pip install hgq2)'
    if _version_tuple(v) < MIN_HGQ2:
        return f'hgq2 {v} is too old; hgq_hls4ml needs hgq2>={".".join(map(str, MIN_HGQ2))}'
    return None


def _install_handlers() -> tuple[str, ...]:
    from hls4ml.converters.keras_v3 import layer_handlers  # populates hls4ml's own registry first

    from .handlers import HANDLERS
    from .handlers.unsupported import HGQ2_LAYER_CLASSES, RefuseHandler

    refuse = RefuseHandler()
    for path in HGQ2_LAYER_CLASSES:
        layer_handlers[path] = HANDLERS.get(path, refuse)
    layer_handlers.update(HANDLERS)
    return tuple(sorted(HANDLERS))


def _install_backend_parts() -> None:
    from importlib import import_module

    from hls4ml.backends import get_backend
    from hls4ml.model.flow import get_flow, register_flow, update_flow
    from hls4ml.model.layers import register_layer
    from hls4ml.model.optimizer import register_pass

    from .layers import LAYERS

    for layer_class, _ in LAYERS:
        register_layer(layer_class.__name__, layer_class)
    for name, path in (MARK_PASS, *STRUCTURE_PASSES, *TYPE_PASSES):
        module, cls = path.rsplit('.', 1)
        register_pass(name, getattr(import_module(f'hgq_hls4ml.passes.{module}'), cls)(name))
    register_flow(MARK_FLOW_NAME, [MARK_PASS[0]], requires=None)
    convert_requires = get_flow('convert').requires
    if MARK_FLOW_NAME not in convert_requires:
        convert_requires.insert(0, MARK_FLOW_NAME)
    update_flow('optimize', add_optimizers=[name for name, _ in STRUCTURE_PASSES])
    register_flow(FLOW_NAME, [name for name, _ in TYPE_PASSES], requires=None)
    for backend_name in BACKENDS:
        for _, template in LAYERS:
            get_backend(backend_name).register_template(template)
        requires = get_flow(f'{backend_name.lower()}:ip').requires
        if FLOW_NAME not in requires:
            requires.insert(requires.index('vivado:streaming') + 1, FLOW_NAME)


def register(*, register_backend: Callable | None = None, register_writer: Callable | None = None) -> None:
    """Entry point called by hls4ml's plugin loader. Never raises."""
    reason = _inactive_reason()
    if reason is not None:
        STATUS.reason = reason
        if not reason.startswith('disabled'):
            warnings.warn(f'hgq_hls4ml plugin inactive: {reason}', stacklevel=2)
        return
    try:
        _install_backend_parts()
        STATUS.handled_classes = _install_handlers()
    except Exception as exc:  # a broken plugin must not break `import hls4ml`
        STATUS.reason = f'registration failed: {type(exc).__name__}: {exc}'
        warnings.warn(f'hgq_hls4ml plugin inactive: {STATUS.reason}', stacklevel=2)
        return
    STATUS.active, STATUS.reason = True, 'active'


def plugin_status() -> PluginStatus:
    """The plugin's state; importing hls4ml first makes sure its plugins were loaded."""
    import hls4ml  # noqa: F401

    return STATUS
