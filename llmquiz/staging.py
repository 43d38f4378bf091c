"""Merging many reviews into the store: staged in temporary tables first, then moved in short chunks.

A restore must check a whole file before it writes anything, must not hold a million rows in
memory, and must not hold the store's write lock for long. So checked rows go first into TEMP
tables of the store's own connection (a private file SQLite keeps outside the store, with a small
page cache, and no lock on the store); only when the whole file has passed are they merged into the
store, `chunk` rows per IMMEDIATE transaction, each a few milliseconds of SQL, so another terminal's
save gets the lock between two chunks. A review whose card and time the store already has is skipped,
as is a schedule older than the store's, so merging twice adds nothing twice.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from llmquiz.review import Review
from llmquiz.store import REVIEW_COLUMNS, Store, _row

_COLUMNS = f"{REVIEW_COLUMNS}, day"
_TABLES = (f"""CREATE TEMP TABLE staged_reviews (
                   {_COLUMNS}, fresh INTEGER NOT NULL DEFAULT 1, UNIQUE (card_id, reviewed_at))""",
           """CREATE TEMP TABLE staged_states (card_id TEXT PRIMARY KEY, state TEXT NOT NULL, due TEXT NOT NULL,
                                               updated TEXT NOT NULL)""")


class Staging:
    """Rows waiting to be merged into one store; made by `staged(store)`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def add_reviews(self, reviews: Iterable[Review]) -> None:
        """Stage reviews; a second one with the same card and time (in the same file) is dropped."""
        marks = ", ".join("?" * 14)
        self._temp(f"INSERT OR IGNORE INTO temp.staged_reviews ({_COLUMNS}) VALUES ({marks})",
                   [_row(r) for r in reviews])

    def add_states(self, states: Iterable[tuple[str, dict[str, Any], str]]) -> None:
        """Stage (card id, schedule, due) triples; of two for one card, the more recent is kept."""
        rows = [(cid, json.dumps(state), due, state.get("last_review") or due) for cid, state, due in states]
        self._temp("INSERT INTO temp.staged_states VALUES (?, ?, ?, ?) ON CONFLICT(card_id) DO UPDATE SET "
                   "state = excluded.state, due = excluded.due, updated = excluded.updated "
                   "WHERE excluded.updated > staged_states.updated", rows)

    def merge(self, chunk: int) -> Iterator[int]:
        """Move the staged rows into the store, `chunk` per transaction; yield the reviews each one added."""
        last = self.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM temp.staged_reviews").fetchone()[0]
        for low in range(1, last + 1, chunk):
            span = (low, low + chunk - 1)
            with self.store.writing() as db:
                db.execute("UPDATE temp.staged_reviews SET fresh = 0 WHERE rowid BETWEEN ? AND ? AND EXISTS "
                           "(SELECT 1 FROM reviews r WHERE r.card_id = staged_reviews.card_id "
                           "AND r.reviewed_at = staged_reviews.reviewed_at)", span)
                added = db.execute(f"INSERT INTO reviews ({_COLUMNS}) SELECT {_COLUMNS} FROM temp.staged_reviews "
                                   "WHERE rowid BETWEEN ? AND ? AND fresh ORDER BY rowid", span).rowcount
                # Each review counts a missed point once, as Store.record does.
                db.execute("INSERT INTO misses (card_id, point, n) SELECT card_id, value, COUNT(*) FROM "
                           "(SELECT DISTINCT s.rowid, s.card_id, j.value FROM temp.staged_reviews s, "
                           "json_each(s.missed) j WHERE s.rowid BETWEEN ? AND ? AND s.fresh) WHERE true "
                           "GROUP BY card_id, value ON CONFLICT(card_id, point) DO UPDATE SET n = n + excluded.n",
                           span)
            yield added
        last = self.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM temp.staged_states").fetchone()[0]
        for low in range(1, last + 1, chunk):
            with self.store.writing() as db:
                db.execute("INSERT OR REPLACE INTO card_state (card_id, state, due, updated_at) "
                           "SELECT card_id, state, due, updated FROM temp.staged_states s "
                           "WHERE s.rowid BETWEEN ? AND ? AND NOT EXISTS (SELECT 1 FROM card_state c "
                           "WHERE c.card_id = s.card_id AND c.updated_at >= s.updated)", (low, low + chunk - 1))
            yield 0

    def _temp(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        # One transaction per batch: TEMP tables take no lock on the store, so nobody waits on this.
        self.db.execute("BEGIN")
        try:
            self.db.executemany(sql, rows)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


@contextmanager
def staged(store: Store) -> Iterator[Staging]:
    """Fresh staging tables on the store's connection, dropped (with their temporary file) afterwards."""
    db = store.db
    for name in ("staged_reviews", "staged_states"):
        db.execute(f"DROP TABLE IF EXISTS temp.{name}")
    for sql in _TABLES:
        db.execute(sql)
    try:
        yield Staging(store)
    finally:
        # The connection may be gone (a damaged file moved aside): its temporary tables went with it.
        with contextlib.suppress(sqlite3.Error):
            for name in ("staged_reviews", "staged_states"):
                db.execute(f"DROP TABLE IF EXISTS temp.{name}")
