"""``Merge``: element-wise add, subtract, multiply, maximum and minimum of two tensors of one shape."""

from __future__ import annotations

from hls4ml.model.layers import Merge

from ...errors import UnsupportedLayerError
from ...precision import interval as iv
from ..counts import op_width, requant_luts, variable_counts
from ..traits import Declarations, Floor, LayerTraits

_OPS = {
    'add': iv.add,
    'subtract': lambda x, y: iv.add(x, iv.negate(y)),
    'multiply': iv.multiply,
    'maximum': iv.maximum,
    'minimum': iv.minimum,
}


def _range(node, inputs):
    op = node.get_attr('op')
    if op not in _OPS or inputs[0].shape != inputs[1].shape:
        raise UnsupportedLayerError([(node.name, node.class_name, f'no exact range rule for merge {op!r}')])
    return _OPS[op](*inputs)


def _counts(node, inputs, out):
    op = node.get_attr('op')
    a, b = (x.ravel() for x in inputs)
    if op == 'multiply':
        return variable_counts(node, 'i,i->i', a, b, out)
    if op in ('add', 'subtract', 'average', 'maximum', 'minimum'):
        return {'luts': ((a > 0) & (b > 0)).sum() * op_width(node) + requant_luts(node, out.size)}
    return {'modelled': False}


TRAITS: Declarations = {Merge: LayerTraits(range=_range, floor=Floor.CAST, counts=_counts)}
