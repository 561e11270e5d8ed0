"""check: exact overflow counts on a quantizer of known range, saturation versus wrapping, uncalibrated WRAP
quantizers before and after trace_minmax, and a quantized model on its own calibration data."""

from __future__ import annotations

import io
import json

import keras
import numpy as np
import pytest
from hgq.quantizer import Quantizer, QuantizerConfig
from hgq.utils import trace_minmax

from hgq_hls4ml import ModelInputError, check, quantize
from hgq_hls4ml.progress import Progress

from .float_models import float_model

#: Rounded to 2 fractional bits (RND): -3 and 5 are outside [-2, 1.75], so is 1.9 (-> 2.0); 1.8 (-> 1.75) and
#: -2.1 (-> -2.0) are not.
VALUES = np.array([-3.0, -2.1, -2.0, 0.0, 1.75, 1.8, 1.9, 5.0], np.float32)


def _fixed(overflow: str, **kwargs) -> QuantizerConfig:
    return QuantizerConfig('kif', 'datalane', k0=1, i0=1, f0=2, overflow_mode=overflow, heterogeneous_axis=(), **kwargs)


def _two_quantizers(second: QuantizerConfig) -> keras.Model:
    inp = keras.Input((8,))
    outputs = [Quantizer(_fixed('WRAP'), name='wrap')(inp), Quantizer(second, name='second')(inp)]
    return keras.Model(inp, outputs, name='two')


def test_overflows_are_counted_exactly_over_batches():
    model = _two_quantizers(_fixed('SAT'))
    x = np.tile(VALUES, (5, 1))
    report = check(model, x, batch_size=2)
    wrap, sat = report.quantizers
    assert (wrap.name, wrap.layer, wrap.overflow_mode, sat.overflow_mode) == ('wrap', 'wrap', 'WRAP', 'SAT')
    for q in (wrap, sat):
        assert (q.values, q.overflows, q.max_excess) == (40, 15, 3.25)
        assert q.missing_bits == 2  # 5 needs 3 integer bits, 1 more for -3
    assert wrap.problem and wrap.note == 'UNCALIBRATED, WRAPS'  # never traced: i and k are still i0 and k0
    assert not sat.problem and sat.note == 'saturates'
    assert [q.name for q in report.problems] == ['wrap']
    assert report.table().splitlines()[-1] == (
        'two: 2 quantizers on 5 samples; 30 of 80 values overflow, in 2 quantizers: 15 saturated, 15 wrapped '
        '(wrapping in 1 quantizer); 1 uncalibrated quantizer'
    )


def test_progress_counts_the_samples_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    model = _two_quantizers(_fixed('SAT'))
    x = np.tile(VALUES, (5, 1))
    quiet = check(model, x, batch_size=2)
    tty = Terminal()
    shown = check(model, x, batch_size=2, progress=Progress(True, stream=tty, delay=0.0))
    assert shown.quantizers == quiet.quantizers
    assert 'check' in tty.getvalue()


def test_zero_bit_elements_are_not_counted():
    model = _two_quantizers(QuantizerConfig('kif', 'datalane', k0=0, i0=0, f0=0, overflow_mode='SAT'))
    report = check(model, VALUES[None])
    assert report.quantizers[1].values == 0 and report.quantizers[1].overflows == 0


def test_a_wrap_quantizer_is_uncalibrated_until_traced():
    inp = keras.Input((8,))
    model = keras.Model(inp, Quantizer(QuantizerConfig('kif', 'datalane'), name='default')(inp))  # i0=2, k0=1
    x = np.tile(VALUES, (4, 1))
    before = check(model, x).quantizers[0]
    assert before.uncalibrated and before.problem and before.note.startswith('UNCALIBRATED')
    trace_minmax(model, x)
    after = check(model, x).quantizers[0]
    assert not after.uncalibrated and after.overflows == 0 and not after.problem


def test_a_quantized_model_fits_its_calibration_data():
    model, x = float_model('dense_bn')
    q = quantize(model, x)
    report = check(q, x, batch_size=50)
    assert not report.problems and all(row.overflows == 0 for row in report.quantizers)
    values = {row.name: row.values for row in report.quantizers}
    assert values['dense_kq'] == np.asarray(q.get_layer('dense').kernel).size  # weights: once, not once per batch
    assert values['dense_iq'] == x.size
    data = json.loads(json.dumps(report.to_dict()))
    assert data['problems'] == [] and data['quantizers'][0]['name'] == 'dense_iq'
    wider = check(q, 4 * x, batch_size=50)
    assert wider.problems and all(row.wraps for row in wider.problems)


def test_a_float_model_has_nothing_to_check():
    inp = keras.Input((3,))
    with pytest.raises(ModelInputError, match='has no HGQ2 quantizer'):
        check(keras.Model(inp, keras.layers.Dense(2)(inp)), np.zeros((1, 3)))
