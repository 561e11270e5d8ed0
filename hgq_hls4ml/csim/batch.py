"""Batched C simulation: ``n`` samples in one call into the compiled library, split over threads.

hls4ml's ``ModelGraph.predict`` calls the library's ``<project>_double`` once per sample from a Python loop; that
loop, not the firmware, bounds its speed. For the graphs the plugin converts, the writer pass
(:mod:`hgq_hls4ml.csim.build_script`) appends to the project's bridge (``<project>_bridge.cpp``) the entry points

- ``<project>_batch_float`` / ``<project>_batch_double`` ``(inputs..., outputs..., n)``: the same per-sample wrapper
  called over ``n`` consecutive samples in a C++ loop;
- ``<project>_state_address()``: the address of a function-local static of an inline function (the kind hls4ml's
  templates keep their state in), to check that two loaded copies of the library have their own;

and makes the model's ``predict`` :func:`predict`.

**Threads.** The firmware keeps state in function-local statics: io_stream line buffers and pixel counters
(``nnet_conv_stream.h``, ``nnet_pooling_stream.h``), table-initialisation flags and tables, ``loaded_weights``.
Those of one library cannot be shared by threads, and they cannot be made per-thread without editing hls4ml's
templates, which HLS synthesis reads too. One *copy* of the library per thread can: the build script compiles with
``-fno-gnu-unique``, so each copy, loaded under its own file name, has its own statics (checked at load through
``<project>_state_address``; where two copies share them the model runs on one thread and a warning says why).
The batch is split into one contiguous chunk per thread; each thread makes one call into its own copy (ctypes
releases the GIL for the call), so the loop over samples is C++ on every core.

Firmware state carried from one sample to the next in a copy (a line buffer) is what the per-sample path carries
too: the firmware computes each sample from that sample alone, which the bit-exact tests of both paths check.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import hls4ml_api
from ..progress import Progress

#: Environment variable giving the default number of threads (as for OpenMP programs).
THREADS_ENV = 'OMP_NUM_THREADS'
#: Fewest samples worth a thread of their own.
MIN_CHUNK = 64
#: Calls per thread when a progress bar follows the batch.
PIECES = 50
_CTYPES = {np.dtype(np.float32): ('float', ctypes.c_float), np.dtype(np.float64): ('double', ctypes.c_double)}


def batch_source(project: str, inputs: list[tuple[str, int]], outputs: list[tuple[str, int]]) -> str:
    """The C++ appended to ``<project>_bridge.cpp``: the batch entry points and the state probe (``inputs`` and
    ``outputs``: ``(name, size)`` in the order of the bridge's wrapper arguments)."""
    lines = [
        '',
        '// hgq_hls4ml: batched C simulation (hgq_hls4ml.csim.batch): n samples per call, looped in C++',
        'namespace hgq_hls4ml_batch {',
        'inline int &state() {',
        '    static int state = 0; // a copy of the library loaded under its own name must have its own',
        '    return state;',
        '}',
        '} // namespace hgq_hls4ml_batch',
        '',
        'extern "C" {',
        f'const void *{project}_state_address() {{ return &hgq_hls4ml_batch::state(); }}',
    ]
    for ctype in ('float', 'double'):
        params = [f'{ctype} *{name}' for name, _ in inputs + outputs]
        args = [f'{name} + i * {size}' for name, size in inputs + outputs]
        lines += [
            '',
            f'void {project}_batch_{ctype}({", ".join(params)}, unsigned long n) {{',
            '    for (unsigned long i = 0; i < n; i++) {',
            f'        {project}_{ctype}({", ".join(args)});',
            '    }',
            '}',
        ]
    lines += ['}', '']
    return '\n'.join(lines)


def add_batch_entry(model) -> None:
    """Append the batch entry points to the project's bridge and make ``model.predict`` :func:`predict`."""
    bridge, project = hls4ml_api.csim_bridge(model)
    bridge.write_text(bridge.read_text() + batch_source(project, *hls4ml_api.csim_io(model)))
    hls4ml_api.bind_predict(model, predict)


def default_threads() -> int:
    """``OMP_NUM_THREADS`` if it is a positive whole number, else the cores this process may run on."""
    value = os.environ.get(THREADS_ENV, '').strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass
class _Copies:
    """The library hls4ml loaded and the copies of it loaded for further threads (each its own firmware state)."""

    path: str
    libraries: list[Any] = field(default_factory=list)
    shared_state: str = ''
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, k: int, project: str) -> list[Any]:
        """``k`` libraries with separate states (fewer, if copies would share theirs)."""
        with self.lock:
            while len(self.libraries) < k and not self.shared_state:
                self._load_copy(project)
            return self.libraries[:k]

    def _load_copy(self, project: str) -> None:
        # next to the original, so that it finds the project's weights (firmware/weights) beside itself
        path = Path(self.path)
        copy = path.with_name(f'{path.stem}.thread{len(self.libraries)}.{os.getpid()}.so')
        shutil.copyfile(path, copy)
        try:
            lib = ctypes.CDLL(str(copy), mode=os.RTLD_LOCAL)
        finally:
            copy.unlink()
        probe = f'{project}_state_address'
        addresses = {_state_address(other, probe) for other in self.libraries}
        if _state_address(lib, probe) in addresses:
            self.shared_state = 'copies of the library share their static state (the compiler has no -fno-gnu-unique)'
            _dlclose(lib)
            return
        self.libraries.append(lib)

    def close(self) -> None:
        for lib in self.libraries[1:]:
            _dlclose(lib)
        self.libraries = self.libraries[:1]


