"""``HGQQuantize``: an hls4ml layer applying an HGQ2 quantizer element by element.

Each element is cast through its own ``ap_fixed`` type (which carries HGQ2's rounding and overflow) and stored in
the layer's output type, which holds every element exactly. The C++ is generated per layer into
``nnet_code_gen.h``; io_parallel casts every element, io_stream casts each packet according to its pixel.
"""

from __future__ import annotations

import numpy as np

from ..graph import input_type
from ..precision.fixed import FixedType, element_type, rounding_safe_source, wrap_sm_mismatch
from .codegen import QUANTIZE_TO, QUANTIZE_VIA, ElementwiseLayer, GeneratedFunctionTemplate, element_source


class HGQQuantize(ElementwiseLayer):
    """Quantize each element with its own (k, i, f); rounding/overflow modes are per layer."""

    @property
    def homogeneous(self) -> bool:
        return all(np.unique(a).size == 1 for a in self.kif)


def cast_types(
    k: int, i: int, f: int, round_mode: str, overflow_mode: str, src_type: FixedType | None = None
) -> tuple[FixedType, FixedType | None] | None:
    """The element's ``ap_fixed`` type and the widened source type to cast through first (if ``src_type`` needs
    one), or ``None`` for an element with no bits (constant zero)."""
    if overflow_mode == 'WRAP_SM' and wrap_sm_mismatch(k, i, f, round_mode):
        # the handlers refuse such quantizers first; never emit a silent mismatch
        raise ValueError(f'WRAP_SM element (k={k}, i={i}, f={f}, {round_mode}) has no exact ap_fixed cast')
    t = element_type(k, i, f, round_mode, overflow_mode)
    if t is None:
        return None
    return t, None if src_type is None else rounding_safe_source(src_type, t)


def element_cast(
    k: int, i: int, f: int, round_mode: str, overflow_mode: str, src: str, src_type: FixedType | None = None
) -> str:
    """C++ expression quantizing ``src`` (of type ``src_type``, if known) like HGQ2 does (``0`` for no bits)."""
    types = cast_types(k, i, f, round_mode, overflow_mode, src_type)
    if types is None:
        return '0'
    t, wide = types
    return f'{t.cpp()}({src})' if wide is None else f'{t.cpp()}({wide.cpp()}({src}))'


def element_statement(
    k: int, i: int, f: int, round_mode: str, overflow_mode: str, src: str, dst: str, src_type: FixedType | None = None
) -> str:
    """C++ statement storing ``src`` quantized like HGQ2 does in ``dst``: :func:`element_cast`'s cast, through the
    helper that is out of line in the C simulation (:data:`~.codegen.QUANTIZE_TO`)."""
    types = cast_types(k, i, f, round_mode, overflow_mode, src_type)
    if types is None:
        return f'{dst} = 0;'
    t, wide = types
    if wide is None:
        return f'{QUANTIZE_TO}<{t.cpp()}>({src}, {dst});'
    return f'{QUANTIZE_VIA}<{t.cpp()}, {wide.cpp()}>({src}, {dst});'


def _element_kifs(node: HGQQuantize) -> list[tuple[int, int, int]]:
    k, i, f = (np.asarray(a).ravel() for a in node.kif)
    return list(zip(k.tolist(), i.tolist(), f.tolist()))


class HGQQuantizeFunctionTemplate(GeneratedFunctionTemplate):
    """Casts every element through its own type."""

    layer_class = HGQQuantize
    prefix = 'hgq_quantize'

    def source(self, node: HGQQuantize, fn_name: str) -> str:
        rnd, ovf = node.attributes['round_mode'], node.attributes['overflow_mode']

        src_type = input_type(node)

        def stmt(kif, src: str, dst: str) -> str:
            return element_statement(*kif, rnd, ovf, src, dst, src_type)

        return element_source(node, fn_name, _element_kifs(node), stmt)
