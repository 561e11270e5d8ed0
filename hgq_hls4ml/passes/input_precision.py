"""Pass ``hgq_input_precision``: the input port type.

Where the first quantizer was folded into the input (``hgq_fuse_quantizers``) the port *is* the quantized type.
Otherwise, by default, the port is the narrowest type through which every quantizer element reading the input sees
every float32 input as Keras does (:func:`hgq_hls4ml.precision.port.narrowest_port`, the rule per mode in
:mod:`hgq_hls4ml.precision.port`). A port type given in the configuration (hls4ml's ``LayerName: {input:
{Precision: ...}}``; ``hgq_hls4ml.convert(..., input_precision=...)``, ``--input-precision``) is the detector's
format and is kept; what it means is checked (:func:`hgq_hls4ml.analysis.port.port_report`):

* exact: nothing is said;
* it drops fractional bits a quantizer keeps: :class:`~hgq_hls4ml.errors.InputPrecisionError`, before any file is
  written, with the smallest formats that work (a quantizer whose lowest bits are never set is not the trained
  model on any data);
* otherwise (a narrower range than a quantizer's, or rounding that decides float inputs off the port's grid
  before the quantizer does): :class:`~hgq_hls4ml.errors.InputPortWarning` naming the elements and inputs. Inputs
  already in the port's format reach the quantizers exactly, and ``verify`` counts the outputs that differ on
  float data because of the port.

Every report is kept on the model (:data:`~hgq_hls4ml.analysis.port.PORT_REPORTS`) for ``verify``.
"""

from __future__ import annotations

import warnings

from hls4ml.model.layers import Input
from hls4ml.model.types import FixedPrecisionType

from ..analysis.port import PORT_REPORTS, all_readers, port_report, user_port
from ..errors import InputPortWarning, InputPrecisionError
from ..graph import fused_quantizer
from ..precision.fixed import FixedType
from ..precision.port import narrowest_port, never_overflows
from .base import HGQModelPass


def set_port_type(node: Input, t: FixedType) -> None:
    var = node.get_output_variable()
    var.type.precision = FixedPrecisionType(t.width, t.integer, t.signed, t.rounding, t.overflow)


def default_port(node: Input) -> FixedType:
    """The narrowest exact port; a warning if that takes every float32 (no finite port is exact otherwise)."""
    t = narrowest_port(all_readers(node))
    if never_overflows(t):
        warnings.warn(
            f'input {node.name!r}: its quantizers (WRAP_SM, or wrapping and saturating ones together) read every '
            f'input exactly only through a port holding every float32, {t.cpp()}; give the format the detector '
            "delivers (input_precision='ap_fixed<W,I>' or hls_config['LayerName'][input]['Precision']) for a "
            'narrower port',
            InputPortWarning,
            stacklevel=2,
        )
    return t


class InputPrecision(HGQModelPass):
    def run(self, model) -> None:
        reports = {}
        for node in [n for n in model.graph.values() if isinstance(n, Input)]:
            fused = fused_quantizer(node)
            given = user_port(node)
            if fused is not None:
                k, i, f, rnd, ovf = fused
                t = FixedType(bool(k), k + i + f, k + i, rnd, ovf)
            elif given is None:
                t = default_port(node)
            else:
                report = reports[node.name] = port_report(node, given)
                if report.unusable:
                    raise InputPrecisionError(report.error_text())
                if not report.exact:
                    warnings.warn(report.warning_text(), InputPortWarning, stacklevel=2)
                t = given
            set_port_type(node, t)
        setattr(model, PORT_REPORTS, reports)
