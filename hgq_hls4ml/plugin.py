"""hls4ml plugin entry point (``hls4ml.backends`` entry point ``hgq_hls4ml = hgq_hls4ml.plugin:register``).

hls4ml calls :func:`register` while ``hls4ml.backends`` is imported. It installs our HGQ2 layer handlers into
hls4ml's Keras-3 converter, our ``HGQQuantize`` layer and its C++ template into the Vivado and Vitis backends,
our passes as the flow ``hgq_hls4ml:exact`` inside their ``ip`` flows, the flow ``hgq_hls4ml:mark`` in front
of hls4ml's ``convert`` flow (it marks a graph from our handlers as ours before hls4ml's rewrites can replace every
node that says so), and a last step in their writer flows that gives our projects a faster, cached C-simulation
build script (:mod:`hgq_hls4ml.csim.build_script`). It never raises: if hgq2 is missing or ``HGQ_HLS4ML_DISABLE=1``
is set, it warns (once, for a missing dependency) and stays inactive.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from .errors import PluginInactiveError
from .status import STATUS, PluginStatus, plugin_status

__all__ = ['STATUS', 'PluginStatus', 'plugin_status', 'register']

DISABLE_ENV = 'HGQ_HLS4ML_DISABLE'
FLOW_NAME = 'hgq_hls4ml:exact'
#: Flow run before hls4ml's ``convert`` flow, whose rewrites may drop every node's ``hgq_source_layer`` tag.
MARK_FLOW_NAME = 'hgq_hls4ml:mark'
MARK_PASS = ('hgq_mark_graph', 'base.MarkGraph')
#: Graph rewrites appended to hls4ml's generic ``optimize`` flow (before backend layer initialisation).
STRUCTURE_PASSES = (
    ('hgq_stream_einsum', 'stream_einsum.StreamEinsum'),
    ('hgq_check_strategy', 'check_strategy.CheckStrategy'),
    ('hgq_hoist_quantizers', 'hoist_quantizers.HoistQuantizers'),
    ('hgq_fuse_quantizers', 'fuse_quantizers.FuseQuantizers'),
    ('hgq_exact_accumulators', 'exact_accumulators.UseExactAccumulators'),
)
#: Type passes of the flow ``hgq_hls4ml:exact``, run after the backend's streaming rewrites, in this order.
TYPE_PASSES = (
    ('hgq_input_precision', 'input_precision.InputPrecision'),
    ('hgq_unread_bits', 'unread_bits.DropUnreadBits'),
    ('hgq_exact_types', 'exact_types.ExactTypes'),
    ('hgq_materialize', 'materialize.Materialize'),
    ('hgq_user_precision', 'user_precision.UserPrecision'),
)
BACKENDS = ('Vivado', 'Vitis')
#: Our pass in place of hls4ml's ``bit_exact`` stage: nothing on HGQ2 graphs. Whatever ``bit_exact`` says (True,
#: False or None), the required passes of the flow ``hgq_hls4ml:exact`` give every result, accumulator and constant
#: its exact type, which is what hls4ml promises under ``bit_exact=True``; hls4ml's range analysis knows none of our
#: layer types.
BIT_EXACT_STAGE = 'hgq_bit_exact'
MIN_HGQ2 = (0, 2)


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
    from . import hls4ml_api
    from .handlers import HANDLERS
    from .handlers.unsupported import REFUSED_HGQ2_CLASSES, RefuseHandler

    refuse = RefuseHandler()
    hls4ml_api.install_handlers({**dict.fromkeys(REFUSED_HGQ2_CLASSES, refuse), **HANDLERS})
    return tuple(sorted(HANDLERS))


def _install_backend_parts() -> None:
    from importlib import import_module

    from . import hls4ml_api
    from .csim.build_script import PASS_NAME as BUILD_SCRIPT_PASS
    from .csim.build_script import CsimBuildScript
    from .graph import is_hgq_graph
    from .layers import LAYERS
    from .layers.codegen import HELPER_HEADER_PASS, WriteHelperHeader

    hls4ml_api.register_layer_types(layer_class for layer_class, *_ in LAYERS)
    hls4ml_api.register_passes(
        (name, getattr(import_module(f'hgq_hls4ml.passes.{module}'), cls)(name))
        for name, (module, cls) in ((n, p.rsplit('.', 1)) for n, p in (MARK_PASS, *STRUCTURE_PASSES, *TYPE_PASSES))
    )
    hls4ml_api.run_flow_before('convert', MARK_FLOW_NAME, [MARK_PASS[0]])
    hls4ml_api.add_to_flow('optimize', (name for name, _ in STRUCTURE_PASSES))
    hls4ml_api.insert_flow_after(BACKENDS, FLOW_NAME, (name for name, _ in TYPE_PASSES), after='streaming')
    hls4ml_api.register_templates(BACKENDS, (template for _, *templates in LAYERS for template in templates))
    hls4ml_api.own_convert_stage('bit_exact', BIT_EXACT_STAGE, claims=is_hgq_graph)
    hls4ml_api.register_passes([(HELPER_HEADER_PASS, WriteHelperHeader()), (BUILD_SCRIPT_PASS, CsimBuildScript())])
    hls4ml_api.add_to_writer_flows(BACKENDS, [HELPER_HEADER_PASS, BUILD_SCRIPT_PASS])


def _guard_hgq2_classes(reason: str) -> None:
    """After a failed registration, make converting an HGQ2 model fail loudly instead of falling back to
    upstream's paths; if even that is impossible, the import-time warning is all there is."""

    def refuse(layer, *_args):
        raise PluginInactiveError(f'layer {layer.name!r} ({type(layer).__name__}): {reason}')

    try:
        from . import hls4ml_api
        from .handlers import HANDLERS
        from .handlers.unsupported import hgq2_layer_classes

        hls4ml_api.install_handlers(dict.fromkeys(hgq2_layer_classes(HANDLERS), refuse))
    except Exception:  # hls4ml's converter itself is unusable; the warning says why
        pass


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
        STATUS.reason = (
            f'registration failed: {type(exc).__name__}: {exc}. HGQ2 models cannot be converted bit-exactly until '
            f'this is fixed (check that this hls4ml version is supported, see the README); set {DISABLE_ENV}=1 to '
            "use upstream hls4ml's own, not bit-exact, HGQ2 support instead"
        )
        warnings.warn(f'hgq_hls4ml plugin inactive: {STATUS.reason}', stacklevel=2)
        _guard_hgq2_classes(f'the hgq_hls4ml plugin is installed but inactive: {STATUS.reason}')
        return
    STATUS.active, STATUS.reason = True, 'active'