def _state_address(lib, name: str) -> int:
    fn = getattr(lib, name)
    fn.restype = ctypes.c_void_p
    fn.argtypes = []
    return fn()


def _dlclose(lib) -> None:
    import _ctypes

    _ctypes.dlclose(lib._handle)


#: Attribute of a ``ModelGraph`` holding its :class:`_Copies`.
COPIES = '_hgq_hls4ml_library_copies'


def _copies_of(hls_model, lib) -> _Copies:
    """The library copies of ``hls_model``'s current library (closing those of a library it has replaced)."""
    copies = getattr(hls_model, COPIES, None)
    if copies is None or copies.path != lib._name:
        if copies is not None:
            copies.close()
        copies = _Copies(lib._name, [lib])
        setattr(hls_model, COPIES, copies)
    return copies


def has_batch_entry(hls_model) -> bool:
    """Whether ``hls_model``'s loaded library has the batch entry points."""
    lib = hls4ml_api.csim_library(hls_model)
    return lib is not None and hasattr(lib, f'{hls4ml_api.csim_bridge(hls_model)[1]}_batch_double')


def _inputs(hls_model, x: Any, n_inputs: int) -> tuple[list[np.ndarray], int] | None:
    """The inputs as contiguous ``(n, size)`` arrays of one ctypes float type, and ``n``; ``None`` where hls4ml's
    own path must decide (another dtype, a size that does not divide: hls4ml's errors)."""
    xs = [x] if n_inputs == 1 else list(x)
    if len(xs) != n_inputs or not all(isinstance(a, np.ndarray) for a in xs) or xs[0].dtype not in _CTYPES:
        return None
    _, sizes = zip(*hls4ml_api.csim_io(hls_model)[0])
    counts = [divmod(a.size, s) for a, s in zip(xs, sizes)]
    if any(rem for _, rem in counts) or len({c for c, _ in counts}) != 1:
        return None
    n = counts[0][0]
    return [np.ascontiguousarray(a, dtype=xs[0].dtype).reshape(n, s) for a, s in zip(xs, sizes)], n


def predict(
    hls_model, x: Any, *args: Any, threads: int | None = None, progress: bool | Progress = False, **kwargs: Any
) -> Any:
    """hls4ml's ``ModelGraph.predict`` (same inputs, same outputs, bit for bit) through the batch entry points.

    ``threads``: how many threads share the batch (default: ``OMP_NUM_THREADS``, else every core this process may
    use); each gets at least :data:`MIN_CHUNK` samples. ``progress``: a progress bar of the samples on a terminal
    (:mod:`hgq_hls4ml.progress`). A library without the entry points (a project written before them, an unknown
    build script) and any other argument go to hls4ml's own ``predict``.
    """
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ValueError(f'threads must be a whole number >= 1, got {threads!r}')
    lib = hls4ml_api.csim_library(hls_model)
    ins, outs = hls4ml_api.csim_io(hls_model)
    prepared = None if args or kwargs or not has_batch_entry(hls_model) else _inputs(hls_model, x, len(ins))
    if prepared is None:
        return hls4ml_api.upstream_predict(hls_model, x, *args, **kwargs)
    xs, n = prepared
    ctype_name, ctype = _CTYPES[xs[0].dtype]
    ys = [np.zeros((n, size), dtype=xs[0].dtype) for _, size in outs]
    project = hls4ml_api.csim_bridge(hls_model)[1]
    copies = _copies_of(hls_model, lib)
    wanted = max(1, min(threads or default_threads(), n // MIN_CHUNK))
    libraries = copies.get(wanted, project) if wanted > 1 else [lib]
    if wanted > len(libraries) and copies.shared_state:
        warnings.warn(f'hgq_hls4ml: C simulation on one thread: {copies.shared_state}', stacklevel=2)
    bounds = np.linspace(0, n, len(libraries) + 1).astype(int)
    progress = progress if isinstance(progress, Progress) else Progress(progress)
    # with a progress bar, each thread's share in about PIECES calls, so that the bar moves
    piece = max(MIN_CHUNK, -(-n // (len(libraries) * PIECES))) if progress.enabled else n

    def run(k: int, advance: Callable[[float], None]) -> None:
        fn = getattr(libraries[k], f'{project}_batch_{ctype_name}')
        fn.restype = None
        fn.argtypes = [ctypes.POINTER(ctype)] * (len(xs) + len(ys)) + [ctypes.c_ulong]
        for lo in range(bounds[k], bounds[k + 1], piece):
            hi = min(lo + piece, bounds[k + 1])
            fn(*(a[lo:hi].ctypes.data_as(ctypes.POINTER(ctype)) for a in xs + ys), hi - lo)
            advance(hi - lo)

    with progress.step(f'C simulation ({len(libraries)} thread{"s" * (len(libraries) > 1)})', total=n) as advance:
        if len(libraries) == 1:
            run(0, advance)
        else:
            with ThreadPoolExecutor(len(libraries)) as pool:
                list(pool.map(run, range(len(libraries)), [advance] * len(libraries)))
    return _shaped(ys, n)


def _shaped(ys: list[np.ndarray], n: int) -> Any:
    """hls4ml's return convention: one array per output, ``(n, size)``; the sample axis dropped for one sample."""
    if n == 1:
        ys = [y[0] for y in ys]
    return ys[0] if len(ys) == 1 else ys
