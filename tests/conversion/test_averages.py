"""Averages over element counts that are not powers of two: the firmware computes Keras's float32 average as the
active Keras backend does (JAX: by the rounded reciprocal; TensorFlow, PyTorch: by division), bit-exact.

Every check compares the raw ``hm.predict`` output (float64) with Keras's, element by element, besides ``verify``.
``tox`` runs this file on each backend.
"""

from __future__ import annotations

import warnings

import hls4ml
import keras
import numpy as np
import pytest
from hgq.config import QuantizerConfigScope
from hgq.layers import (
    QAveragePooling1D,
    QAveragePooling2D,
    QConv2D,
    QDense,
    QGlobalAveragePooling1D,
    QGlobalAveragePooling2D,
)
from hgq.utils import trace_minmax
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hgq_hls4ml
from hgq_hls4ml.analysis.graph import KERAS_BACKEND_KEY
from hgq_hls4ml.errors import Float32Warning

from .models import keras_outputs


def assert_raw_equal(model: keras.Model, hm, x: np.ndarray) -> None:
    """hls4ml's ``predict`` (float64) equals Keras's output on every element, independently of ``verify``."""
    reference = keras_outputs(model, x)
    firmware = np.asarray(hm.predict(x.astype(np.float64)), dtype=np.float64).reshape(reference.shape)
    differ = np.flatnonzero(firmware != reference)
    assert differ.size == 0, (
        f'{differ.size}/{reference.size} elements differ, e.g. keras={reference.flat[differ[0]]!r} '
        f'firmware={firmware.flat[differ[0]]!r}'
    )


