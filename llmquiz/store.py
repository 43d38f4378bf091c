"""The progress store: one SQLite file holding every review and each card's schedule.

Each review is committed the moment it is made (WAL journal, one short IMMEDIATE transaction), so a
Ctrl-C or a kill loses at most the card on screen, and two terminals can study at once. The schema
carries a version (`PRAGMA user_version`) and migrates itself on open with named functions. A file
that is not a readable SQLite database is moved aside with a timestamped name, never overwritten.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llmquiz import paths
from llmquiz.errors import StoreError
from llmquiz.review import Rating, Review

SQLITE_HEADER = b"SQLite format 3\x00"
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
    """Progress for one learner. Open with `Store.open()`; use as a context manager to close."""

    def __init__(self, db: sqlite3.Connection, path: Path, notice: str | None = None) -> None:
        self.db = db
        self.path = path
        # Set when an unreadable file was moved aside on open; the CLI shows it once.
        self.notice = notice

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None, *, now: datetime | None = None) -> Store:
        """Open (creating and migrating as needed) the store at `path` or the default location."""
        path = Path(path) if path else paths.store_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the progress folder {path.parent}: {e.strerror}; "
                             "set LLMQUIZ_HOME to a writable folder.") from None
        if path.exists() and not os.access(path, os.R_OK):
            raise StoreError(f"cannot read the progress file {path}: permission denied; "
                             "fix its permissions or set LLMQUIZ_HOME to another folder.")
        notice = None
        if _looks_corrupt(path):
            notice = _move_aside(path, now or datetime.now(UTC), "it is not an SQLite database")
        try:
            db = _connect(path)
            _migrate(db)
        except sqlite3.DatabaseError as e:
            if isinstance(e, sqlite3.OperationalError) and not _is_corruption(e):
                raise StoreError(f"cannot open the progress file {path}: {e}; "
                                 "check its permissions or set LLMQUIZ_HOME to another folder.") from None
            notice = _move_aside(path, now or datetime.now(UTC), f"SQLite reported: {e}")
            db = _connect(path)
            _migrate(db)
        return cls(db, path, notice)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.rollback()
                raise
            self.db.commit()
        except sqlite3.OperationalError as e:
            raise StoreError(f"cannot save progress to {self.path}: {e}; "
                             "check the file's permissions and free disk space.") from None

    # -- writing ---------------------------------------------------------------------------------

    def record(self, review: Review, *, due: datetime | None = None) -> int:
        """Save a review and the card's new schedule in one transaction; return the review id."""
        with self._write() as db:
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
        with self._write() as db:
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
        with self._write() as db:
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

    def hold(self, card_id: str, kind: str, *, now: datetime, until: datetime | None = None) -> None:
        """Suspend a card (`kind` "suspended", until released) or bury it ("buried", until `until`)."""
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO holds (card_id, kind, until, held_at) VALUES (?, ?, ?, ?)",
                       (card_id, kind, until.astimezone(UTC).isoformat() if until else None,
                        now.astimezone(UTC).isoformat()))

    def release(self, card_ids: Iterable[str] | None = None) -> list[str]:
        """Lift the holds on `card_ids` (or on every card); return the ids that were held."""
        with self._write() as db:
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

    def import_reviews(self, reviews: Iterable[Review], states: dict[str, tuple[dict, str]]) -> int:
        """Add reviews not already present (same card and time) and set schedules; return the count added."""
        added = 0
        with self._write() as db:
            for r in reviews:
                exists = db.execute("SELECT 1 FROM reviews WHERE card_id = ? AND reviewed_at = ?",
                                    (r.card_id, r.reviewed_at.isoformat())).fetchone()
                if exists:
                    continue
                db.execute(INSERT_REVIEW, _row(r))
                _count_misses(db, r, +1)
                added += 1
            for card_id, (state, due) in states.items():
                current = db.execute("SELECT updated_at FROM card_state WHERE card_id = ?",
                                     (card_id,)).fetchone()
                updated = state.get("last_review") or due
                if current is None or current[0] < updated:
                    db.execute("INSERT OR REPLACE INTO card_state (card_id, state, due, updated_at) "
                               "VALUES (?, ?, ?, ?)", (card_id, json.dumps(state), due, updated))
        return added

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


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=15, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 15000")
    # WAL lets one terminal read while another writes; NORMAL sync is durable across app crashes.
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


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


def _looks_corrupt(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        return False
    except OSError:
        return False
    return len(head) > 0 and head != SQLITE_HEADER


def _is_corruption(e: sqlite3.DatabaseError) -> bool:
    text = str(e).lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt", "file is encrypted"))


def _move_aside(path: Path, now: datetime, why: str) -> str:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
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
        raise StoreError(f"the progress file {path} is unreadable ({why}) and could not be moved aside: "
                         f"{e.strerror}; move it yourself or set LLMQUIZ_HOME to another folder.") from None
    return (f"The progress file {path} could not be read ({why}); it was moved to {target} "
            "and a new one was started.")


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
