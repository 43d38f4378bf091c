"""Writing a file the learner named (a backup, an export) so that a failure never costs the old one.

The new content goes to a temporary file made by `mkstemp` in the target's own folder (a fresh,
unguessable name opened with O_EXCL, so a planted file or symlink there is never followed), is
flushed to disk, and only then replaces the target in one `os.replace`. A target that exists but is
not a regular file (a device such as /dev/full, a folder, a pipe) is refused rather than replaced;
`-` means standard output. Every write error becomes one `OutputError` naming the file and the cause.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from llmquiz.errors import OutputError

STDOUT = "-"


def is_stdout(target: str | Path) -> bool:
    """Whether `target` names standard output (`-`)."""
    return str(target) == STDOUT


@contextmanager
def open_out(target: str | Path, *, binary: bool = False, private: bool = False) -> Iterator[IO[Any]]:
    """A file object whose content replaces `target` when the block ends without an error.

    On an error the temporary file is removed and `target` is left exactly as it was. `private`
    makes a new file readable by its owner only (a backup holds the learner's answers).

    Example:
        >>> with open_out(tmp / "cards.csv") as f:  # doctest: +SKIP
        ...     f.write("id,question\\n")
    """
    if is_stdout(target):
        with _stdout_errors():
            out = sys.stdout.buffer if binary else sys.stdout
            yield out
            out.flush()
        return
    path = checked_target(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with _write_errors(path), os.fdopen(fd, "wb" if binary else "w",
                                            **({} if binary else {"encoding": "utf-8", "newline": ""})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _publish(Path(tmp), path, private)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_through(target: str | Path, produce: Callable[[Path], None], *, private: bool = False) -> None:
    """Like `open_out`, for a writer that wants a path (genanki writes its package to a file name)."""
    if is_stdout(target):
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder) / "out"
            produce(tmp)
            with _stdout_errors(), tmp.open("rb") as f:
                shutil.copyfileobj(f, sys.stdout.buffer)
                sys.stdout.buffer.flush()
        return
    path = checked_target(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with _write_errors(path):
            produce(Path(tmp))
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        _publish(Path(tmp), path, private)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def replace_file(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Replace `path` with what `write` puts in a fresh `mkstemp` file beside it, in one `os.replace`.

    For llmquiz's own files (settings, caches): the same unguessable temporary name as a learner's
    export, so a file planted in the folder is never followed, and a reader never sees half a file.
    An OSError reaches the caller (a cache shrugs it off, the settings report it); the temporary file
    never stays behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def checked_target(target: str | Path) -> Path:
    """The path a write to `target` replaces: a symlink's regular file, or a new file; else OutputError."""
    given = Path(target)
    path = Path(os.path.realpath(given))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if given.is_symlink():
            raise OutputError(f"{given} is a symlink to {path}, which does not exist; "
                              "write to a regular file instead.") from None
        if not path.parent.is_dir():
            raise OutputError(f"cannot write {given}: the folder {path.parent} does not exist.") from None
        return path
    except OSError as e:
        raise OutputError(f"cannot write {given}: {e.strerror}.") from None
    if not stat.S_ISREG(mode):
        raise OutputError(f"{given} is not a regular file (a folder, device or pipe) and was left alone; "
                          "give a file name, or -o - for standard output.")
    return path


def _publish(tmp: Path, path: Path, private: bool) -> None:
    with _write_errors(path):
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)  # an existing file keeps its permissions
        except FileNotFoundError:
            mode = 0o600 if private else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    # The rename itself is durable only once the folder is synced; best effort where that is allowed.
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def _write_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as e:
        kept = "the previous file is unchanged" if path.exists() else "nothing was written"
        raise OutputError(f"cannot write {path}: {_cause(e)}; {kept}.") from None


@contextmanager
def _stdout_errors() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        # The reader went away (`| head`): silence the flush Python retries at exit, then say so once.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise OutputError("standard output was closed before everything was written.") from None
    except OSError as e:
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise OutputError(f"cannot write to standard output: {_cause(e)}.") from None


def _cause(e: OSError) -> str:
    if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full (free some space and try again)"
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (choose a folder you can write to)"
    return (e.strerror or str(e)).rstrip(".")
