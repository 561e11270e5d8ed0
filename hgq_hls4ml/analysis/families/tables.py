"""Lookup tables: ``HGQUnaryLUT`` (one table per element) and ``HGQTableSum`` (sums of tables)."""

from __future__ import annotations

import numpy as np

from ...layers.activation_table import LUT_INPUTS
from ...layers.table import HGQTableSum
from ...layers.unary_lut import HGQUnaryLUT, is_constant, table_range, table_type
from ...precision import interval as iv
from ...precision.fixed import NO_BITS, frac_bits
from ..counts import mode_count, op_width
from ..traits import Declarations, LayerTraits, elementwise_sources
from .quantizers import ranged_widths


def part_range(part: dict) -> iv.QInterval:
    """Per element: the extremes and the grid of the table it reads."""
    return table_range(part['tables'], part['table_id'])


def _lut_counts(node: HGQUnaryLUT, inputs, out):
    k, i, f = (np.asarray(x).reshape(out.shape) for x in node.kif)
    a = np.maximum(k + i + f, 0)
    varying = ~np.array([is_constant(t) for t in node.tables])[np.asarray(node.table_id).reshape(out.shape)]
    tables = out * 2 ** np.maximum(a - LUT_INPUTS, 0)
    cast = a * mode_count(node.get_attr('round_mode'), node.get_attr('overflow_mode'))
    return {'luts': ((tables + cast) * varying).sum()}


def _sum_range(node: HGQTableSum, inputs):
    varying, terms = node.varying(), table_range(node.tables, node.table_id)
    constant = node.constant_part()
    return iv.QInterval(
        constant + np.where(varying, terms.lo, 0.0).sum(axis=1),
        constant + np.where(varying, terms.hi, 0.0).sum(axis=1),
        np.maximum(np.max(np.where(varying, terms.f, NO_BITS), axis=1, initial=NO_BITS), frac_bits(constant)),
    ).reshape(tuple(node.get_output_variable().shape))


def _sum_counts(node: HGQTableSum, inputs, out):
    k, i, f = node.kif
    a = np.maximum(k + i + f, 0)
    varying = node.varying()
    width = np.array([table_type(t).width for t in node.tables])[node.table_id]
    cast = a * mode_count(node.get_attr('round_mode'), node.get_attr('overflow_mode'))
    terms = varying.sum(axis=1) + (node.constant_part() != 0)
    adders = np.maximum(terms - 1, 0) * op_width(node).ravel()
    return {'luts': ((width * 2 ** np.maximum(a - LUT_INPUTS, 0) + cast) * varying).sum() + adders.sum()}


TRAITS: Declarations = {
    HGQUnaryLUT: LayerTraits(
        range=lambda node, inputs: part_range(node.attributes),
        counts=_lut_counts,
        widths=ranged_widths,
        quantizer_sources=elementwise_sources,
    ),
    HGQTableSum: LayerTraits(
        range=_sum_range,
        counts=_sum_counts,
        widths=ranged_widths,
        exact_accumulators=True,
        quantizer_sources=lambda node: np.asarray(node.source).ravel(),  # each term reads the element it names
    ),
}
