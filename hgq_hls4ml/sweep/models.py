"""The models of a sweep: ``.keras`` files, a folder of HGQ2 ``ParetoFront`` checkpoints, or in-memory models.

HGQ2's ``ParetoFront`` callback (``hgq.utils.sugar``) saves each checkpoint on the front as
``path / fname_format.format(**logs)``; its default ``fname_format`` is ``epoch={epoch}`` followed by
``_{metric}={value}`` for each metric it watches, and ``.keras``
(``epoch=12_val_accuracy=0.93_ebops=1830.0.keras``).
It writes no sidecar file: the metrics are in the names. :func:`checkpoint_metrics` reads every ``name=number`` of a
name; a metric name may hold underscores (``val_accuracy``), a number never does. Checkpoints saved as weights only
(``.weights.h5``) have no architecture and are refused.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputFileError

_NUMBER = r'[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf|nan)'
_PAIR = re.compile(rf'(?:^|_)([A-Za-z]\w*?)=({_NUMBER})(?=_|$)')


def checkpoint_metrics(name: str) -> dict[str, float]:
    """The ``metric=value`` pairs of a ``ParetoFront`` checkpoint name (``{}`` for another name); ``epoch`` an int."""
    stem = name.removesuffix('.keras')
    metrics: dict[str, float] = {}
    for key, text in _PAIR.findall(stem):
        value = float(text)
        metrics[key] = int(value) if key == 'epoch' and math.isfinite(value) else value
    return metrics


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def model_sha256(model: Any) -> str:
    """Hash of an in-memory Keras model: its configuration (JSON) and every weight's bytes, in order."""
    import numpy as np

    digest = hashlib.sha256(model.to_json().encode())
    for weight in model.weights:
        digest.update(weight.path.encode())
        digest.update(np.ascontiguousarray(np.asarray(weight)).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelEntry:
    """One model of the sweep. ``path``: the ``.keras`` file the jobs load (an in-memory model is saved into the
    results folder first); ``sha256``: the key of its results; ``metrics``: from its checkpoint name or given."""

    name: str
    path: Path
    sha256: str
    metrics: dict[str, float] = field(default_factory=dict)


def _files(source: Path) -> list[Path]:
    if source.is_dir():
        found = sorted(source.glob('*.keras'), key=lambda p: (checkpoint_metrics(p.name).get('epoch', -1), p.name))
        if not found:
            weights = sorted(p.name for p in source.glob('*.weights.h5'))
            hint = (
                f' (it holds weights-only checkpoints such as {weights[0]!r}: give ParetoFront a fname_format '
                'ending in .keras)'
                if weights
                else ''
            )
            raise InputFileError(f'model folder {str(source)!r}: no .keras model in it{hint}')
        return found
    if not source.exists():
        raise InputFileError(f'model file {str(source)!r}: no such file')
    if source.suffix != '.keras':
        raise InputFileError(f'model file {str(source)!r}: expected a .keras model or a folder of them')
    return [source]


def collect_models(
    models: str | Path | Any | Sequence[Any], store_dir: Path, metrics: Iterable[dict[str, float]] | None = None
) -> list[ModelEntry]:
    """``ModelEntry`` for every model: files and folders as they are, in-memory models saved to
    ``store_dir/models/<sha256>.keras``. ``metrics``: one dict per in-memory model, in order (e.g. accuracy)."""
    items = list(models) if isinstance(models, (list, tuple)) else [models]
    given = list(metrics) if metrics is not None else []
    entries: list[ModelEntry] = []
    n_memory = 0
    missing: list[str] = []
    for item in items:
        if isinstance(item, (str, Path)):
            try:
                files = _files(Path(item))
            except InputFileError as exc:
                missing.append(str(exc))
                continue
            for path in files:
                path = path.resolve()
                entries.append(ModelEntry(path.stem, path, file_sha256(path), checkpoint_metrics(path.name)))
            continue
        sha = model_sha256(item)
        path = store_dir / 'models' / f'{sha[:16]}.keras'
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            item.save(path)
        entries.append(ModelEntry(item.name, path, sha, dict(given[n_memory]) if n_memory < len(given) else {}))
        n_memory += 1
    if missing:
        raise InputFileError('\n'.join(missing))
    if not entries:
        raise InputFileError('no model to sweep')
    return _unique_names(entries)


def _unique_names(entries: list[ModelEntry]) -> list[ModelEntry]:
    """Entries whose names repeat get ``#2``, ``#3``... so that each row names its model unambiguously."""
    seen: dict[str, int] = {}
    out = []
    for entry in entries:
        seen[entry.name] = seen.get(entry.name, 0) + 1
        if seen[entry.name] > 1:
            entry = ModelEntry(f'{entry.name}#{seen[entry.name]}', entry.path, entry.sha256, entry.metrics)
        out.append(entry)
    return out
