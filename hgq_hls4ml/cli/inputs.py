"""What the commands read and write: Keras model files, input data, output directories."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputFileError, OutputDirError

#: ``--random`` inputs: normal with this standard deviation, well beyond typical quantizer ranges.
RANDOM_SCALE = 4.0


def _first_line(exc: BaseException, limit: int = 300) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 3] + '...'


def check_file(path: Path, what: str) -> None:
    """Raise :class:`InputFileError` unless ``path`` is an existing regular file."""
    if not path.exists():
        raise InputFileError(f'{what} {str(path)!r}: no such file')
    if not path.is_file():
        raise InputFileError(f'{what} {str(path)!r}: not a regular file')


def load_model(path: Path) -> Any:
    """Load a saved Keras model holding HGQ2 layers (``.keras`` zip archive, or legacy ``.h5``)."""
    check_file(path, 'model file')
    if path.suffix == '.keras' and not zipfile.is_zipfile(path):
        raise InputFileError(
            f'model file {str(path)!r}: not a Keras model (a .keras file is a zip archive; this one is not a zip '
            'archive, or is truncated)'
        )
    import hgq  # noqa: F401  # registers the HGQ2 layer classes so that they deserialize
    import keras

    from ..ptq import functions  # noqa: F401  # registers the table functions of quantized models

    try:
        return keras.models.load_model(path, compile=False)
    except Exception as exc:
        raise InputFileError(f'model file {str(path)!r}: cannot load the Keras model: {_first_line(exc)}') from exc


def input_shapes(model: Any) -> list[tuple[int, ...]]:
    """Per-sample shape of each model input."""
    return [tuple(int(d) for d in t.shape[1:]) for t in model.inputs]


def random_inputs(model: Any, n: int, seed: int) -> list[np.ndarray]:
    """``n`` seeded samples per input, normal with standard deviation :data:`RANDOM_SCALE`."""
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, RANDOM_SCALE, (n, *shape)).astype(np.float32) for shape in input_shapes(model)]


def _read_arrays(path: Path, names: list[str]) -> list[np.ndarray]:
    try:
        data = np.load(path, allow_pickle=False)
        if isinstance(data, np.ndarray):
            return [data]
        with data:
            order = names if set(names) <= set(data.files) else data.files
            return [data[key] for key in order]
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise InputFileError(f'data file {str(path)!r}: not a readable .npy/.npz file: {_first_line(exc)}') from exc


def load_inputs(path: Path, model: Any) -> list[np.ndarray]:
    """Input samples from ``.npy`` (one input) or ``.npz`` (one array per input: by input name, else in order)."""
    check_file(path, 'data file')
    names = [t.name for t in model.inputs]
    shapes = input_shapes(model)
    arrays = _read_arrays(path, names)
    if len(arrays) != len(shapes):
        raise InputFileError(
            f'data file {str(path)!r}: {len(arrays)} array(s) for a model with {len(shapes)} input(s) '
            f'({", ".join(names)}); give an .npz with one array per input'
        )
    for i, (arr, shape) in enumerate(zip(arrays, shapes)):
        label = f'array {i} of {str(path)!r}' if len(arrays) > 1 else f'data file {str(path)!r}'
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise InputFileError(f'{label}: expected numbers, got dtype {arr.dtype}')
        if arr.shape[1:] != shape or len(arr) == 0:
            expected = ', '.join(map(str, ('N', *shape)))
            raise InputFileError(
                f'{label}: shape {arr.shape} does not fit input {names[i]!r}; expected ({expected}) with N >= 1'
            )
    return [np.asarray(a, dtype=np.float32) for a in arrays]


def check_output_dir(path: Path, force: bool) -> Path:
    """The absolute output directory, after checking it can be created or written (nothing is created yet)."""
    path = path.absolute()
    if path.exists():
        if not path.is_dir():
            raise OutputDirError(f'output directory {str(path)!r} exists and is not a directory')
        if any(path.iterdir()) and not force:
            raise OutputDirError(
                f'output directory {str(path)!r} is not empty; pass --force to write into it '
                '(files of the same name are overwritten)'
            )
        if not os.access(path, os.W_OK | os.X_OK):
            raise OutputDirError(f'output directory {str(path)!r} is not writable')
        return path
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputDirError(f'cannot create output directory {str(path)!r}: {str(ancestor)!r} is not a directory')
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputDirError(f'cannot create output directory {str(path)!r}: {str(ancestor)!r} is not writable')
    return path


def check_output_file(path: Path, force: bool, suffix: str | None = None) -> Path:
    """``path``, after checking it may be written: its directory exists, and it does not unless ``force``; with
    ``suffix``, it ends in it."""
    if suffix is not None and path.suffix != suffix:
        raise OutputDirError(f'output file {str(path)!r}: the name must end in {suffix}')
    if path.exists() and not force:
        raise OutputDirError(f'{str(path)!r} exists; pass --force to overwrite it')
    if not path.parent.is_dir():
        raise OutputDirError(f'cannot write {str(path)!r}: directory {str(path.parent)!r} does not exist')
    return path


def make_output_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputDirError(f'cannot create output directory {str(path)!r}: {exc.strerror or exc}') from exc
