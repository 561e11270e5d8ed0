"""Pass ``hgq_user_precision``: a result type the user wrote per layer (``hls_config['LayerName'][name]['Precision']``,
a type or ``{'result': type}``) meets the exact type the plugin gave the layer.

Every result type of our graph is the exact one (the narrowest holding every value the quantizers let through).
A given type that cannot hold those values would break exactness: refused, like an input port too narrow for the
quantizers reading it, with one :class:`~hgq_hls4ml.errors.LayerPrecisionError` listing every such layer before
any file is written. A given type that holds them but differs (wider) is replaced by the exact type, with one
:class:`~hgq_hls4ml.errors.PrecisionWarning` naming each layer, both types and why. Input layers are the input
port's business (``hgq_input_precision``).
"""

from __future__ import annotations

import warnings

from hls4ml.model.layers import Input

from ..errors import ConfigError, LayerPrecisionError, PrecisionWarning
from ..precision.fixed import FixedType, from_precision
from ..precision.port import parse_port_type
from .base import HGQModelPass


def given_result_type(precision) -> str | None:
    """The result type a per-layer ``Precision`` entry names, if any (``'auto'`` names none)."""
    text = precision.get('result') if isinstance(precision, dict) else precision
    return None if text is None or str(text).strip().lower() == 'auto' else str(text)


def holds(given: FixedType, exact: FixedType) -> bool:
    """Whether every value of ``exact`` is a value of ``given``."""
    return (
        given.fractional >= exact.fractional
        and given.min_value <= exact.min_value
        and given.max_value >= exact.max_value
    )


def _spell(t: FixedType) -> str:
    return t.cpp().removeprefix('ap_')


def _span(t: FixedType) -> str:
    return f'[{t.min_value:g}, {t.max_value:g}] in steps of 2^-{t.fractional}'


class UserPrecision(HGQModelPass):
    def run(self, model) -> None:
        refused, replaced = [], []
        for node in model.graph.values():
            text = given_result_type(model.config.get_layer_config(node).get('Precision'))
            if text is None or isinstance(node, Input):
                continue
            exact = from_precision(node.get_output_variable().type.precision)
            try:
                given = parse_port_type(text)
            except ConfigError:
                refused.append(
                    f'  - {node.name}: result {text!r} is not a fixed-point type; the exact type is {_spell(exact)}'
                )
                continue
            if not holds(given, exact):
                refused.append(
                    f"  - {node.name}: result {_spell(given)} holds {_span(given)}, but the layer's exact type "
                    f'{_spell(exact)} holds {_span(exact)}'
                )
            elif given.with_modes() != exact.with_modes():
                replaced.append(f'{node.name}: {_spell(given)} -> {_spell(exact)}')
        if refused:
            raise LayerPrecisionError(
                f"{len(refused)} per-layer Precision type(s) in hls_config cannot hold the layer's exact results "
                '(firmware equal to Keras needs every value the quantizers let through):\n'
                + '\n'.join(refused)
                + '\nRemove these Precision entries (the exact types are used), or give types at least that wide.'
            )
        if replaced:
            warnings.warn(
                'per-layer Precision in hls_config replaced by the exact type, which holds every value of the layer '
                f'in fewer bits (a wider type only costs resources): {"; ".join(replaced)}',
                PrecisionWarning,
                stacklevel=2,
            )
