"""The io_stream schedule of ``HGQBroadcast``, run as its C++ runs it, gives numpy's broadcast on every element,
reads every input pixel once and in order, and holds no more pixels than are alive at once."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hgq_hls4ml.layers.broadcast import broadcast_index, stream_schedule


@st.composite
def broadcast_shapes(draw) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """An output shape and an input shape Keras broadcasts to it (size-1 axes, fewer leading axes)."""
    out = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    dims = [1 if draw(st.booleans()) else d for d in out]
    return tuple(dims[draw(st.integers(0, len(out) - 1)) :]), out


def run_stream(x: np.ndarray, out_shape: tuple[int, ...]) -> tuple[np.ndarray, int]:
    """What the generated stream function writes for input ``x``, and how many input pixels it read."""
    fresh, slot, n_slots = stream_schedule(x.shape, out_shape)
    pixels = iter(x.reshape(-1, x.shape[-1]))
    held = np.full((n_slots, x.shape[-1]), np.nan)
    out, reads = [], 0
    for p in range(fresh.size):
        if fresh[p]:
            held[slot[p]] = next(pixels)
            reads += 1
        row = held[slot[p]].copy()
        out.append(row if row.size == out_shape[-1] else np.repeat(row, out_shape[-1]))
    return np.array(out).reshape(out_shape), reads


@settings(max_examples=200, deadline=None)
@given(broadcast_shapes())
def test_the_stream_schedule_is_numpys_broadcast(shapes):
    in_shape, out_shape = shapes
    x = np.arange(np.prod(in_shape), dtype=np.float64).reshape(in_shape)
    y, reads = run_stream(x, out_shape)
    assert (y == np.broadcast_to(x, out_shape)).all()
    assert reads == np.prod(in_shape[:-1])
    assert (broadcast_index(in_shape, out_shape) == np.broadcast_to(x, out_shape)).all()


@settings(max_examples=200, deadline=None)
@given(broadcast_shapes())
def test_the_stream_holds_only_the_pixels_alive_at_once(shapes):
    in_shape, out_shape = shapes
    n_pix = int(np.prod(out_shape[:-1]))
    src = broadcast_index(in_shape, out_shape).reshape(n_pix, -1)[:, 0] // in_shape[-1]
    first = {q: p for p, q in reversed(list(enumerate(src.tolist())))}
    last = {q: p for p, q in enumerate(src.tolist())}
    alive = max(sum(first[q] <= p <= last[q] for q in first) for p in range(n_pix))
    assert stream_schedule(in_shape, out_shape)[2] == alive


def test_examples():
    assert stream_schedule((1, 8), (16, 8))[2] == 1  # one pixel: the whole operand
    assert stream_schedule((16, 1), (16, 8))[2] == 1  # one element, read as each output pixel needs it
    assert stream_schedule((1, 3, 1), (2, 3, 4))[2] == 3  # every pixel is read again after the last arrives
    assert stream_schedule((3, 1, 2, 5), (3, 4, 2, 5))[2] == 2  # two pixels at a time, not all six
