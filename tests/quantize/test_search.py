"""target_agreement: the mixed-precision search lowers widths while the held-out argmax agreement meets the target,
and the model it leaves converts bit-exactly."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from hgq_hls4ml import ArgumentError, quantize
from tests.conversion.models import assert_bit_exact

L = keras.layers


def _classifier() -> tuple[keras.Model, np.ndarray]:
    """A ReLU MLP with a softmax head, its classes set apart by a wide last layer (a confident classifier)."""
    keras.utils.set_random_seed(6)
    inp = keras.Input((8,), name='x')
    x = L.Dense(12, activation='relu', name='hidden')(inp)
    head = L.Dense(4, activation='softmax', name='head')
    model = keras.Model(inp, head(x), name='searched')
    head.kernel.assign(4 * np.asarray(head.kernel))
    return model, np.random.default_rng(6).normal(0, 1, (200, 8)).astype(np.float32)


def test_the_search_meets_the_target_with_fewer_ebops():
    model, x = _classifier()
    q = quantize(model, x, target_agreement=0.9)
    result = q.quantize_report.search
    assert result.n_held_out == 50 and result.target == 0.9
    assert result.agreement >= 0.9 and result.ebops < result.ebops_uniform
    assert q.quantize_report.ebops == result.ebops
    widths = np.asarray(q.get_layer('hidden').kq.quantizer._b) + 1
    assert widths.min() < 8  # some weights narrowed
    assert 'bit widths searched for argmax agreement >= 0.9 on 50 held-out samples' in str(q.quantize_report)


def test_an_unreachable_target_warns_and_keeps_the_uniform_widths():
    model, x = _classifier()
    with pytest.warns(UserWarning, match=r'target_agreement=0.999 is not reached even before the search'):
        q = quantize(model, x, target_agreement=0.999)
    result = q.quantize_report.search
    assert result.ebops == result.ebops_uniform and result.steps == 0


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'target_agreement': 1.5}, r'target_agreement=1.5: expected a fraction in \(0, 1\]'),
        ({'target_agreement': 0.9, 'samples': np.zeros((40, 8), np.float32)}, '40 samples leave 10 held out'),
    ],
)
def test_bad_targets(kwargs, message):
    model, x = _classifier()
    with pytest.raises(ArgumentError, match=message):
        quantize(model, **{'samples': x, **kwargs})


@pytest.mark.slow
def test_a_searched_model_converts_bit_exact(tmp_path):
    model, x = _classifier()
    q = quantize(model, x, target_agreement=0.97)
    assert_bit_exact(q, np.concatenate([x[:20], 4 * x[20:40]]), tmp_path / 'prj')
