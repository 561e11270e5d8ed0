"""The input port: by default the narrowest type through which the first quantizers see every float32 input as
Keras does, no wider than upstream hls4ml's except where a documented mode needs it; or the detector's format,
given by the user, whose consequences are reported (exact, a warning naming elements and inputs, or an error
before any file is written) and counted by ``verify``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import hls4ml
import keras
import numpy as np
import pytest
from hgq.layers import QDense

from hgq_hls4ml import convert, verify
from hgq_hls4ml.analysis.port import all_readers
from hgq_hls4ml.errors import InputPortWarning, InputPrecisionError
from hgq_hls4ml.precision.fixed import FixedType
from hgq_hls4ml.precision.port import Reader, check_port

from .models import Case, assert_bit_exact, build, inputs

REPO = Path(__file__).resolve().parents[2]

#: (case, io_type, whether the port may be wider than upstream's: documented modes only)
MODELS = [
    (Case('jet_wrap', 'mlp', overflow='WRAP', seed=171), 'io_parallel', False),  # HGQ2's default kif RND/WRAP
    (Case('cnn_sat', 'conv2d', seed=172), 'io_parallel', False),  # SAT CNN
    (Case('mlp_kbi', 'mlp', q_type='kbi', seed=173), 'io_parallel', False),
    (Case('conv_hom', 'conv2d', homogeneous=True, seed=178), 'io_stream', False),
    (Case('mlp_trn_sat_sym', 'mlp', overflow='SAT_SYM', round_mode='TRN', seed=175), 'io_parallel', False),
    # ties to even after a port cell: RND_INF with f + 23 fractional bits (upstream's 24 are not exact)
    (Case('mlp_rnd_conv', 'mlp', overflow='WRAP', round_mode='RND_CONV', seed=176), 'io_parallel', True),
    (Case('mlp_rnd_conv_sat', 'mlp', round_mode='RND_CONV', seed=177), 'io_stream', True),
]


def _port(hm) -> tuple:
    node = next(iter(hm.graph.values()))
    return node, _port_of(node)


def first_readers(hm) -> list[Reader]:
    """The quantizer elements reading the (first) input: the one folded into it, or those of the layers after it."""
    node = next(iter(hm.graph.values()))
    fused = node.get_attr('hgq_fused_quantizer')
    if fused is not None:
        return [Reader.of(*fused)]
    return [r for r in all_readers(node) if r.alive]


def upstream_ports(model: keras.Model, tmp_path: Path) -> dict[str, FixedType]:
    path = tmp_path / f'{model.name}.keras'
    model.save(path)
    proc = subprocess.run(
        [sys.executable, '-m', 'tests.conversion.upstream_port', str(path)],
        cwd=REPO,
        env={**os.environ, 'HGQ_HLS4ML_DISABLE': '1', 'KERAS_BACKEND': 'jax'},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    return {name: FixedType(s, w, i, r, o) for name, (w, i, s, r, o) in found.items()}


def below_power_of_two(x: np.ndarray) -> np.ndarray:
    """Where ``|x|`` is the largest float32 below a power of two: Keras's float32 ``floor(x * 2**f + 0.5)`` rounds
    it up when that power is the tie ``2**-(f+1)`` (``x + 0.5`` rounds to 1), unlike the quantizer's exact
    definition, which the firmware follows whatever the port (see ``test_keras_rounds_the_float_below_a_tie_up``)."""
    a = np.abs(x.astype(np.float32))
    up = np.nextafter(a, np.float32(np.inf))
    return (a > 0) & (np.frexp(up)[0] == 0.5)


def hard_inputs(model: keras.Model, hm, n: int = 300, seed: int = 2) -> np.ndarray:
    """Inputs that test a port: uniform over twice the first quantizers' range; their grid points and ties (for
    every f up to 8) and the float32 next to each on both sides (but the one below a power of two, see
    :func:`below_power_of_two`); and :func:`inputs`' normal samples (sigma 4)."""
    rng = np.random.default_rng(seed)
    readers = first_readers(hm)
    reach = 2.0 ** max(r.i for r in readers)
    shape = (n, *model.inputs[0].shape[1:])
    wide = rng.uniform(-2 * reach, 2 * reach, shape).astype(np.float32)
    ties = np.ldexp(rng.integers(-64, 64, shape) / 2, -rng.integers(-1, 9, shape)).astype(np.float32)
    step = rng.integers(-1, 2, shape)
    near = np.where(step > 0, np.nextafter(ties, np.float32(np.inf)), ties)
    near = np.where(step < 0, np.nextafter(ties, np.float32(-np.inf)), near)
    near = np.where(below_power_of_two(near), ties, near)
    return np.concatenate([wide, near, inputs(model, n)])


