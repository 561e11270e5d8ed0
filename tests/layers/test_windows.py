"""``window_index`` against a direct loop over output positions and taps, for 1 to 3 spatial axes."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hgq_hls4ml.layers.windows import window_index


def _naive(spatial, window, strides, pads):
    outs = [(n + lo + hi - k) // s + 1 for n, k, s, (lo, hi) in zip(spatial, window, strides, pads)]
    found = np.full((*outs, int(np.prod(window))), -7)
    for o in itertools.product(*map(range, outs)):
        for t, tap in enumerate(itertools.product(*map(range, window))):
            pos = [oa * s + ka - lo for oa, ka, s, (lo, _) in zip(o, tap, strides, pads)]
            inside = all(0 <= p < n for p, n in zip(pos, spatial))
            found[(*o, t)] = np.ravel_multi_index(pos, spatial) if inside else -1
    return found


@st.composite
def geometry(draw):
    dims = draw(st.integers(1, 3))
    spatial, window, strides, pads = [], [], [], []
    for _ in range(dims):
        k = draw(st.integers(1, 3))
        lo, hi = draw(st.integers(0, k - 1)), draw(st.integers(0, k - 1))
        spatial.append(draw(st.integers(max(1, k - lo - hi), 6)))
        window.append(k)
        strides.append(draw(st.integers(1, 3)))
        pads.append((lo, hi))
    return tuple(spatial), tuple(window), tuple(strides), tuple(pads)


@settings(max_examples=200, deadline=None)
@given(geometry())
def test_window_index_matches_loops(g):
    np.testing.assert_array_equal(window_index(*g), _naive(*g))
