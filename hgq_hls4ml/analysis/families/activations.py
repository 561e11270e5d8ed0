"""``Activation`` (linear, ReLU) and ``ParametrizedActivation`` (ThresholdedReLU at 0): the exact ones."""

from __future__ import annotations

from hls4ml.model.layers import Activation, ParametrizedActivation

from ...errors import UnsupportedLayerError
from ...precision import interval as iv
from ..counts import requant_luts, result_width
from ..traits import Declarations, Floor, LayerTraits

#: Keras activations with an exact fixed-point form when applied to an exact value (the range rules below).
EXACT_ACTIVATIONS = ('linear', 'relu')
#: Activations that map the fixed-point grid to itself monotonically and keep 0: every exact one.
FLOOR_COMMUTING = EXACT_ACTIVATIONS


def _activation_range(node, inputs):
    act = node.get_attr('activation').lower()
    if act == 'linear':
        return inputs[0]
    if act == 'relu':
        return iv.relu(inputs[0])
    raise UnsupportedLayerError([(node.name, node.class_name, f'activation {act!r} has no exact fixed-point form')])


def _parametrized_range(node, inputs):
    act, theta = node.get_attr('activation').lower(), float(node.get_attr('activ_param'))
    if act != 'thresholdedrelu' or theta != 0.0:
        raise UnsupportedLayerError([(node.name, node.class_name, f'{act}({theta}) has no exact fixed-point form')])
    return iv.relu(inputs[0])


def _floor(node) -> Floor:
    return Floor.CAST_COMMUTES if node.get_attr('activation').lower() in FLOOR_COMMUTING else Floor.OPAQUE


def _counts(node, inputs, out):
    act = node.get_attr('activation').lower()
    if act == 'linear':
        return {}
    if act == 'relu' or (act == 'thresholdedrelu' and float(node.get_attr('activ_param')) == 0.0):
        live = (inputs[0] > 0).sum()
        return {'luts': live * result_width(node) + requant_luts(node, out.size)}
    return {'modelled': False}


TRAITS: Declarations = {
    Activation: LayerTraits(range=_activation_range, floor=_floor, counts=_counts, fuses_quantizer=True),
    ParametrizedActivation: LayerTraits(
        range=_parametrized_range,
        floor=_floor,
        counts=_counts,
        fuses_quantizer=True,
        constants=lambda node: {'param': float(node.get_attr('activ_param'))},  # e.g. ThresholdedReLU's threshold
    ),
}