@pytest.mark.parametrize('case, io_type, may_be_wider', MODELS, ids=[c.name for c, _, _ in MODELS])
def test_default_port_is_narrow_exact_and_no_wider_than_upstream(case, io_type, may_be_wider, tmp_path):
    model = build(case)
    hm = convert(model, tmp_path / 'prj', io_type=io_type)
    _, port = _port(hm)
    readers = first_readers(hm)
    assert all(check_port(port, r).exact for r in readers)
    assert port.width < 20 or may_be_wider  # the float32-faithful guard made every port 31-36 bits wide
    (upstream,) = upstream_ports(model, tmp_path).values()
    if may_be_wider:
        assert not all(check_port(upstream, r).exact for r in readers), 'upstream is exact: ours must not be wider'
    else:
        assert port.width <= upstream.width, f'{port.cpp()} vs upstream {upstream.cpp()}'
    x = hard_inputs(model, hm)
    assert_bit_exact(model, x, tmp_path / 'csim', io_type)


@pytest.mark.parametrize('mode', ['RND', 'RND_INF', 'RND_MIN_INF'])
def test_keras_rounds_the_float_below_a_tie_up(mode):
    """The one input per grid where Keras's float32 quantizer and its exact definition (``quantizers``' reference,
    the firmware's) part: the largest float32 below the tie ``2**-(f+1)``. No port mends it: the firmware casts the
    float exactly however wide the port. (A port exact for Keras's float32 arithmetic would need ``f + 24`` bits.)"""
    from quantizers.fixed_point._fixed_point_ops import _get_fixed_quantizer
    from quantizers.fixed_point.fixed_point_ops_np import get_fixed_quantizer_np

    f = 3
    x = np.float32(np.nextafter(np.float32(2.0 ** -(f + 1)), np.float32(0)))
    sign = -1 if mode == 'RND_MIN_INF' else 1
    x = np.array([sign * x], dtype=np.float32)
    k, i, ff = (np.ones(1, np.float32), np.full(1, 2, np.float32), np.full(1, f, np.float32))
    in_keras = float(np.asarray(_get_fixed_quantizer(mode, 'WRAP')(keras.ops.convert_to_tensor(x), k, i, ff))[0])
    exact = float(get_fixed_quantizer_np(mode, 'WRAP')(x.astype(np.float64), k, i, ff)[0])
    assert (in_keras, exact) == (sign * 2.0**-f, 0.0)
    assert below_power_of_two(x).all()


def test_wrap_sm_on_the_input_is_exact_through_a_float32_port(tmp_path):
    from hgq.config import QuantizerConfig

    keras.utils.set_random_seed(3)
    inp = keras.Input((6,))
    iq = QuantizerConfig('kif', 'datalane', overflow_mode='WRAP_SM', round_mode='RND', i0=2, f0=3)
    model = keras.Model(inp, QDense(3, iq_conf=iq)(inp))
    model(np.zeros((1, 6), dtype=np.float32))
    with pytest.warns(InputPortWarning, match='holding every float32'):
        hm = convert(model, tmp_path / 'prj')
    assert _port(hm)[1].integer == 129
    assert_bit_exact(model, hard_inputs(model, hm), hls_model=hm)


# ---------------------------------------------------------------------------------------------------------------
# the detector's format, given


@pytest.fixture(scope='module')
def sat_mlp():
    return build(Case('given_port', 'mlp', seed=181))


def _narrowest(model, tmp_path) -> FixedType:
    return _port(convert(model, tmp_path / 'narrow'))[1]


def test_a_given_exact_port_is_kept_without_a_word(sat_mlp, tmp_path):
    narrow = _narrowest(sat_mlp, tmp_path)
    wider = FixedType(True, narrow.width + 3, narrow.integer + 1, 'TRN', 'SAT')
    with warnings.catch_warnings():
        warnings.simplefilter('error', InputPortWarning)
        hm = convert(sat_mlp, tmp_path / 'prj', input_precision=wider.cpp())
    assert _port(hm)[1] == wider
    assert [n.class_name for n in hm.graph.values()][1] == 'HGQQuantize'
    report = verify(sat_mlp, hard_inputs(sat_mlp, hm), hls_model=hm)
    assert report.bit_exact and list(report.ports.values()) == [wider.cpp()]


