"""Each layer family: quantize maps it to the expected HGQ2 layers, stays within quantization error of the float
model (tight at 16 bits), and converts bit-exactly."""

from __future__ import annotations

import numpy as np
import pytest

from hgq_hls4ml import quantize
from tests.conversion.models import assert_bit_exact

from .float_models import BUILDERS, EXPECTED_CLASSES, SLOW, float_model


@pytest.mark.parametrize('name', [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in BUILDERS])
def test_family_maps_to_hgq2_within_quantization_error(name):
    model, x = float_model(name)
    ref = model.predict(x, verbose=0)
    scale = float(np.abs(ref).max())
    q8 = quantize(model, x)
    assert sorted(type(lay).__name__ for lay in q8.layers) == sorted(EXPECTED_CLASSES[name])
    report = q8.quantize_report
    assert report.max_abs_error == pytest.approx(float(np.abs(q8.predict(x, verbose=0) - ref).max()))
    assert report.max_abs_error <= 0.1 * scale
    assert report.agreement is None or report.agreement >= 0.85
    q16 = quantize(model, x, weight_bits=16, activation_bits=16)
    assert q16.quantize_report.max_abs_error <= 1e-3 * scale


#: Converted by default (a Dense with a folded batch normalization, the fastest to compile); the others are slow.
DEFAULT_BIT_EXACT = 'dense_bn'


@pytest.mark.parametrize(
    'name', [n if n == DEFAULT_BIT_EXACT else pytest.param(n, marks=pytest.mark.slow) for n in BUILDERS]
)
def test_quantized_family_converts_bit_exact(name, tmp_path):
    model, x = float_model(name)
    first = [a[:40] for a in x] if isinstance(x, list) else x[:40]
    assert_bit_exact(quantize(model, x), first, tmp_path / 'prj')
