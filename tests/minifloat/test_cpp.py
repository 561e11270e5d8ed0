"""``hgq_minifloat_quantize`` compiled with g++ and the real ``ap_types`` equals ``quantizers.float_quantize_np``
bit for bit on every catalogue format (m in 0..10, e in 1..6, e0 in -8..8) and returns the exact type. The default
tier builds a small catalogue; ``-m slow`` adds one with every ``(m, e)`` pair."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quantizers import float_quantize_np

from hgq_hls4ml.minifloat.format import exact_type

from .catalog import edges, probes


@pytest.fixture(
    scope='session',
    params=[
        pytest.param('minifloat_program', id='default'),
        pytest.param('all_minifloat_program', id='all', marks=pytest.mark.slow),
    ],
)
def catalogue(request: pytest.FixtureRequest):
    return request.getfixturevalue(request.param)


def _check(catalogue, ids: np.ndarray, xs: np.ndarray) -> None:
    program, formats = catalogue
    params = np.array([(f.m, f.e, f.e0) for f in formats], dtype=np.float64)[ids]
    expected = float_quantize_np(xs, params[:, 0], params[:, 1], params[:, 2])
    got = program(ids, xs)
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, [(str(formats[ids[j]]), xs[j], got[j], expected[j]) for j in bad[:5]]


def test_edges_of_every_format(catalogue) -> None:
    """Zeros, subnormals and their ties, binade edges, the top, saturation and its tie, for every format."""
    per = [edges(f) for f in catalogue[1]]
    ids = np.concatenate([np.full(len(x), f.id) for f, x in zip(catalogue[1], per)])
    _check(catalogue, ids, np.concatenate(per))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.large_base_example])
@given(data=st.data())
def test_quantize_equals_reference(catalogue, data: st.DataObject) -> None:
    """Minifloat values, ties between neighbours and raw inputs, each nudged by one input LSB, in batches of 400
    (one process run per batch)."""
    batch = data.draw(st.lists(probes(catalogue[1]), min_size=400, max_size=400))
    ids, xs = (np.array(a) for a in zip(*batch))
    _check(catalogue, ids.astype(np.int64), xs.astype(np.float64))


def test_output_type_is_the_exact_type(catalogue) -> None:
    program, formats = catalogue
    got = program([-1 - f.id for f in formats], np.zeros(len(formats)))
    width, integer = np.divmod(got, 1024)
    expected = [exact_type(f.m, f.e, f.e0) for f in formats]
    assert [(int(w), int(i) - 512) for w, i in zip(width, integer)] == [(t.width, t.integer) for t in expected]
