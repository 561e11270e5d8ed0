"""The calls HGQ2 users already make work through the plugin, bit-exactly: every ``bit_exact`` value, hls4ml's
default backend, and hls4ml's own HGQ2 harness call."""

import filecmp
import warnings
from pathlib import Path

import hls4ml
import numpy as np
import pytest

from hgq_hls4ml.errors import Float32Warning

from .models import Case, assert_bit_exact, build, inputs
from .test_layer_families import CASES as FAMILY_CASES

BIT_EXACT_VALUES = (True, False, None)


def _firmware_differences(a: Path, b: Path) -> list[str]:
    """Files of the two generated ``firmware/`` trees that differ or exist on one side only."""
    found = []
    stack = [filecmp.dircmp(a / 'firmware', b / 'firmware')]
    while stack:
        cmp = stack.pop()
        found += cmp.left_only + cmp.right_only
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found += mismatch + errors
        stack += cmp.subdirs.values()
    return found


def _convert(model, output_dir: Path, io_type: str, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        return hls4ml.converters.convert_from_keras_model(
            model, output_dir=str(output_dir), backend='Vitis', io_type=io_type, **kwargs
        )


#: Families whose firmware comparison runs by default (the others with ``-m slow``): one of each kind of layer of ours.
DEFAULT_FAMILIES = ('conv3d', 'gru_seq', 'table_mlp', 'softmax_hetero', 'merge_mlp', 'reduce_axes', 'einsum2')


def _families():
    seen = {}
    for case, io_type in FAMILY_CASES:
        seen.setdefault(case.arch, (case, io_type))
    return [
        pytest.param(p, marks=() if arch in DEFAULT_FAMILIES else pytest.mark.slow, id=f'{arch}-{p[1]}')
        for arch, p in seen.items()
    ]


@pytest.mark.parametrize('param', _families())
def test_bit_exact_setting_gives_the_same_firmware(param, tmp_path):
    """``bit_exact=True/False/None`` all convert, to the same firmware, on every layer family; the csim of that
    firmware equals Keras (``test_layer_families`` checks it, and :func:`test_harness_call_is_bit_exact` here)."""
    case, io_type = param
    model = build(case)
    dirs = []
    for value in BIT_EXACT_VALUES:
        out = tmp_path / str(value) / 'prj'
        _convert(model, out, io_type, bit_exact=value).write()
        dirs.append(out)
    for other in dirs[1:]:
        assert _firmware_differences(dirs[0], other) == [], f'bit_exact changes the firmware of {case.name}'


@pytest.mark.parametrize('io_type', ['io_parallel', 'io_stream'])
def test_harness_call_is_bit_exact(io_type, tmp_path):
    """HGQ2's own test harness: ``convert_from_keras_model(..., backend='Vitis', io_type=..., bit_exact=True)``."""
    model = build(Case('conv2d_harness', 'conv2d', min_bits=1, seed=3))
    hm = _convert(model, tmp_path / 'prj', io_type, bit_exact=True)
    assert_bit_exact(model, inputs(model, n=200), hls_model=hm)


def test_default_backend_is_bit_exact(tmp_path):
    """The notebooks' call: no backend, no configuration (hls4ml's default backend)."""
    model = build(Case('mlp_default_backend', 'mlp', min_bits=1, seed=4))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        hm = hls4ml.converters.convert_from_keras_model(model, output_dir=str(tmp_path / 'prj'))
    assert hm.config.get_config_value('Backend') == 'Vivado'
    assert_bit_exact(model, inputs(model, n=300), hls_model=hm)


def test_average_over_three_elements_as_the_harness_compares(tmp_path):
    """HGQ2's ``TestQAveragePooling1D[...-4-3-same-...]``: border windows average 3 elements and the quotient is the
    model output, unquantized. The firmware computes Keras's float32 quotient as the active backend does (JAX
    multiplies by a rounded 1/3), so it equals Keras's bit for bit, without a warning (docs/averages.md)."""
    model = build(Case('avgpool_harness', 'avgpool_border3', q_type='kbi', overflow='WRAP', min_bits=1, seed=42))
    with warnings.catch_warnings():
        warnings.simplefilter('error', Float32Warning)
        hm = hls4ml.converters.convert_from_keras_model(
            model, output_dir=str(tmp_path / 'prj'), backend='Vitis', io_type='io_parallel', bit_exact=True
        )
    x = inputs(model, n=300)
    assert np.unique(model.predict(x, verbose=0)).size > 100
    assert_bit_exact(model, x, hls_model=hm)
