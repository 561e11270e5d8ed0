"""``check``: how many values each quantizer of an HGQ2 model saturates or wraps on data, and which ``WRAP``
quantizers were never calibrated.

A value overflows when, rounded to its element's fractional bits, it falls outside ``[min, max]``: ``SAT`` modes
clip it, ``WRAP`` modes wrap it around (a silent, large error). Elements of zero bits (HGQ2 outputs 0 there by
design) are not counted. HGQ2 keeps no record of a ``trace_minmax`` run; a ``WRAP`` quantizer is *uncalibrated*
when its integer bits and sign are still, in every element, the ``i0``/``k0`` of its config (neither
``trace_minmax`` nor training moved them), or still hold ``trace_minmax``'s reset value (reset, never traced).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from quantizers.fixed_point.fixed_point_ops_np import round_mode_registry_scaled_np

from ..errors import ModelInputError
from ..handlers.quantizer import quantizer_kif
from ..hgq2_api import quantizer_integer_bits, quantizer_keep_negative
from ..precision.fixed import kif_range, normalize_round_mode
from ..progress import Progress
from ..reports.render import text_grid
from .base import input_arrays, quantizers_of

if TYPE_CHECKING:
    import keras
    from hgq.quantizer import Quantizer

#: What ``trace_minmax`` resets integer bits to before tracing (-1e9); anything below this was never traced.
RESET_BELOW = -1e8
#: Places whose quantizer reads constants (weights): counted on the first batch only.
CONSTANT_PLACES = ('weight', 'bias')


def _count(n: int, noun: str) -> str:
    return f'{n} {noun}{"" if n == 1 else "s"}'


@dataclass(frozen=True)
class QuantizerCheck:
    """One quantizer on the data: ``values`` quantized (zero-bit elements excluded), how many of them overflow,
    the largest distance outside the range, and the integer bits the largest overflow lacks (a missing sign bit
    counts one)."""

    name: str
    layer: str
    overflow_mode: str
    place: str
    values: int
    overflows: int
    max_excess: float
    missing_bits: int
    uncalibrated: bool

    @property
    def wraps(self) -> bool:
        """The quantizer wraps out-of-range values (``WRAP``, ``WRAP_SM``) rather than saturating them."""
        return self.overflow_mode.startswith('WRAP')

    @property
    def problem(self) -> bool:
        """A silent error: an uncalibrated ``WRAP`` quantizer, or values that wrap."""
        return self.uncalibrated or (self.wraps and self.overflows > 0)

    @property
    def note(self) -> str:
        notes = ['UNCALIBRATED'] if self.uncalibrated else []
        if self.overflows:
            notes.append('WRAPS' if self.wraps else 'saturates')
        return ', '.join(notes)


@dataclass(frozen=True)
class CheckReport:
    """Every fixed-point quantizer of ``model`` on ``n_samples`` samples, in model order; ``skipped``: quantizers
    of other kinds (floating point), by name."""

    model: str
    n_samples: int
    quantizers: tuple[QuantizerCheck, ...]
    skipped: tuple[str, ...] = ()

    @property
    def saturated(self) -> int:
        """Values clipped to their quantizer's range (``SAT`` modes)."""
        return sum(q.overflows for q in self.quantizers if not q.wraps)

    @property
    def wrapped(self) -> int:
        """Values wrapped around (``WRAP`` modes)."""
        return sum(q.overflows for q in self.quantizers if q.wraps)

    @property
    def problems(self) -> list[QuantizerCheck]:
        """The quantizers that wrap on the data or are uncalibrated."""
        return [q for q in self.quantizers if q.problem]

    def table(self) -> str:
        """One row per quantizer, then a summary line."""
        headers = ('quantizer', 'layer', 'mode', 'values', 'overflows', '%', 'max excess', 'int bits short', 'note')
        rows = [
            [
                q.name,
                q.layer,
                q.overflow_mode,
                q.values,
                q.overflows,
                round(100 * q.overflows / q.values, 2) if q.values else 0,
                f'{q.max_excess:.4g}',
                q.missing_bits,
                q.note,
            ]
            for q in self.quantizers
        ]
        over = [q for q in self.quantizers if q.overflows]
        wrapping = [q for q in over if q.wraps]
        uncalibrated = sum(q.uncalibrated for q in self.quantizers)
        lines = [
            text_grid(headers, rows),
            f'{self.model}: {len(self.quantizers)} quantizers on {self.n_samples} samples; '
            f'{sum(q.overflows for q in over)} of {sum(q.values for q in self.quantizers)} values overflow, in '
            f'{_count(len(over), "quantizer")}: {self.saturated} saturated, {self.wrapped} wrapped (wrapping in '
            f'{_count(len(wrapping), "quantizer")}); {_count(uncalibrated, "uncalibrated quantizer")}',
        ]
        if self.skipped:
            lines.append('not fixed-point, not checked: ' + ', '.join(self.skipped))
        return '\n'.join(lines)

    def __str__(self) -> str:
        return self.table()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: the fields, each quantizer as a dict with its ``note``."""
        out = asdict(self)
        out['quantizers'] = [{**asdict(q), 'note': q.note} for q in self.quantizers]
        out['problems'] = [q.name for q in self.problems]
        out['saturated'], out['wrapped'] = self.saturated, self.wrapped
        return out


class _Tally:
    """Counts of one quantizer, added to on every call (in numpy, from the per-element bits the converter reads)."""

    def __init__(self, name: str, layer: str, q: Quantizer):
        self.name, self.layer, self.q = name, layer, q
        self.constant = q.config.place in CONSTANT_PLACES
        self.calls = self.values = self.overflows = self.missing_bits = 0
        self.max_excess = 0.0
        self._round = round_mode_registry_scaled_np[normalize_round_mode(q.quantizer.round_mode)]
        self._kif: dict[tuple[int, ...], tuple[np.ndarray, ...]] = {}

    def _bits(self, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
        """``k, i, f, lo, hi`` per element of one sample of ``shape`` (all 0 for zero-bit elements)."""
        if shape not in self._kif:
            k, i, f = (a.astype(np.float64) for a in quantizer_kif(self.q, shape))
            self._kif[shape] = (k, i, f, *kif_range(k, i, f, self.q.quantizer.overflow_mode))
        return self._kif[shape]

    def add(self, x: Any) -> None:
        from keras import ops

        self.calls += 1
        if self.constant and self.calls > 1:
            return
        x = np.asarray(ops.convert_to_numpy(x), dtype=np.float64)
        x = x[None] if self.constant else x  # weights have no batch axis
        k, i, f, lo, hi = self._bits(x.shape[1:])
        rounded = self._round(x, f)
        live = np.broadcast_to(k + i + f > 0, x.shape)
        excess = np.where(live, np.maximum(np.maximum(rounded - hi, lo - rounded), 0.0), 0.0)
        over = excess > 0
        self.values += int(live.sum())
        self.overflows += int(over.sum())
        if over.any():
            self.max_excess = max(self.max_excess, float(excess.max()))
            r, k, i, f = (np.broadcast_to(a, x.shape)[over] for a in (rounded, k, i, f))
            short = _integer_bits(r, f, self.q.quantizer.symmetric) - i + ((k == 0) & (r < 0))  # a sign: 1 bit
            self.missing_bits = max(self.missing_bits, int(short.max()))


def _integer_bits(r: np.ndarray, f: np.ndarray, symmetric: bool) -> np.ndarray:
    """The fewest integer bits that hold each of ``r`` (a ``2**-f`` grid value), as HGQ2 counts them."""
    if symmetric:
        return np.ceil(np.log2(np.abs(r) + 2.0**-f))
    return np.where(r >= 0, np.ceil(np.log2(np.abs(r) + 2.0**-f)), np.ceil(np.log2(np.abs(r))))


def _uncalibrated(q: Quantizer) -> bool:
    qi = q.quantizer
    if qi.overflow_mode != 'WRAP':
        return False
    i, k = quantizer_integer_bits(qi), quantizer_keep_negative(qi)
    if (i < RESET_BELOW).any():
        return True
    i0, k0 = q.config.config.get('i0'), q.config.config.get('k0')
    if not all(isinstance(v, (int, float, bool, np.number)) for v in (i0, k0)):
        return False
    return bool(np.all(i == float(i0)) and np.all(k == float(k0)))


@contextmanager
def _recording(tallies: list[_Tally]) -> Iterator[None]:
    """Every call of each tally's internal quantizer is counted (the quantizer's input after its scaler)."""
    for tally in tallies:
        qi, original = tally.q.quantizer, tally.q.quantizer.call

        def call(inputs: Any, training: Any = None, _tally: _Tally = tally, _original: Any = original) -> Any:
            _tally.add(inputs)
            return _original(inputs, training=training)

        qi.call = call
    try:
        yield
    finally:
        for tally in tallies:
            del tally.q.quantizer.call


def check(model: keras.Model, data: Any, batch_size: int = 1024, progress: bool | Progress = False) -> CheckReport:
    """Run ``model`` on ``data`` (an array, or one per input) and count, for every fixed-point quantizer, the values
    it saturates or wraps and by how much; flag the ``WRAP`` quantizers that were never calibrated. ``progress``: a
    progress bar of the samples on a terminal's stderr."""
    from ..convert import check_keras_model

    check_keras_model(model)
    xs = input_arrays(data, model, 'data')
    found = quantizers_of(model)
    if not found:
        raise ModelInputError(
            f'model {model.name!r} has no HGQ2 quantizer; check reads HGQ2 models (hgq-hls4ml quantize makes one '
            'from a float Keras model)'
        )
    tallies = [_Tally(name, layer, q) for name, layer, q in found if hasattr(q.quantizer, 'kif')]
    bars = progress if isinstance(progress, Progress) else Progress(progress)
    with _recording(tallies), bars.step('check', total=len(xs[0])) as advance:
        for start in range(0, len(xs[0]), batch_size):
            batch = [x[start : start + batch_size] for x in xs]
            model(batch[0] if len(batch) == 1 else batch, training=False)
            advance(len(batch[0]))
    rows = tuple(
        QuantizerCheck(
            name=t.name,
            layer=t.layer,
            overflow_mode=t.q.quantizer.overflow_mode,
            place=t.q.config.place,
            values=t.values,
            overflows=t.overflows,
            max_excess=t.max_excess,
            missing_bits=t.missing_bits,
            uncalibrated=_uncalibrated(t.q),
        )
        for t in tallies
    )
    skipped = tuple(name for name, _, q in found if not hasattr(q.quantizer, 'kif'))
    return CheckReport(model.name, len(xs[0]), rows, skipped)
