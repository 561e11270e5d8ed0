"""``HGQSoftmax``: HGQ2's table-based softmax (exponent table, inverse table, optional static mask)."""

from __future__ import annotations

import numpy as np

from ...errors import UnsupportedLayerError
from ...layers.softmax import HGQSoftmax, kept
from ...layers.unary_lut import build_tables
from ...precision import interval as iv
from ...precision.fixed import NO_BITS
from ..traits import Declarations, LayerTraits
from .tables import part_range


def input_indexed_tables(node: HGQSoftmax, deferred: dict, x: iv.QInterval) -> dict:
    """Tables of the element-wise function ``deferred['function']`` (a Keras table layer's) indexed by the raw bits
    of its input's exact (proven) type, of at most ``deferred['max_bits']`` bits (the limit in force when the model
    was converted)."""
    t, limit = x.union_type(), deferred['max_bits']
    if t.width > limit:
        reason = (
            f'its exponent table reads a {t.width}-bit input (limit {limit} bits); '
            'quantize its input to fewer bits, use stable=True, or raise max_table_bits'
        )
        raise UnsupportedLayerError([(node.name, node.class_name, reason)])
    kif = tuple(np.full(x.shape, v) for v in t.kif)
    tables, ids = build_tables(deferred['function'], kif)
    return {'kif': kif, 'round_mode': 'TRN', 'overflow_mode': 'WRAP', 'tables': tables, 'table_id': ids}


def exponent_part(node: HGQSoftmax, x: iv.QInterval) -> dict:
    """The exponent table part: as converted, or (``stable=False``) tabulated over the input's proven type."""
    exp = node.get_attr('exp')
    return input_indexed_tables(node, exp['deferred'], x) if 'deferred' in exp else exp


def _range(node: HGQSoftmax, inputs):
    e, v = part_range(exponent_part(node, inputs[0])), part_range(node.get_attr('inv'))
    y = iv.multiply(e, iv.QInterval(*(np.broadcast_to(a, e.shape) for a in (v.lo, v.hi, v.f))))
    keep = kept(node.get_attr('mask'), e.shape)
    return iv.QInterval(np.where(keep, y.lo, 0.0), np.where(keep, y.hi, 0.0), np.where(keep, y.f, NO_BITS))


TRAITS: Declarations = {
    HGQSoftmax: LayerTraits(range=_range, materialize=lambda node, x: {'exp': exponent_part(node, x)}),
}
