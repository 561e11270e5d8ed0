"""The output folders of ``convert`` and ``verify``: one run at a time (a lock), and nothing half-made left behind.

:func:`project_dir` creates the folder, takes an exclusive lock on it (a ``.hgq-hls4ml.lock`` file inside, held
with ``flock`` while the run writes, removed afterwards), so a second run into the same folder is refused with a
message naming the first; and if the run fails or is interrupted, it removes what this run created: the folder
itself if it did not exist, its contents if it was empty. A folder that held files before (``--force``) is left
as it is, and the message says so. :func:`lock_dir` is the lock alone (``build`` takes it on the project).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import HGQHls4mlError, OutputDirError

LOCK_NAME = '.hgq-hls4ml.lock'


def writable_dir_problem(path: Path) -> str | None:
    """Why no file can be created in the existing directory ``path`` (tried for real: root, read-only file
    systems), or ``None``."""
    try:
        fd, probe = tempfile.mkstemp(dir=path, prefix='.hgq-hls4ml-probe-')
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    os.unlink(probe)
    return None


def _holder(lock_path: Path) -> str:
    try:
        pid = lock_path.read_text().strip()
    except OSError:
        pid = ''
    return f' (pid {pid})' if pid else ''


def _in_use(path: Path) -> OutputDirError:
    return OutputDirError(
        f'{str(path)!r} is in use by another hgq-hls4ml run{_holder(path / LOCK_NAME)}; wait for it to end, or '
        'write to another directory'
    )


def check_not_in_use(path: Path) -> None:
    """Raise :class:`OutputDirError` if another run holds the lock of the directory ``path`` now."""
    try:
        fd = os.open(path / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise _in_use(path) from None
    finally:
        os.close(fd)


def contents(path: Path) -> list[Path]:
    """The entries of the directory ``path``, but the lock file."""
    return [p for p in path.iterdir() if p.name != LOCK_NAME]


@contextmanager
def lock_dir(path: Path) -> Iterator[None]:
    """Hold the exclusive hgq-hls4ml lock of the existing directory ``path``; raise :class:`OutputDirError` naming
    the run that holds it."""
    lock_path = path / LOCK_NAME
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputDirError(f'cannot lock {str(path)!r}: {exc.strerror or exc}') from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise _in_use(path) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # else the holder removed the file between our open and flock: lock the new one
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f'{os.getpid()}\n'.encode())
        yield
    finally:
        lock_path.unlink(missing_ok=True)
        os.close(fd)


def _remove(paths: list[Path]) -> None:
    for p in paths:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


@contextmanager
def project_dir(path: Path, force: bool) -> Iterator[Path]:
    """Create and lock the output directory ``path`` for one run; on an error or interruption, remove what this
    run created (module doc). Refuses a directory that is not empty unless ``force``, checked again under the lock."""
    existed = path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputDirError(f'cannot create output directory {str(path)!r}: {exc.strerror or exc}') from exc
    try:
        with lock_dir(path):
            before = contents(path)
            if before and not force:
                raise OutputDirError(
                    f'output directory {str(path)!r} is not empty; pass --force to write into it '
                    '(files of the same name are overwritten)'
                )
            try:
                yield path
            except BaseException as exc:
                if before:
                    print(f'note: {path} holds files of this run and of earlier ones (--force)', file=sys.stderr)
                elif isinstance(exc, (HGQHls4mlError, KeyboardInterrupt)):
                    _remove(contents(path))
                else:
                    print(
                        f'note: the incomplete project is kept in {path} for a bug report; rerun with --force to '
                        'overwrite it',
                        file=sys.stderr,
                    )
                raise
    except BaseException:
        if not existed and not any(path.iterdir()):
            path.rmdir()
        raise