def test_a_coarser_port_warns_and_verify_counts_what_it_changes(sat_mlp, tmp_path):
    """Detector words with fewer integer bits and a rounding port: the firmware differs from Keras on float inputs
    beyond the port's range and off its grid, by the port alone (Keras on the converted inputs equals it)."""
    narrow = _narrowest(sat_mlp, tmp_path)
    given = f'ap_fixed<{narrow.width},{narrow.integer - 1},AP_RND,AP_SAT>'
    with pytest.warns(InputPortWarning, match=r'(?s)q_dense\w* elements .*inputs above .* or below .*saturates'):
        hm = convert(sat_mlp, tmp_path / 'prj', input_precision=given)
    x = hard_inputs(sat_mlp, hm)
    report = verify(sat_mlp, x, hls_model=hm)
    assert not report.bit_exact and report.exact_given_port
    assert report.port_mismatches == report.n_elements - report.n_exact > 0
    assert report.other_mismatches == 0 and report.divergence is None
    assert str(report).startswith('EXACT ON THE PORT FORMAT')
    assert f'{report.port_mismatches} output elements differ because it changes the float inputs' in str(report)


def test_too_few_fractional_bits_are_refused_before_anything_is_written(sat_mlp, tmp_path):
    narrow = _narrowest(sat_mlp, tmp_path)
    out = tmp_path / 'prj'
    given = f'ap_fixed<{narrow.integer + 2},{narrow.integer}>'
    with pytest.raises(InputPrecisionError, match=r'(?s)cannot feed the model.*lowest bits would never be set') as e:
        convert(sat_mlp, out, input_precision=given)
    fix = f'ap_fixed<{narrow.integer + narrow.fractional - 1},{narrow.integer}>'  # RND reads f + 1 bits: f will do
    assert f'Smallest format that works with these integer bits and modes: {fix}' in str(e.value)
    assert f'narrowest exact on every float32 input: {narrow.cpp()}' in str(e.value)
    assert not out.exists() or not any(out.iterdir())


def test_hls4ml_layer_config_gives_the_port_too(sat_mlp, tmp_path):
    """hls4ml's own call with ``hls_config['LayerName'][input]['Precision']``: the same port, the same checks."""
    narrow = _narrowest(sat_mlp, tmp_path)
    cfg = hls4ml.utils.config_from_keras_model(sat_mlp, granularity='name', backend='Vitis')
    (name,) = [n for n, c in cfg['LayerName'].items() if n.startswith('input')]
    given = FixedType(True, narrow.width + 1, narrow.integer, 'RND_CONV', 'SAT')
    cfg['LayerName'][name]['Precision'] = given.cpp()
    hm = hls4ml.converters.convert_from_keras_model(
        sat_mlp, hls_config=cfg, backend='Vitis', output_dir=str(tmp_path / 'prj')
    )
    assert _port(hm)[1] == given
    report = verify(sat_mlp, hard_inputs(sat_mlp, hm), hls_model=hm)
    assert report.exact_given_port and report.ports == {name: given.cpp()}


def test_input_precision_per_input_by_name(tmp_path):
    keras.utils.set_random_seed(5)
    a, b = keras.Input((4,), name='a'), keras.Input((3,), name='b')
    x = keras.layers.Concatenate()([QDense(4)(a), QDense(4)(b)])
    model = keras.Model([a, b], QDense(2)(x))
    model([np.zeros((1, 4), dtype=np.float32), np.zeros((1, 3), dtype=np.float32)])
    narrow_b = {n.name: _port_of(n) for n in convert(model, tmp_path / 'n').graph.values() if n.class_name == 'Input'}
    wide_a = FixedType(True, 24, 8, 'TRN', 'SAT')
    hm = convert(model, tmp_path / 'prj', input_precision={'a': wide_a.cpp()})
    ports = {n.name: _port_of(n) for n in hm.graph.values() if n.class_name == 'Input'}
    assert ports == {'a': wide_a, 'b': narrow_b['b']}
    with pytest.raises(Exception, match="names 'c', not an input"):
        convert(model, tmp_path / 'bad', input_precision={'c': 'ap_fixed<8,4>'})


def _port_of(node) -> FixedType:
    p = node.get_output_variable().type.precision
    return FixedType(bool(p.signed), int(p.width), int(p.integer), str(p.rounding_mode), str(p.saturation_mode))
