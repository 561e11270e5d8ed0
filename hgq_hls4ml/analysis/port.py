"""The model's input ports: which quantizer elements read each, the port type the user gave (if any), and what a
port type does to those elements (:mod:`hgq_hls4ml.precision.port` decides it per element)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from hls4ml.model.layers import Input, Layer, Reshape, Transpose

from ..errors import UnsupportedLayerError
from ..graph import output_nodes
from ..layers import HGQBroadcast
from ..precision.fixed import FixedType
from ..precision.port import PortCheck, Reader, check_port, narrowest_port, parse_port_type
from .families import declared

#: Layers that move values unchanged: the quantizers reading through them read the input's values.
SHAPE_ONLY = (Reshape, Transpose, HGQBroadcast)
#: ModelGraph attribute: the :class:`PortReport` of each input whose port type the user gave, by input name.
PORT_REPORTS = '_hgq_port_reports'


def reading_quantizers(node: Layer) -> list[Layer]:
    """Quantizing layers (``LayerTraits.quantizer_sources``) that read ``node``'s output, directly or through
    shape-only layers."""
    found = []
    for n in output_nodes(node):
        if declared(n).quantizer_sources is not None:
            found.append(n)
        elif isinstance(n, SHAPE_ONLY) or n.class_name in ('Repack', 'Clone'):
            found += reading_quantizers(n)
        else:
            raise UnsupportedLayerError(
                [(n.name, n.class_name, f'reads model input {node.name!r} without an input quantizer')]
            )
    return found


def element_readers(q: Layer) -> dict[Reader, list[int]]:
    """The distinct element quantizers of the quantizing layer ``q``, each with the flat indices of the elements of
    ``q``'s input it reads (a table sum's terms read the input elements named by its ``source``)."""
    k, i, f = (np.asarray(a).ravel() for a in q.kif)
    index = declared(q).quantizer_sources(q)
    rnd, ovf = q.get_attr('round_mode'), q.get_attr('overflow_mode')
    found: dict[Reader, set[int]] = defaultdict(set)
    for kk, ii, ff, j in zip(k.tolist(), i.tolist(), f.tolist(), index.tolist()):
        if j >= 0:
            found[Reader.of(kk, ii, ff, rnd, ovf)].add(j)
    return {r: sorted(js) for r, js in found.items()}


def user_port(node: Input) -> FixedType | None:
    """The port type the configuration gives the input (hls4ml's ``LayerName: {input: {Precision: ...}}``, or
    ``{'result': ...}``); ``None`` when it is absent or ``auto``."""
    precision = node.model.config.get_layer_config(node).get('Precision')
    if isinstance(precision, dict):
        precision = precision.get('result', precision.get('default'))
    if precision is None or str(precision).strip().lower() == 'auto':
        return None
    return parse_port_type(precision)


@dataclass(frozen=True)
class ElementIssue:
    """Elements of one quantizing layer (one rounding and overflow mode) that a port feeds alike, not exactly."""

    layer: str
    indices: tuple[int, ...]
    readers: tuple[Reader, ...]
    check: PortCheck

    @property
    def max_f(self) -> int:
        return max(r.f for r in self.readers)

    def describe(self, port: FixedType) -> str:
        r = self.readers[0]
        where = []
        if self.check.resolution:
            where.append(
                f'the port keeps {port.fractional} fractional bits, these quantizer elements up to {self.max_f}: '
                'their lowest bits would never be set'
            )
        elif self.check.rounding:
            where.append(
                f"float inputs off the port's 2**-{port.fractional} grid: the port's {port.rounding} rounding "
                f"decides some of them before the quantizer's {r.rounding} does"
            )
        beyond = [f'above {port.max_value:g}'] * self.check.above + [f'below {port.min_value:g}'] * self.check.below
        if beyond:
            where.append(f'inputs {" or ".join(beyond)} (the port {_overflow_verb(port)})')
        what = f'{r.rounding}, {r.overflow}, f up to {self.max_f}'
        return f'{self.layer} elements {format_indices(self.indices)} ({what}): ' + '; '.join(where)


def _overflow_verb(port: FixedType) -> str:
    return {'WRAP': 'wraps them', 'SAT_ZERO': 'sets them to 0'}.get(port.overflow, 'saturates them')


def format_indices(indices: tuple[int, ...], limit: int = 8) -> str:
    """``0-3, 7, 9`` (runs joined), at most ``limit`` runs, then ``... (N in all)``."""
    runs: list[list[int]] = []
    for j in indices:
        if runs and j == runs[-1][1] + 1:
            runs[-1][1] = j
        else:
            runs.append([j, j])
    text = ', '.join(str(a) if a == b else f'{a}-{b}' for a, b in runs[:limit])
    return text + (f', ... ({len(indices)} in all)' if len(runs) > limit else '')


@dataclass(frozen=True)
class PortReport:
    """What a given port type means for the quantizers reading one model input."""

    input: str
    port: FixedType
    #: The narrowest port type feeding every element exactly.
    narrowest: FixedType
    issues: tuple[ElementIssue, ...]

    @property
    def exact(self) -> bool:
        return not self.issues

    @property
    def unusable(self) -> tuple[ElementIssue, ...]:
        """Issues that make the port unable to feed the model: quantizer bits it never delivers."""
        return tuple(issue for issue in self.issues if issue.check.resolution)

    def smallest_usable(self) -> FixedType:
        """The port with the given integer bits, sign and modes, and as many fractional bits as any quantizer
        keeps."""
        fractional = max([self.port.fractional, *(issue.max_f for issue in self.unusable)])
        p = self.port
        return FixedType(p.signed, p.integer + fractional, p.integer, p.rounding, p.overflow)

    def describe(self) -> str:
        lines = [f'  - {issue.describe(self.port)}' for issue in self.issues]
        return '\n'.join(lines)

    def warning_text(self) -> str:
        return (
            f'input {self.input!r}: port type {self.port.cpp()} (given) makes the firmware differ from Keras on '
            f'float inputs for {sum(len(i.indices) for i in self.issues)} quantizer element(s):\n{self.describe()}\n'
            'Inputs already in the port format (on its grid, in its range) reach the quantizers exactly; '
            f'the narrowest port exact on every float32 input is {self.narrowest.cpp()}.'
        )

    def error_text(self) -> str:
        lines = '\n'.join(f'  - {issue.describe(self.port)}' for issue in self.unusable)
        return (
            f'input {self.input!r}: port type {self.port.cpp()} cannot feed the model: it has fewer fractional '
            f'bits than quantizers reading it keep:\n{lines}\n'
            f'Smallest format that works with these integer bits and modes: {self.smallest_usable().cpp()}; '
            f'narrowest exact on every float32 input: {self.narrowest.cpp()}.'
        )


def input_readers(node: Input) -> list[tuple[str, dict[Reader, list[int]]]]:
    """Per quantizing layer reading the input: its name (its Keras layer's, else the node's) and its element
    readers. Two nodes of one Keras layer (e.g. attention projections sharing an input) are listed apart."""
    return [(q.get_attr('hgq_source_layer') or q.name, element_readers(q)) for q in reading_quantizers(node)]


def all_readers(node: Input) -> list[Reader]:
    """Every element quantizer reading the input."""
    return [r for _, classes in input_readers(node) for r in classes]


def port_report(node: Input, port: FixedType) -> PortReport:
    """What ``port`` does to every quantizer element reading ``node``."""
    groups: dict[tuple, tuple[list[Reader], set[int]]] = {}
    for layer, classes in input_readers(node):
        for r, indices in classes.items():
            check = check_port(port, r)
            if not check.exact:
                found, where = groups.setdefault((layer, check, r.rounding, r.overflow), ([], set()))
                found.append(r)
                where.update(indices)
    issues = [
        ElementIssue(layer, tuple(sorted(where)), tuple(found), check)
        for (layer, check, _, _), (found, where) in groups.items()
    ]
    narrowest = narrowest_port(all_readers(node))
    return PortReport(node.name, port, narrowest, tuple(issues))