def issue_29_model(seed: int = 0) -> tuple[keras.Model, np.ndarray]:
    """The report's model: conv (7, 8, 2) -> (5, 6, 2), a global average over 30 elements with no output quantizer,
    a dense layer; kif SAT_SYM RND_CONV quantizers with per-element bit-widths, calibrated, then inputs at twice the
    calibrated range."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    scope = {'default_q_type': 'kif', 'overflow_mode': 'SAT_SYM', 'round_mode': 'RND_CONV'}
    with QuantizerConfigScope(place='datalane', **scope), QuantizerConfigScope(place=('weight', 'bias'), **scope):
        inp = keras.Input((7, 8, 2))
        out = QDense(4)(QGlobalAveragePooling2D(enable_oq=False)(QConv2D(2, 3, padding='valid')(inp)))
        model = keras.Model(inp, out, name='issue_29')
    x = rng.normal(0, 1, (1000, 7, 8, 2)).astype(np.float32)
    trace_minmax(model, x, verbose=0)
    for w in model.weights:
        if w.path.endswith('/f'):
            w.assign((w.numpy() + rng.integers(-1, 4, size=w.shape)).astype(w.dtype))
    return model, 2 * x


def test_issue_29_global_average_over_30_is_bit_exact(tmp_path) -> None:
    model, x = issue_29_model()
    hm = hgq_hls4ml.convert(model, tmp_path / 'prj', io_type='io_parallel')
    hm.compile()
    assert hm.config.config[KERAS_BACKEND_KEY] == keras.backend.backend()
    assert_raw_equal(model, hm, x)
    report = hgq_hls4ml.verify(model, x, hls_model=hm)
    assert report.bit_exact and not report.backend_note, str(report)


def test_hls4ml_call_records_the_backend_in_the_project(tmp_path) -> None:
    """The ordinary hls4ml call (HGQ2's harness: Vitis, bit_exact=True) converts through the plugin and writes the
    Keras backend into the project's configuration file."""
    model, x = issue_29_model(seed=1)
    hm = hls4ml.converters.convert_from_keras_model(
        model, output_dir=str(tmp_path / 'prj'), backend='Vitis', io_type='io_parallel', bit_exact=True
    )
    hm.write()
    assert f'{KERAS_BACKEND_KEY}: {keras.backend.backend()}' in (tmp_path / 'prj' / 'hls4ml_config.yml').read_text()
    hm.compile()
    assert_raw_equal(model, hm, x)


def test_verify_says_when_the_firmware_was_made_for_another_backend(tmp_path, monkeypatch) -> None:
    """Firmware converted as if on another backend (the other arithmetic) is named as such before comparing."""
    import hgq_hls4ml.handlers.pooling as pooling

    here = keras.backend.backend()
    other = 'tensorflow' if here == 'jax' else 'jax'
    model, x = issue_29_model()
    monkeypatch.setattr(pooling, 'keras_backend', lambda: other)
    hm = hgq_hls4ml.convert(model, tmp_path / 'prj', io_type='io_parallel')
    monkeypatch.undo()
    hm.config.config[KERAS_BACKEND_KEY] = other
    with pytest.warns(Float32Warning, match=f"converted on Keras backend '{other}'"):
        report = hgq_hls4ml.verify(model, x, hls_model=hm, trace_on_mismatch=False)
    assert 'q_global_average_pooling2d' in report.backend_note
    assert not report.bit_exact  # the two arithmetics differ on this model's sums


# ---------------------------------------------------------------------------------------------------------------
# random average-pooling models


@st.composite
def pooling_cases(draw) -> dict:
    rank = draw(st.sampled_from([1, 2]))
    glob = draw(st.booleans())
    io_type = draw(st.sampled_from(['io_parallel', 'io_stream']))
    spatial = tuple(draw(st.integers(3, 7)) for _ in range(rank))
    pool = tuple(draw(st.integers(2, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    padding = 'valid' if glob or io_type == 'io_stream' else draw(st.sampled_from(['valid', 'same']))
    if padding == 'same' and keras.backend.backend() == 'torch':
        # Keras's torch backend weighs unevenly padded windows unequally (refused, see test below): pad evenly
        strides = tuple(1 for _ in range(rank))
        pool = tuple(3 for _ in range(rank))
    return {
        'rank': rank,
        'global': glob,
        'io_type': io_type,
        'spatial': spatial,
        'pool': pool,
        'strides': strides,
        'padding': padding,
        'oq': draw(st.booleans()),
        'dense': draw(st.booleans()),
        'seed': draw(st.integers(0, 2**16)),
    }


def pooling_model(case: dict) -> keras.Model:
    """Input -> the average pooling (per-element input quantizer, with or without an output quantizer) -> a dense
    layer reading the averages through its quantizer, or nothing (the averages are the model's output)."""
    keras.utils.set_random_seed(case['seed'])
    rng = np.random.default_rng(case['seed'])
    oq = {'enable_oq': case['oq']}
    if case['global']:
        layer = (QGlobalAveragePooling1D if case['rank'] == 1 else QGlobalAveragePooling2D)(**oq)
    elif case['rank'] == 1:
        layer = QAveragePooling1D(case['pool'][0], case['strides'][0], padding=case['padding'], **oq)
    else:
        layer = QAveragePooling2D(case['pool'], case['strides'], padding=case['padding'], **oq)
    with QuantizerConfigScope(place='datalane', default_q_type='kif', overflow_mode='SAT', round_mode='RND'):
        inp = keras.Input((*case['spatial'], 3))
        out = layer(inp)
        model = keras.Model(inp, QDense(3)(out) if case['dense'] else out, name='average_pooling')
    model(np.zeros((1, *case['spatial'], 3), np.float32))
    for w in model.weights:
        leaf = w.path.rsplit('/', 1)[-1]
        if leaf == 'f':
            w.assign(rng.integers(1, 7, tuple(w.shape)).astype(w.dtype))
        elif leaf == 'i':
            w.assign(rng.integers(0, 4, tuple(w.shape)).astype(w.dtype))
    return model


def check_random_average_model(case: dict, out_dir) -> None:
    model = pooling_model(case)
    x = np.random.default_rng(case['seed'] + 1).normal(0, 8, (300, *case['spatial'], 3)).astype(np.float32)
    hm = hgq_hls4ml.convert(model, out_dir, io_type=case['io_type'])
    hm.compile()
    assert_raw_equal(model, hm, x)


_RANDOM = {'deadline': None, 'suppress_health_check': [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}


@settings(max_examples=3, derandomize=True, **_RANDOM)
@given(case=pooling_cases())
def test_random_average_pooling_models(tmp_path_factory, case) -> None:
    check_random_average_model(case, tmp_path_factory.mktemp('avg'))


@pytest.mark.slow
@settings(max_examples=40, **_RANDOM)
@given(case=pooling_cases())
def test_random_average_pooling_models_many(tmp_path_factory, case) -> None:
    check_random_average_model(case, tmp_path_factory.mktemp('avg'))


def test_unevenly_padded_average_is_refused_on_torch_only(tmp_path) -> None:
    """Keras's torch backend weighs the elements of unevenly padded windows unequally; elsewhere it converts."""
    from hgq_hls4ml.handlers.pooling import asymmetric_padding

    with QuantizerConfigScope(place='datalane', default_q_type='kif'):
        inp = keras.Input((13, 2))
        uneven = QAveragePooling1D(4, 3, padding='same')
        even = QAveragePooling1D(3, 2, padding='same')
        keras.Model(inp, [uneven(inp), even(inp)])
    assert asymmetric_padding(uneven) and not asymmetric_padding(even)
    model = keras.Model(inp, uneven(inp))
    if keras.backend.backend() == 'torch':
        with pytest.raises(hgq_hls4ml.UnsupportedLayerError, match='torch backend'):
            hgq_hls4ml.convert(model, tmp_path / 'prj')
    else:
        with warnings.catch_warnings():
            warnings.simplefilter('error', Float32Warning)
            assert hgq_hls4ml.convert(model, tmp_path / 'prj') is not None
