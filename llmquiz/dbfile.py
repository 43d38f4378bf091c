"""The progress file as a file: connecting to it, telling its failures apart, moving a damaged one aside.

Every way SQLite can fail on the learner's file becomes one `StoreError` sentence with a way out:
a lock (another llmquiz or program holds the file), a full disk, missing permission, a disk error,
or damage. A damaged file is never repaired or overwritten in place: it is renamed with a timestamp
(its -wal and -shm beside it) so nothing in it is lost, and the learner is told how to restore a backup.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from llmquiz.errors import (
    StoreBusyError,
    StoreError,
    StoreFullError,
    StorePermissionError,
)

SQLITE_HEADER = b"SQLite format 3\x00"
# SQLite's primary result codes (the low byte of an extended code).
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN = 10, 11, 13, 14
SQLITE_AUTH, SQLITE_NOTADB = 23, 26
RESTORE_HINT = ("to get your progress back, run `llmquiz restore FILE` with your latest backup "
                "(written by `llmquiz backup`)")


def connect(path: Path, busy_ms: int) -> sqlite3.Connection:
    """A connection in WAL mode that waits up to `busy_ms` for another writer's lock."""
    db = sqlite3.connect(path, timeout=busy_ms / 1000, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    # WAL lets one terminal read while another writes; NORMAL sync is durable across app crashes.
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def primary_code(e: sqlite3.Error) -> int | None:
    """SQLite's primary result code for `e` (None when the driver did not attach one)."""
    code = getattr(e, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_busy(e: sqlite3.Error) -> bool:
    """Whether `e` means another connection holds the lock (worth waiting for and retrying)."""
    return primary_code(e) in (SQLITE_BUSY, SQLITE_LOCKED) or "locked" in str(e).lower()


def is_corruption(e: sqlite3.Error) -> bool:
    """Whether `e` says the file's content is damaged (as opposed to locked, full or forbidden)."""
    if primary_code(e) in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return True
    text = str(e).lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt", "file is encrypted"))


def failure(e: sqlite3.Error, path: Path, doing: str, waited_s: float = 0.0) -> StoreError:
    """The one-sentence error for a failure that is not damage: lock, full disk, permission, I/O, other.

    `doing` completes "cannot ... {path}", e.g. "save progress to"; `waited_s` is how long a lock was waited on.
    """
    code = primary_code(e)
    if is_busy(e):
        return StoreBusyError(
            f"cannot {doing} {path}: another llmquiz (or another program) kept it locked for "
            f"{waited_s:.0f} s; finish or close the other one and try again.")
    if code == SQLITE_FULL or "disk is full" in str(e).lower():
        return StoreFullError(f"cannot {doing} {path}: the disk is full; free some space and try again "
                              "(what was saved before is safe).")
    if code in (SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_AUTH):
        return StorePermissionError(
            f"cannot {doing} {path}: permission denied ({e}); make the file and its folder writable "
            "(chmod u+rw), or set LLMQUIZ_HOME to a folder you own.")
    if code == SQLITE_IOERR:
        return StoreError(f"cannot {doing} {path}: the disk reported an error ({e}); copy the file "
                          "somewhere safe, check the disk, and try again.")
    return StoreError(f"cannot {doing} {path}: SQLite reported \"{e}\"; try again, and if it persists "
                      f"copy the file somewhere safe and report it.")


def looks_corrupt(path: Path) -> bool:
    """A non-empty file whose first bytes are not SQLite's header (cheap, before any connection)."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError:
        return False
    return len(head) > 0 and head != SQLITE_HEADER


def quick_check(db: sqlite3.Connection) -> str | None:
    """SQLite's `quick_check` of every page: None when the file is sound, else the first problem."""
    rows = db.execute("PRAGMA quick_check(1)").fetchall()
    first = str(rows[0][0]) if rows else "no answer"
    return None if first == "ok" else first


def move_aside(path: Path, now: datetime | None, why: str) -> str:
    """Rename a damaged file (and its -wal/-shm) to `NAME.corrupt-STAMP`; return what to tell the learner."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        os.replace(path, target)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                os.replace(side, target.with_name(target.name + suffix))
    except OSError as e:
        raise StoreError(f"the progress file {path} is damaged ({why}) and could not be moved aside: "
                         f"{e.strerror}; move it yourself or set LLMQUIZ_HOME to another folder.") from None
    return (f"The progress file {path} could not be read ({why}); it was moved to {target} and a new one was "
            f"started: {RESTORE_HINT}.")
