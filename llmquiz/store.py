"""The progress store: one SQLite file holding every review and each card's schedule.

Each review is committed the moment it is made (WAL journal, one short IMMEDIATE transaction), so a
Ctrl-C or a kill loses at most the card on screen, and two terminals can study at once. The schema
carries a version (`PRAGMA user_version`) and migrates itself on open with named functions. A save
that meets another writer's lock waits and retries; every other failure is one `StoreError` sentence
(see `dbfile`), and a damaged file is moved aside with a timestamped name, never overwritten.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llmquiz import dbfile, paths
from llmquiz.errors import StoreCorruptError, StoreError, StorePermissionError
from llmquiz.review import Rating, Review

REVIEW_COLUMNS = ("card_id, topic, reviewed_at, mode, answer, score, verdict, rating, seconds, found, "
                  "missed, state_before, state_after")
INSERT_REVIEW = f"INSERT INTO reviews ({REVIEW_COLUMNS}, day) VALUES ({', '.join('?' * 14)})"


def m001_initial(db: sqlite3.Connection) -> None:
    """Reviews, and the current schedule of every card ever reviewed."""
    _script(db, """
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            card_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,          -- ISO 8601, UTC
            mode TEXT NOT NULL,                 -- free | flash | predict
            answer TEXT NOT NULL DEFAULT '',
            score INTEGER,                      -- 0-5, NULL when self-rated (flash)
            verdict TEXT,
            rating INTEGER NOT NULL,            -- 1 again, 2 hard, 3 good, 4 easy
            seconds REAL NOT NULL,
            found TEXT NOT NULL DEFAULT '[]',   -- key points stated (JSON list)
            missed TEXT NOT NULL DEFAULT '[]',  -- key points missed (JSON list)
            state_before TEXT,                  -- schedule before this review (JSON), for undo
            state_after TEXT
        );
        CREATE INDEX reviews_card ON reviews(card_id, reviewed_at);
        CREATE INDEX reviews_time ON reviews(reviewed_at);
        CREATE TABLE card_state (
            card_id TEXT PRIMARY KEY,
            state TEXT NOT NULL,                -- the scheduler's card (JSON)
            due TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX card_state_due ON card_state(due);
    """)


def m002_days_and_misses(db: sqlite3.Connection) -> None:
    """A local-day column for per-day stats, and running counts of missed key points.

    Both make `llmquiz stats` independent of the number of reviews: a million reviews are
    summed through indexes instead of being read one by one.
    """
    _script(db, """
        ALTER TABLE reviews ADD COLUMN day TEXT;
        UPDATE reviews SET day = date(reviewed_at, 'localtime');
        CREATE INDEX reviews_day ON reviews(day, card_id);
        CREATE INDEX reviews_again ON reviews(card_id) WHERE rating = 1;
        CREATE TABLE misses (
            card_id TEXT NOT NULL,
            point TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (card_id, point)
        ) WITHOUT ROWID;
        INSERT INTO misses (card_id, point, n)
            SELECT card_id, value, COUNT(*) FROM reviews, json_each(reviews.missed) GROUP BY card_id, value
    """)


def m003_holds(db: sqlite3.Connection) -> None:
    """Cards the learner set aside during a session: suspended (until released) or buried (until a time)."""
    _script(db, """
        CREATE TABLE holds (
            card_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,                 -- suspended | buried
            until TEXT,                         -- ISO 8601 UTC for buried, NULL for suspended
            held_at TEXT NOT NULL
        ) WITHOUT ROWID
    """)


def _script(db: sqlite3.Connection, sql: str) -> None:
    # Statement by statement: executescript() would COMMIT the migration's open transaction.
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


# Applied in order; the store's user_version is how many have run. Append, never edit.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [m001_initial, m002_days_and_misses, m003_holds]


class Store:
    """Progress for one learner. Open with `Store.open()`; use as a context manager to close.

    Any SQLite failure inside the `with` block (or in a write) comes out as one `StoreError`: a
    lock is waited on and retried first, and a damaged file is moved aside and replaced by a new one.
    """

    # A save waits this long for another writer's lock, then retries after each pause below.
    BUSY_MS = 5000
    LOCK_BACKOFF_S = (0.5, 1.0)
    # quick_check reads every page: cheap up to this size (about 20,000 reviews, ~0.05 s on an idle
    # laptop core); beyond it, damage is caught by the command that meets it.
    QUICK_CHECK_MAX_BYTES = 16 * 1024 * 1024

    def __init__(self, db: sqlite3.Connection, path: Path, notice: str | None = None) -> None:
        self.db = db
        self.path = path
        # Set when an unreadable file was moved aside on open; the CLI shows it once.
        self.notice = notice

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None, *, now: datetime | None = None) -> Store:
        """Open (creating and migrating as needed) the store at `path` or the default location.

        A file that is not SQLite, or whose pages fail `quick_check`, is moved aside with a
        timestamp and a new store is started; `notice` then says so and how to restore a backup.
        """
        path = Path(path) if path else paths.store_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorePermissionError(f"cannot create the progress folder {path.parent}: {e.strerror}; "
                                       "set LLMQUIZ_HOME to a writable folder.") from None
        if path.exists() and not os.access(path, os.R_OK):
            raise StorePermissionError(f"cannot read the progress file {path}: permission denied; "
                                       "fix its permissions or set LLMQUIZ_HOME to another folder.")
        notice = None
        if dbfile.looks_corrupt(path):
            notice = dbfile.move_aside(path, now, "it is not an SQLite database")
        try:
            db = cls._connect_checked(path)
        except sqlite3.DatabaseError as e:
            if not dbfile.is_corruption(e):
                raise dbfile.failure(e, path, "open the progress file", cls.BUSY_MS / 1000) from None
            notice = dbfile.move_aside(path, now, f"SQLite reported: {e}")
            try:
                db = cls._connect_checked(path)
            except sqlite3.DatabaseError as again:
                raise dbfile.failure(again, path, "start a new progress file", cls.BUSY_MS / 1000) from None
        return cls(db, path, notice)

    @classmethod
    def _connect_checked(cls, path: Path) -> sqlite3.Connection:
        small = not path.exists() or path.stat().st_size <= cls.QUICK_CHECK_MAX_BYTES
        db = dbfile.connect(path, cls.BUSY_MS)
        try:
            _migrate(db)
            problem = dbfile.quick_check(db) if small else None
        except BaseException:
            db.close()
            raise
        if problem is not None:
            db.close()
            raise sqlite3.DatabaseError(f"database disk image is malformed: {problem}")
        return db

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        try:
            if isinstance(exc, sqlite3.DatabaseError):
                # Any command's read that hits a damaged page ends here: one sentence, file moved aside.
                raise self.failure(exc, "read progress from") from None
        finally:
            self.close()

    def failure(self, e: sqlite3.DatabaseError, doing: str, waited_s: float = 0.0) -> StoreError:
        """The StoreError for `e`; a damaged file is moved aside first and a new one opened in its place."""
        if not dbfile.is_corruption(e):
            return dbfile.failure(e, self.path, doing, waited_s)
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        message = dbfile.move_aside(self.path, None, f"SQLite reported: {e}")
        self.notice = message  # for a caller that goes on (a study session): say it once
        try:
            self.db = dbfile.connect(self.path, self.BUSY_MS)
            _migrate(self.db)
        except sqlite3.DatabaseError as again:
            return dbfile.failure(again, self.path, "start a new progress file")
        return StoreCorruptError(message)

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: another writer's lock is waited on and retried; any failure is a StoreError."""
        waited = 0.0
        for pause in (*self.LOCK_BACKOFF_S, None):
            started = time.monotonic()
            try:
                self.db.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.DatabaseError as e:
                waited += time.monotonic() - started
                if pause is None or not dbfile.is_busy(e):
                    raise self.failure(e, "save progress to", waited) from None
                time.sleep(pause)
                waited += pause
        try:
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as e:
            _rollback(self.db)
            raise self.failure(e, "save progress to") from None
        except BaseException:
            _rollback(self.db)
            raise

    # -- writing ---------------------------------------------------------------------------------

    def record(self, review: Review, *, due: datetime | None = None) -> int:
        """Save a review and the card's new schedule in one transaction; return the review id."""
        with self.writing() as db:
            return self._insert(db, review, due)

    @staticmethod
    def _insert(db: sqlite3.Connection, review: Review, due: datetime | None) -> int:
        cur = db.execute(INSERT_REVIEW, _row(review))
        _count_misses(db, review, +1)
        if review.state_after is not None:
            db.execute(
                "INSERT INTO card_state (card_id, state, due, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(card_id) DO UPDATE SET state=excluded.state, due=excluded.due, "
                "updated_at=excluded.updated_at",
                (review.card_id, json.dumps(review.state_after),
                 (due or review.reviewed_at).isoformat(), review.reviewed_at.isoformat()))
        return int(cur.lastrowid or 0)

    def undo_last(self) -> Review | None:
        """Delete the newest review and put the card's schedule back as it was before it."""
        with self.writing() as db:
            row = db.execute(f"SELECT id, {REVIEW_COLUMNS} FROM reviews ORDER BY id DESC LIMIT 1").fetchone()
            if row is None:
                return None
            review = _review(row)
            db.execute("DELETE FROM reviews WHERE id = ?", (review.id,))
            _count_misses(db, review, -1)
            if review.state_before is None:
                db.execute("DELETE FROM card_state WHERE card_id = ?", (review.card_id,))
            else:
                before = review.state_before
                db.execute("INSERT OR REPLACE INTO card_state (card_id, state, due, updated_at) "
                           "VALUES (?, ?, ?, ?)", (review.card_id, json.dumps(before), before["due"],
                                                   before.get("last_review") or before["due"]))
            return review

    def reset(self, card_ids: Iterable[str] | None = None) -> int:
        """Forget reviews, schedules and holds (of `card_ids`, or all); return how many reviews went."""
        with self.writing() as db:
            if card_ids is None:
                n = db.execute("DELETE FROM reviews").rowcount
                db.execute("DELETE FROM card_state")
                db.execute("DELETE FROM misses")
                db.execute("DELETE FROM holds")
                return n
            ids = list(card_ids)
            n = 0
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                n += db.execute(f"DELETE FROM reviews WHERE card_id IN ({marks})", chunk).rowcount
                db.execute(f"DELETE FROM card_state WHERE card_id IN ({marks})", chunk)
                db.execute(f"DELETE FROM misses WHERE card_id IN ({marks})", chunk)
                db.execute(f"DELETE FROM holds WHERE card_id IN ({marks})", chunk)
            return n

    def review_card(self, card_id: str,
                    build: Callable[[dict[str, Any] | None], tuple[Review, datetime]]) -> Review:
        """Save the review `build(state_before)` makes from the card's schedule, read in the same transaction.

        Reading the schedule under the write lock means two terminals reviewing one card each build
        on the other's result, never on a stale copy.
        """
        with self.writing() as db:
            row = db.execute("SELECT state FROM card_state WHERE card_id = ?", (card_id,)).fetchone()
            review, due = build(json.loads(row[0]) if row else None)
            review_id = self._insert(db, review, due)
        return dataclasses.replace(review, id=review_id)

    def hold(self, card_id: str, kind: str, *, now: datetime, until: datetime | None = None) -> None:
        """Suspend a card (`kind` "suspended", until released) or bury it ("buried", until `until`)."""
        with self.writing() as db:
            db.execute("INSERT OR REPLACE INTO holds (card_id, kind, until, held_at) VALUES (?, ?, ?, ?)",
                       (card_id, kind, until.astimezone(UTC).isoformat() if until else None,
                        now.astimezone(UTC).isoformat()))

    def release(self, card_ids: Iterable[str] | None = None) -> list[str]:
        """Lift the holds on `card_ids` (or on every card); return the ids that were held."""
        with self.writing() as db:
            held = [cid for (cid,) in db.execute("SELECT card_id FROM holds ORDER BY card_id")]
            gone = held if card_ids is None else [cid for cid in held if cid in set(card_ids)]
            db.executemany("DELETE FROM holds WHERE card_id = ?", [(cid,) for cid in gone])
            return gone

    def holds(self, now: datetime | None = None) -> dict[str, tuple[str, str | None]]:
        """Card id -> (kind, until) of every hold, or of those still in force at `now`."""
        rows = self.db.execute("SELECT card_id, kind, until FROM holds ORDER BY card_id").fetchall()
        stamp = now.astimezone(UTC).isoformat() if now else None
        return {cid: (kind, until) for cid, kind, until in rows
                if stamp is None or until is None or until > stamp}

    # -- reading ---------------------------------------------------------------------------------

    def state(self, card_id: str) -> dict[str, Any] | None:
        """The card's current schedule (the scheduler's JSON), or None if never reviewed."""
        row = self.db.execute("SELECT state FROM card_state WHERE card_id = ?", (card_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def states(self, card_ids: Iterable[str] | None = None) -> dict[str, tuple[dict[str, Any], str]]:
        """The schedule and due time (ISO) of every reviewed card, or of those among `card_ids`."""
        if card_ids is None:
            return {cid: (json.loads(s), due) for cid, s, due in
                    self.db.execute("SELECT card_id, state, due FROM card_state")}
        out = {}
        for chunk in _chunks(list(card_ids), 500):
            marks = ",".join("?" * len(chunk))
            out.update({cid: (json.loads(s), due) for cid, s, due in self.db.execute(
                f"SELECT card_id, state, due FROM card_state WHERE card_id IN ({marks})", chunk)})
        return out

    def due_times(self) -> dict[str, str]:
        """Card id -> due time (ISO 8601 UTC), for every card with a schedule."""
        return dict(self.db.execute("SELECT card_id, due FROM card_state"))

    def reviews(self, card_id: str | None = None, *, since: datetime | None = None,
                limit: int | None = None, newest_first: bool = False) -> list[Review]:
        """Reviews, oldest first unless `newest_first`; optionally of one card or since a time."""
        sql = f"SELECT id, {REVIEW_COLUMNS} FROM reviews"
        where, args = [], []
        if card_id is not None:
            where.append("card_id = ?")
            args.append(card_id)
        if since is not None:
            where.append("reviewed_at >= ?")
            args.append(since.isoformat())
        if where:
            sql += " WHERE " + " AND ".join(where)
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY reviewed_at {order}, id {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_review(r) for r in self.db.execute(sql, args)]

    def each_review_row(self) -> Iterator[tuple[Any, ...]]:
        """Every review as stored (the shape of `Review.row()`: JSON columns as text), oldest first,
        row by row: a million reviews never sit in memory at once."""
        yield from self.db.execute(f"SELECT {REVIEW_COLUMNS} FROM reviews ORDER BY reviewed_at, id")

    def each_state(self) -> Iterator[tuple[str, dict[str, Any], str]]:
        """Every card's (id, schedule, due), read row by row."""
        for card_id, state, due in self.db.execute("SELECT card_id, state, due FROM card_state ORDER BY card_id"):
            yield card_id, json.loads(state), due

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside the block see one consistent moment, while other terminals go on saving (WAL)."""
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            _rollback(self.db)

    def count(self) -> int:
        """How many reviews the store holds."""
        return int(self.db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0])


def _row(review: Review) -> tuple[Any, ...]:
    # The learner's local calendar day, fixed at review time: streaks and per-day charts use it.
    return (*review.row(), review.reviewed_at.astimezone().date().isoformat())


def _count_misses(db: sqlite3.Connection, review: Review, sign: int) -> None:
    for point in set(review.missed):
        db.execute("INSERT INTO misses (card_id, point, n) VALUES (?, ?, ?) ON CONFLICT(card_id, point) "
                   "DO UPDATE SET n = n + excluded.n", (review.card_id, point, sign))
    if sign < 0:
        db.execute("DELETE FROM misses WHERE n <= 0")


def _review(row: tuple[Any, ...]) -> Review:
    (rid, card_id, topic, at, mode, answer, score, verdict, rating, seconds, found, missed,
     before, after) = row
    return Review(card_id=card_id, topic=topic, reviewed_at=datetime.fromisoformat(at), mode=mode,
                  rating=Rating(rating), seconds=seconds, answer=answer, score=score, verdict=verdict,
                  found=tuple(json.loads(found)), missed=tuple(json.loads(missed)),
                  state_before=json.loads(before) if before else None,
                  state_after=json.loads(after) if after else None, id=rid)


def _migrate(db: sqlite3.Connection) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(f"the progress file was written by a newer llmquiz (schema {version}); "
                         "upgrade llmquiz to use it.")
    if version == len(MIGRATIONS):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have migrated meanwhile.
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            migration(db)
            db.execute(f"PRAGMA user_version = {number}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _rollback(db: sqlite3.Connection) -> None:
    # The failure being reported matters more than one from the rollback (a closed or damaged file).
    with contextlib.suppress(sqlite3.Error):
        if db.in_transaction:
            db.execute("ROLLBACK")


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
