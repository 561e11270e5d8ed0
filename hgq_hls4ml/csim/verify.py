"""C-simulation harness: compile the firmware with g++, run it, compare with Keras bit for bit."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

import numpy as np

from ..errors import Float32Warning
from ..progress import Progress
from ..timing import Phases
from .samples import checked_samples


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
    """The comparison of the firmware with Keras on the data.

    ``port_mismatches``: output elements that differ from Keras only because an input port type given by the
    user (``input_precision``) changes the float inputs: on the inputs converted to the port format, Keras gives
    what the firmware gives. ``ports``: those port types, by input name.
    """

    n_elements: int
    n_exact: int
    max_abs_diff: float
    times: dict[str, float] = field(default_factory=dict)
    divergence: Divergence | None = None
    hgq_nodes: int = 0
    port_mismatches: int = 0
    ports: dict[str, str] = field(default_factory=dict)
    backend_note: str = ''

    @property
    def exact_fraction(self) -> float:
        return self.n_exact / self.n_elements if self.n_elements else 1.0

    @property
    def bit_exact(self) -> bool:
        return self.n_exact == self.n_elements

    @property
    def other_mismatches(self) -> int:
        """Output elements that differ from Keras for another reason than a given port type."""
        return self.n_elements - self.n_exact - self.port_mismatches

    @property
    def exact_given_port(self) -> bool:
        """Bit-exact, or differing only where a given input port type changes the float inputs."""
        return self.other_mismatches == 0

    def __str__(self) -> str:
        if self.bit_exact:
            verdict = 'BIT-EXACT'
        elif self.exact_given_port:
            verdict = 'EXACT ON THE PORT FORMAT'
        else:
            verdict = 'MISMATCH'
        lines = [
            f'{verdict}: {self.n_exact}/{self.n_elements} output elements equal '
            f'({100 * self.exact_fraction:.2f}%), max |diff| = {self.max_abs_diff:g}',
        ]
        if self.ports:
            given = ', '.join(f'{name}: {t}' for name, t in self.ports.items())
            lines.append(
                f'  input port type given ({given}): {self.port_mismatches} output elements differ because it '
                f'changes the float inputs (Keras on the inputs converted to it equals the firmware), '
                f'{self.other_mismatches} otherwise'
            )
        if self.backend_note:
            lines.append(f'  {self.backend_note}')
        lines.append('  times: ' + Phases(self.times).line())
        if self.divergence is not None:
            d = self.divergence
            lines.append(
                f'  first diverging layer: {d.layer!r} (firmware node {d.firmware_node!r}) at sample/element '
                f'{d.index}: keras={d.keras_value!r} firmware={d.firmware_value!r}'
            )
        return '\n'.join(lines)


def _flat(outputs: Any, n: int) -> np.ndarray:
    outs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return np.concatenate([np.asarray(o, dtype=np.float64).reshape(n, -1) for o in outs], axis=1)


def at_keras_precision(a: np.ndarray) -> np.ndarray:
    """Firmware values rounded to float32, the precision Keras computes and returns its own results in.

    Every firmware value of up to 24 significant bits is unchanged; a wider one (e.g. an average over 3 elements
    that no quantizer reads) compares with Keras's float32 result as Keras would have rounded it.
    """
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


def backend_note(hls_model) -> str:
    """Why the firmware may differ from Keras here: it was converted on another Keras backend, which computes some
    of its float32 averages differently (empty if not)."""
    import keras

    from ..graph import KERAS_BACKEND_KEY, float32_averages
    from ..precision.float32 import AVERAGE_ARITHMETIC

    converted_on, here = hls_model.config.config.get(KERAS_BACKEND_KEY), keras.backend.backend()
    other = {name: a for name, a in float32_averages(hls_model).items() if a != AVERAGE_ARITHMETIC.get(here)}
    if converted_on in (None, here) or not other:
        return ''
    return (
        f'converted on Keras backend {converted_on!r}, compared with Keras on {here!r}, which computes the float32 '
        f'averages of {", ".join(other)} differently ({AVERAGE_ARITHMETIC.get(here, "unknown")} instead of '
        f'{", ".join(sorted(set(other.values())))}); convert on {here!r} for firmware that matches it'
    )


def first_divergence(keras_model, hls_model, xs: list[np.ndarray]) -> Divergence | None:
    """Trace every layer in both models and name the first Keras layer whose output the firmware does not match."""
    import keras

    from ..analysis.floors import floored_frac

    n = len(xs[0])
    arg = [a.astype(np.float64) for a in xs]
    _, trace = hls_model.trace(arg[0] if len(arg) == 1 else arg)
    layers = [lay for lay in keras_model.layers if not isinstance(lay, keras.layers.InputLayer)]
    probe = keras.Model(keras_model.inputs, [lay.output for lay in layers])
    k_outs = keras_reference(probe, xs)
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


#: Most input elements per Keras ``predict`` batch of the reference (a few MB of inputs, far fewer steps than
#: Keras's default batch of 32).
KERAS_BATCH_ELEMENTS = 1 << 20


def keras_reference(model, xs: list[np.ndarray], progress: Progress | None = None) -> Any:
    """Keras's outputs on ``xs``, predicted in large batches (a bar of the samples on ``progress``)."""
    import keras

    per_sample = sum(int(np.prod(a.shape[1:])) for a in xs)
    batch = int(np.clip(KERAS_BATCH_ELEMENTS // max(per_sample, 1), 32, 8192))
    n = len(xs[0])
    progress = progress if progress is not None else Progress()
    with progress.step('Keras reference', total=n) as advance:

        class Advance(keras.callbacks.Callback):
            def on_predict_batch_end(self, batch_index: int, logs: Any = None) -> None:
                advance(min(batch, n - batch_index * batch))

        callbacks = [Advance()] if progress.enabled else []
        return model.predict(xs if len(xs) > 1 else xs[0], batch_size=batch, verbose=0, callbacks=callbacks)


def verify(
    model: Any,
    x: Any,
    *,
    hls_model: Any = None,
    output_dir: str | Path | None = None,
    io_type: str = 'io_parallel',
    backend: str = 'Vitis',
    trace_on_mismatch: bool = True,
    threads: int | None = None,
    progress: bool | Progress = False,
    **convert_kwargs: Any,
) -> VerifyReport:
    """Convert (unless ``hls_model`` is given), compile, run and compare with ``model`` on inputs ``x`` (an array,
    or one per model input, of shape ``(N, *input_shape)``; refused with :class:`~hgq_hls4ml.errors.ArgumentError`
    before anything is written if complex, of another shape or not finite).

    The firmware runs batched on ``threads`` threads (:func:`hgq_hls4ml.csim.batch.predict`). The report's
    ``times`` says where the time went: convert, compile, run (the C simulation), keras (the reference), compare
    (and trace, locating a mismatch). ``progress``: progress bars of the long steps on a terminal's stderr.
    """
    from ..convert import check_keras_model, convert
    from ..graph import is_tagged
    from .batch import predict
    from .build_script import compile_model

    check_keras_model(model)
    xs = checked_samples(model, list(x) if isinstance(x, (list, tuple)) else [x])
    n = len(xs[0])
    times = Phases()
    out_dir = Path(output_dir) if output_dir is not None else Path(mkdtemp(prefix='hgq_hls4ml_'))
    if hls_model is None:
        with times('convert'):
            hls_model = convert(
                model, out_dir, io_type=io_type, backend=backend, trace=trace_on_mismatch, **convert_kwargs
            )
    note = backend_note(hls_model)
    if note:
        warnings.warn(note, Float32Warning, stacklevel=2)
    bars = progress if isinstance(progress, Progress) else Progress(progress)
    with times('compile'):
        compile_model(hls_model, bars)
    with times('run'):
        arg = [a.astype(np.float64) for a in xs]
        fw = _flat(predict(hls_model, arg[0] if len(arg) == 1 else arg, threads=threads, progress=bars), n)
    with times('keras'):
        ref = _flat(keras_reference(model, xs, bars), n)
        ported, ports = port_converted(hls_model, xs)
        ref_port = None if ported is None else _flat(keras_reference(model, ported, bars), n)
    with times('compare'):
        fw_keras = at_keras_precision(fw)
        equal = fw_keras == ref
        port_mismatches = 0 if ref_port is None else int((~equal & (fw_keras == ref_port)).sum())
        report = VerifyReport(
            n_elements=int(equal.size),
            n_exact=int(equal.sum()),
            max_abs_diff=float(np.max(np.abs(fw - ref), initial=0.0)),
            times=times,
            hgq_nodes=sum(is_tagged(node) for node in hls_model.graph.values()),
            port_mismatches=port_mismatches,
            ports=ports,
            backend_note=note,
        )
    if not report.exact_given_port and trace_on_mismatch:
        with times('trace'):
            report.divergence = first_divergence(model, hls_model, xs if ported is None else ported)
    return report


def port_converted(hls_model, xs: list[np.ndarray]) -> tuple[list[np.ndarray] | None, dict[str, str]]:
    """The inputs as the firmware receives them (converted to each input's port type, as the C simulation does),
    if some input's port type was given and is not exact; and the given port types by input name."""
    from ..analysis.port import PORT_REPORTS
    from ..precision.port import convert_to_port

    reports = getattr(hls_model, PORT_REPORTS, {})
    if not reports:
        return None, {}
    ports = {name: report.port.cpp() for name, report in reports.items()}
    if all(report.exact for report in reports.values()):
        return None, ports
    names = list(hls_model.inputs)
    ported = [
        convert_to_port(x, reports[name].port).astype(np.float32) if name in reports else x
        for name, x in zip(names, xs)
    ]
    return ported, ports
