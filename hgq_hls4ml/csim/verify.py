"""C-simulation harness: compile the firmware with g++, run it, compare with Keras bit for bit."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Divergence:
    """First layer whose firmware output differs from Keras, with one example element."""

    layer: str
    firmware_node: str
    index: tuple[int, ...]
    keras_value: float
    firmware_value: float


@dataclass
class VerifyReport:
    n_elements: int
    n_exact: int
    max_abs_diff: float
    times: dict[str, float] = field(default_factory=dict)
    divergence: Divergence | None = None
    hgq_nodes: int = 0

    @property
    def exact_fraction(self) -> float:
        return self.n_exact / self.n_elements if self.n_elements else 1.0

    @property
    def bit_exact(self) -> bool:
        return self.n_exact == self.n_elements

    def __str__(self) -> str:
        verdict = 'BIT-EXACT' if self.bit_exact else 'MISMATCH'
        lines = [
            f'{verdict}: {self.n_exact}/{self.n_elements} output elements equal '
            f'({100 * self.exact_fraction:.2f}%), max |diff| = {self.max_abs_diff:g}',
            '  times: ' + ', '.join(f'{k} {v:.2f}s' for k, v in self.times.items()),
        ]
        if self.divergence is not None:
            d = self.divergence
            lines.append(
                f'  first diverging layer: {d.layer!r} (firmware node {d.firmware_node!r}) at sample/element '
                f'{d.index}: keras={d.keras_value!r} firmware={d.firmware_value!r}'
            )
        return '\n'.join(lines)


def _as_list(x: Any) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float32) for a in (x if isinstance(x, (list, tuple)) else [x])]


def _flat(outputs: Any, n: int) -> np.ndarray:
    outs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return np.concatenate([np.asarray(o, dtype=np.float64).reshape(n, -1) for o in outs], axis=1)


def at_keras_precision(a: np.ndarray) -> np.ndarray:
    """Firmware values rounded to float32, the precision Keras computes and returns its own results in.

    Every firmware value of up to 24 significant bits is unchanged; a wider one (e.g. an average over 3 elements
    that no quantizer reads) compares with Keras's float32 result as Keras would have rounded it.
    """
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


def _predict_firmware(hls_model, xs: list[np.ndarray]) -> Any:
    arg = [a.astype(np.float64) for a in xs]
    return hls_model.predict(arg[0] if len(arg) == 1 else arg)


def first_divergence(keras_model, hls_model, xs: list[np.ndarray]) -> Divergence | None:
    """Trace every layer in both models and name the first Keras layer whose output the firmware does not match."""
    import keras

    from ..passes.unread_bits import floored_frac

    n = len(xs[0])
    arg = [a.astype(np.float64) for a in xs]
    _, trace = hls_model.trace(arg[0] if len(arg) == 1 else arg)
    layers = [lay for lay in keras_model.layers if not isinstance(lay, keras.layers.InputLayer)]
    probe = keras.Model(keras_model.inputs, [lay.output for lay in layers])
    k_outs = probe.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    k_outs = k_outs if isinstance(k_outs, list) else [k_outs]
    for lay, k_out in zip(layers, k_outs):
        k_flat = np.asarray(k_out, dtype=np.float64).reshape(n, -1)
        node = _last_node_of(hls_model, lay.name, k_flat.shape[1], trace)
        if node is None:
            continue
        fw = at_keras_precision(np.asarray(trace[node]).reshape(n, -1))
        floored = floored_frac(hls_model.graph[node])  # bits no later quantizer reads, dropped by design
        if floored is not None:
            k_flat = np.floor(k_flat * 2.0**floored) * 2.0**-floored
        bad = np.argwhere(fw != k_flat)
        if len(bad):
            s, e = (int(v) for v in bad[0])
            return Divergence(lay.name, node, (s, e), float(k_flat[s, e]), float(fw[s, e]))
    return None


def _last_node_of(hls_model, layer_name: str, size: int, trace: dict) -> str | None:
    """The last traced firmware node produced from Keras layer ``layer_name`` with a matching size."""
    found = None
    for node in hls_model.graph.values():
        source = node.get_attr('hgq_source_layer') or node.name
        if source == layer_name and node.name in trace and np.size(trace[node.name][0]) == size:
            found = node.name
    return found


def verify(
    model: Any,
    x: Any,
    *,
    hls_model: Any = None,
    output_dir: str | Path | None = None,
    io_type: str = 'io_parallel',
    backend: str = 'Vitis',
    trace_on_mismatch: bool = True,
    **convert_kwargs: Any,
) -> VerifyReport:
    """Convert (unless ``hls_model`` is given), compile, run and compare with ``model`` on inputs ``x``."""
    from ..convert import convert
    from ..layers.quantize import HGQQuantize

    xs = _as_list(x)
    n = len(xs[0])
    times: dict[str, float] = {}
    out_dir = Path(output_dir) if output_dir is not None else Path(mkdtemp(prefix='hgq_hls4ml_'))
    if hls_model is None:
        t0 = time.perf_counter()
        hls_model = convert(model, out_dir, io_type=io_type, backend=backend, trace=trace_on_mismatch, **convert_kwargs)
        times['convert'] = time.perf_counter() - t0
    t0 = time.perf_counter()
    hls_model.compile()
    times['compile'] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fw = _flat(_predict_firmware(hls_model, xs), n)
    times['run'] = time.perf_counter() - t0
    ref = _flat(model.predict(xs if len(xs) > 1 else xs[0], verbose=0), n)
    equal = at_keras_precision(fw) == ref
    report = VerifyReport(
        n_elements=int(equal.size),
        n_exact=int(equal.sum()),
        max_abs_diff=float(np.max(np.abs(fw - ref), initial=0.0)),
        times=times,
        hgq_nodes=sum(
            isinstance(node, HGQQuantize) or bool(node.get_attr('hgq_source_layer'))
            for node in hls_model.graph.values()
        ),
    )
    if not report.bit_exact and trace_on_mismatch:
        report.divergence = first_divergence(model, hls_model, xs)
    return report
