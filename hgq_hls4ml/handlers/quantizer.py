"""HGQ2 quantizers -> ``HGQQuantize`` layer configs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..precision.fixed import normalize_overflow_mode, normalize_round_mode, wrap_sm_mismatch
from .base import Handler, NodeConfig, node_config, static_shape, to_numpy

if TYPE_CHECKING:
    import keras
    from hgq.quantizer import Quantizer


def exact_affine(affine: tuple[float, float] | None) -> bool:
    """``x * scale + shift`` is exact on fixed-point values: a power-of-two scale, a float32 shift."""
    if affine is None:
        return False
    scale, shift = (float(v) for v in affine)
    return scale > 0 and np.log2(scale).is_integer() and float(np.float32(shift)) == shift


def quantizer_problems(q: Quantizer, what: str, allow_affine: bool = False) -> list[str]:
    """Reasons a quantizer has no exact firmware form (``allow_affine``: the caller applies an exact affine map)."""
    q_type = q.config.q_type
    if q_type not in ('kif', 'kbi'):
        return [f'{what} is a {q_type!r} quantizer; only fixed-point (kif/kbi) quantizers map to ap_fixed']
    found = []
    if q.scaler is not None:
        found.append(f'{what} uses scaler={q.scaler!r}, which has no fixed-point firmware form')
    if q.affine is not None and not (allow_affine and exact_affine(q.affine)):
        found.append(f'{what} uses affine={q.affine!r}, which has no fixed-point firmware form')
    qi = q.quantizer
    if normalize_overflow_mode(qi.overflow_mode) == 'WRAP_SM':
        k, i, f = (np.rint(to_numpy(a)) for a in qi.kif)
        bad = wrap_sm_mismatch(*np.broadcast_arrays(k, i, f), qi.round_mode)
        if bad.any():
            found.append(
                f'{what}: WRAP_SM on {int(bad.sum())} unsigned or 1-bit RND_CONV element(s); ap_ufixed has no '
                'AP_WRAP_SM and 1-bit AP_RND_CONV wraps ties differently (use a signed quantizer, or WRAP/SAT)'
            )
    return found


def quantizer_kif(q: Quantizer, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-element integer ``(k, i, f)`` of a built quantizer for a tensor of ``shape`` (no batch axis)."""
    qi = q.quantizer
    out = []
    for a in qi.kif:
        full = qi.bw_mapper.bw_to_x(a, (1, *shape))
        out.append(np.rint(to_numpy(full)).astype(np.int64).reshape(shape))
    k, i, f = out
    dead = (k + i + f) <= 0
    return np.where(dead, 0, k), np.where(dead, 0, i), np.where(dead, 0, f)


def quantize_attrs(q: Quantizer, shape: tuple[int, ...]) -> dict:
    """The attributes of an ``HGQQuantize`` node applying ``q`` to a tensor of ``shape``."""
    return dict(
        kif=quantizer_kif(q, shape),
        round_mode=normalize_round_mode(q.quantizer.round_mode),
        overflow_mode=normalize_overflow_mode(q.quantizer.overflow_mode),
    )


def quantize_config(q: Quantizer, shape: tuple[int, ...], name: str, src: str, dst: str) -> NodeConfig:
    """An ``HGQQuantize`` config reading Keras tensor ``src`` and producing ``dst``."""
    return node_config(name, 'HGQQuantize', [src], [dst], **quantize_attrs(q, shape))


def multi_input_problems(layer: keras.Layer) -> list[str]:
    """Quantizer problems of a multi-input HGQ2 layer (one input quantizer per operand, optional output one)."""
    found = []
    if layer.enable_iq:
        for j, q in enumerate(layer.iq):
            found += quantizer_problems(q, f'the quantizer of input {j}')
    if layer.enable_oq:
        found += quantizer_problems(layer.oq, 'the output quantizer')
    return found


def quantize_inputs(
    layer: keras.Layer, shapes: Sequence[tuple[int, ...]], srcs: Sequence[str]
) -> tuple[list[NodeConfig], list[str]]:
    """``HGQQuantize`` configs for each operand's input quantizer, and the tensors to read afterwards."""
    if not layer.enable_iq:
        return [], list(srcs)
    confs = [
        quantize_config(q, shape, f'{layer.name}_iq{j}', src, f'{src}@{layer.name}_iq{j}')
        for j, (q, shape, src) in enumerate(zip(layer.iq, shapes, srcs))
    ]
    return confs, [c['output_keras_tensor_names'][0] for c in confs]


class QuantizerHandler(Handler):
    """A standalone ``hgq.quantizer.Quantizer`` layer."""

    handles = ('hgq.quantizer.quantizer.Quantizer',)

    def problems(self, layer: keras.Layer) -> list[str]:
        return quantizer_problems(layer, 'the quantizer')

    def convert(
        self, layer: Quantizer, in_tensors: Sequence[keras.KerasTensor], out_tensors: Sequence[keras.KerasTensor]
    ) -> list[NodeConfig]:
        shape = static_shape(in_tensors[0], layer)
        return [quantize_config(layer, shape, layer.name, in_tensors[0].name, out_tensors[0].name)]
