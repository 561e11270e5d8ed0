"""The one check of input samples, shared by :func:`hgq_hls4ml.verify` and the CLI's ``--data``/``--samples``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentError, HGQHls4mlError


def input_names(model: Any) -> list[str]:
    """The names of the model's inputs, in order."""
    return [t.name for t in model.inputs]


def input_shapes(model: Any) -> list[tuple[int, ...]]:
    """Per-sample shape of each model input."""
    return [tuple(int(d) for d in t.shape[1:]) for t in model.inputs]


def _non_finite(label: str, original: np.ndarray, converted: np.ndarray) -> str | None:
    bad = ~np.isfinite(converted)
    count = int(bad.sum())
    if not count:
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    value = original[index]
    beyond = ' (beyond float32)' if np.isfinite(value) else ''
    return (
        f'{label}: {count} non-finite value{"s" if count > 1 else ""} (NaN or +-inf) of {converted.size}, the first '
        f'at index {index}: {value!r}{beyond}; the firmware and Keras compare only on finite inputs, remove or '
        'replace them'
    )


def checked_samples(
    model: Any,
    arrays: Sequence[Any],
    labels: Sequence[str] | None = None,
    error: type[HGQHls4mlError] = ArgumentError,
) -> list[np.ndarray]:
    """``arrays`` (one per model input) as float32 after checking them: one array per input, real numbers
    (no complex, no objects), shape ``(N, *input_shape)`` with ``N >= 1`` and the same ``N`` for all, every value
    finite as float32. Raises ``error`` naming the array (``labels``, default ``input 'name'``) and the problem."""
    names = input_names(model)
    shapes = input_shapes(model)
    if len(arrays) != len(shapes):
        raise error(
            f'{len(arrays)} array(s) for a model with {len(shapes)} input(s) ({", ".join(names)}); give one array '
            'per input'
        )
    labels = list(labels) if labels is not None else [f'input {name!r}' for name in names]
    out = []
    for arr, shape, name, label in zip(arrays, shapes, names, labels):
        arr = np.asarray(arr)
        if np.iscomplexobj(arr):
            raise error(f'{label}: complex numbers (dtype {arr.dtype}); the model takes real inputs')
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise error(f'{label}: expected numbers, got dtype {arr.dtype}')
        if arr.shape[1:] != shape or len(arr) == 0:
            expected = ', '.join(map(str, ('N', *shape)))
            raise error(f'{label}: shape {arr.shape} does not fit input {name!r}; expected ({expected}) with N >= 1')
        with np.errstate(over='ignore', invalid='ignore'):
            converted = arr.astype(np.float32)
        if problem := _non_finite(label, arr, converted):
            raise error(problem)
        out.append(converted)
    if len({len(a) for a in out}) > 1:
        sizes = ', '.join(f'{label}: {len(a)}' for label, a in zip(labels, out))
        raise error(f'the inputs hold different numbers of samples ({sizes}); give the same N for every input')
    return out
