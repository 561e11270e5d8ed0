"""Batched C simulation (``hgq_hls4ml.csim.batch``): ``hm.predict`` loops over the samples in C++, on threads of
their own library copy, and gives hls4ml's per-sample outputs bit for bit (every bit-exact test of the suite checks
that too, through ``assert_bit_exact``); the build reports its steps; progress bars show on terminals only."""

import io

import numpy as np
import pytest

from hgq_hls4ml import convert, hls4ml_api
from hgq_hls4ml.csim import batch
from hgq_hls4ml.csim.build_script import PROGRESS_ENV
from hgq_hls4ml.progress import Progress

from ..conversion.models import Case, build, inputs


@pytest.fixture(scope='module')
def stream_model(tmp_path_factory):
    """An io_stream CNN (line buffers and pixel counters in function-local statics), compiled with the build's
    progress events written to a file."""
    model = build(Case('conv2d_batch', 'conv2d', seed=3))
    root = tmp_path_factory.mktemp('batch')
    hm = convert(model, root / 'prj', io_type='io_stream')
    events = root / 'events'
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PROGRESS_ENV, str(events))
        hm.compile()
    return model, hm, events


def test_batch_equals_per_sample_on_every_thread_count_and_dtype(stream_model):
    model, hm, _ = stream_model
    x = inputs(model, n=700)
    for dtype in (np.float64, np.float32):
        xd = x.astype(dtype)
        per_sample = hls4ml_api.upstream_predict(hm, xd)
        for threads in (1, 2, 5):
            out = hm.predict(xd, threads=threads)
            assert out.dtype == per_sample.dtype and np.array_equal(out, per_sample), (dtype, threads)
    # one sample, without its batch axis: hls4ml's convention, a 1-D output
    one = hm.predict(x[3].astype(np.float64))
    assert one.shape == (3,) and np.array_equal(one, hls4ml_api.upstream_predict(hm, x[3].astype(np.float64)))


def test_each_thread_has_its_own_library_state(stream_model):
    model, hm, _ = stream_model
    hm.predict(inputs(model, n=400).astype(np.float64), threads=4)
    copies = getattr(hm, batch.COPIES)
    project = hls4ml_api.csim_bridge(hm)[1]
    addresses = {batch._state_address(lib, f'{project}_state_address') for lib in copies.get(4, project)}
    assert len(addresses) == 4 and not copies.shared_state


def test_other_arguments_and_dtypes_go_to_hls4ml(stream_model):
    model, hm, _ = stream_model
    with pytest.raises(ValueError, match='threads must be'):
        hm.predict(inputs(model, n=2), threads=0)
    with pytest.raises(Exception, match='Invalid type'):  # hls4ml's own error for integer inputs
        hm.predict(np.zeros((2, 6, 6, 2), dtype=np.int32))


def test_default_threads_honours_omp_num_threads(monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '3')
    assert batch.default_threads() == 3
    monkeypatch.setenv('OMP_NUM_THREADS', 'many')
    assert batch.default_threads() >= 1


def test_build_reports_each_step(stream_model):
    _, _, events = stream_model
    lines = events.read_text().splitlines()
    if lines != ['cached']:  # another test of this run built these sources first
        assert 'total 4' in lines and sum(line.startswith('done ') for line in lines) == 4, lines


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_terminals_only(stream_model):
    model, hm, _ = stream_model
    x = inputs(model, n=1000).astype(np.float64)
    log = io.StringIO()
    hm.predict(x, progress=Progress(True, stream=log))
    assert log.getvalue() == ''
    tty = _Terminal()
    bars = Progress(True, stream=tty, delay=0.0)
    assert bars.enabled
    with bars.step('a long step', total=2) as advance:
        advance(1)
    hm.predict(x, threads=1, progress=bars)
    assert 'a long step' in tty.getvalue() and 'C simulation (1 thread)' in tty.getvalue()


def test_a_step_shorter_than_the_delay_shows_nothing():
    tty = _Terminal()
    with Progress(True, stream=tty, delay=60.0).step('quick', total=1) as advance:
        advance(1)
    assert tty.getvalue() == ''
