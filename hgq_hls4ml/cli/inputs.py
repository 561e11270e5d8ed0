"""What the commands read and write: Keras model files, input data, output directories."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..csim.samples import checked_samples, input_names, input_shapes
from ..errors import InputFileError, OutputDirError
from .project_dir import check_not_in_use, contents, writable_dir_problem

#: Suffixes of the array files ``--data`` and ``--samples`` read.
DATA_SUFFIXES = ('.npy', '.npz')
_NPY_MAGIC = b'\x93NUMPY'
_ZIP_MAGIC = b'PK\x03\x04'

#: ``--random`` inputs: normal with this standard deviation, well beyond typical quantizer ranges.
RANDOM_SCALE = 4.0


def _first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of ``exc``'s message, cut after its last whole sentence that fits in ``limit`` characters."""
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    if len(line) <= limit:
        return line
    ends = [m.end() for m in re.finditer(r'[.;:!?](?=\s)', line[:limit])]
    return line[: ends[-1]] if ends else line[: limit - 3] + '...'


def check_file(path: Path, what: str) -> None:
    """Raise :class:`InputFileError` unless ``path`` is an existing regular file."""
    if not path.exists():
        raise InputFileError(f'{what} {str(path)!r}: no such file')
    if not path.is_file():
        raise InputFileError(f'{what} {str(path)!r}: not a regular file')


def load_model(path: Path) -> Any:
    """Load a saved Keras model holding HGQ2 layers (``.keras`` zip archive, or legacy ``.h5``)."""
    check_file(path, 'model file')
    if path.suffix in DATA_SUFFIXES:
        raise InputFileError(
            f'model file {str(path)!r}: a {path.suffix} file holds arrays, not a Keras model (give the .keras file '
            'model.save() wrote; arrays go to --data or --samples)'
        )
    if path.suffix == '.keras' and not zipfile.is_zipfile(path):
        raise InputFileError(
            f'model file {str(path)!r}: not a Keras model (a .keras file is a zip archive; this one is not a zip '
            'archive, or is truncated)'
        )
    import hgq  # noqa: F401  # registers the HGQ2 layer classes so that they deserialize
    import keras

    try:
        return keras.models.load_model(path, compile=False)
    except Exception as exc:
        raise InputFileError(f'model file {str(path)!r}: cannot load the Keras model: {_first_line(exc)}') from exc


def random_inputs(model: Any, n: int, seed: int) -> list[np.ndarray]:
    """``n`` seeded samples per input, normal with standard deviation :data:`RANDOM_SCALE`."""
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, RANDOM_SCALE, (n, *shape)).astype(np.float32) for shape in input_shapes(model)]


def _read_arrays(path: Path, names: list[str]) -> list[np.ndarray]:
    try:
        with open(path, 'rb') as f:
            head = f.read(len(_NPY_MAGIC))
    except OSError as exc:
        raise InputFileError(f'data file {str(path)!r}: cannot read it: {exc.strerror or exc}') from exc
    if not head.startswith((_NPY_MAGIC, _ZIP_MAGIC)):
        raise InputFileError(
            f'data file {str(path)!r}: not a .npy or .npz file (no NumPy or zip header; write it with numpy.save '
            'or numpy.savez)'
        )
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
    """Input samples from ``.npy`` (one input) or ``.npz`` (one array per input: by input name, else in order),
    checked as :func:`hgq_hls4ml.verify` checks them."""
    check_file(path, 'data file')
    names = input_names(model)
    arrays = _read_arrays(path, names)
    if len(arrays) != len(names):
        raise InputFileError(
            f'data file {str(path)!r}: {len(arrays)} array(s) for a model with {len(names)} input(s) '
            f'({", ".join(names)}); give an .npz with one array per input'
        )
    many = len(arrays) > 1
    labels = [f'array {i} of {str(path)!r}' if many else f'data file {str(path)!r}' for i in range(len(arrays))]
    return checked_samples(model, arrays, labels, InputFileError)


def check_output_dir(path: Path, force: bool) -> Path:
    """The absolute output directory, after checking it can be created or written (nothing is created yet; the
    checks are tried for real, so they hold for root and on read-only file systems too)."""
    path = path.absolute()
    if path.exists():
        if not path.is_dir():
            raise OutputDirError(f'output directory {str(path)!r} exists and is not a directory')
        check_not_in_use(path)
        if contents(path) and not force:
            raise OutputDirError(
                f'output directory {str(path)!r} is not empty; pass --force to write into it '
                '(files of the same name are overwritten)'
            )
        if problem := writable_dir_problem(path):
            raise OutputDirError(f'output directory {str(path)!r} is not writable: {problem}')
        return path
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputDirError(f'cannot create output directory {str(path)!r}: {str(ancestor)!r} is not a directory')
    if problem := writable_dir_problem(ancestor):
        raise OutputDirError(
            f'cannot create output directory {str(path)!r}: {str(ancestor)!r} is not writable: {problem}'
        )
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
    if path.exists() and not (path.is_file() and os.access(path, os.W_OK)):
        raise OutputDirError(f'cannot write {str(path)!r}: not a writable file')
    if problem := writable_dir_problem(path.parent):
        raise OutputDirError(f'cannot write {str(path)!r}: directory {str(path.parent)!r} is not writable: {problem}')
    return path
