"""``axis_runs``: an output element's accumulator type depends only on its column and the runs its coordinates
fall in, and border positions make a few runs whatever the layer's size."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hgq_hls4ml.layers.exact_accum import axis_runs


@st.composite
def kind_grids(draw):
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    n_col = draw(st.integers(1, 3))
    return draw(arrays(np.int64, (*shape, n_col), elements=st.integers(0, 2)))


@settings(max_examples=200, deadline=None)
@given(kind_grids())
def test_kinds_depend_only_on_runs_and_column(kinds):
    starts = axis_runs(kinds)
    table = kinds[np.ix_(*starts, np.arange(kinds.shape[-1]))]
    runs = [np.searchsorted(s, np.arange(n), side='right') - 1 for s, n in zip(starts, kinds.shape)]
    np.testing.assert_array_equal(table[np.ix_(*runs, np.arange(kinds.shape[-1]))], kinds)
    for axis, s in enumerate(starts):  # runs are maximal: neighbouring runs differ
        first = np.take(kinds, s, axis=axis)
        assert all((np.take(first, r, axis=axis) != np.take(first, r + 1, axis=axis)).any() for r in range(len(s) - 1))


def _border(shape: tuple[int, ...], n_col: int = 2) -> np.ndarray:
    """Interior positions of kind 0, each border face of its own kind (as 'same' padding gives)."""
    kinds = np.zeros((*shape, n_col), dtype=np.int64)
    for axis, n in enumerate(shape):
        for side, at in ((1, 0), (2, n - 1)):
            index = [slice(None)] * len(shape)
            index[axis] = at
            kinds[tuple(index)] += side * 3**axis
    return kinds


def test_border_runs_do_not_grow_with_positions():
    for n_axes in (1, 2, 3):
        for n in (4, 9, 30):
            assert [len(s) for s in axis_runs(_border((n,) * n_axes))] == [3] * n_axes
    assert [len(s) for s in axis_runs(np.zeros((30, 30, 4), dtype=np.int64))] == [1, 1]
