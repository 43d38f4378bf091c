"""Every store failure is one sentence and a way out: damage, a lock, a full disk, no permission.

Real SQLite files in tmp_path, damaged, locked and filled for real: a second connection holds the
lock, `max_page_count` fills the "disk", pages are overwritten with garbage after the header.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmquiz import dbfile, paths
from llmquiz.card import Card
from llmquiz.cli import app
from llmquiz.errors import (
    StoreBusyError,
    StoreFullError,
    StorePermissionError,
)
from llmquiz.review import Rating
from llmquiz.session import Session
from llmquiz.store import Store

from .test_store import T0, make_review

runner = CliRunner()


def flat(text: str) -> str:
    """Terminal output with Rich's line wrapping undone."""
    return " ".join(text.split())


@pytest.fixture
def fast_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lock waits of a fraction of a second instead of seconds, so a lock test is quick."""
    monkeypatch.setattr(Store, "BUSY_MS", 100)
    monkeypatch.setattr(Store, "LOCK_BACKOFF_S", (0.05, 0.1))


def _store_with_reviews(n: int = 200) -> Path:
    with Store.open() as store:
        for i in range(n):
            store.record(make_review(f"card-{i % 10}", T0 + timedelta(minutes=i)))
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return store.path


def _damage_pages(path: Path) -> None:
    """Overwrite everything after page 1 (the header and schema stay readable) with garbage."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page * 2:] = b"\xa5" * (len(data) - page * 2)
    path.write_bytes(bytes(data))


def test_damage_after_the_header_is_found_on_open_and_moved_aside() -> None:
    path = _store_with_reviews()
    _damage_pages(path)
    damaged = path.read_bytes()
    with Store.open(now=datetime(2026, 12, 7, 8, 0, tzinfo=UTC)) as store:
        assert store.notice is not None and "moved to" in store.notice
        assert "llmquiz restore" in store.notice  # the way out
        assert store.count() == 0  # a fresh store to go on with
    assert path.with_name("progress.sqlite3.corrupt-20261207T080000Z").read_bytes() == damaged


def test_damage_met_by_a_command_is_one_sentence_and_the_file_is_moved_aside(
        monkeypatch: pytest.MonkeyPatch, mini_decks: Path) -> None:
    path = _store_with_reviews()
    _damage_pages(path)
    monkeypatch.setattr(Store, "QUICK_CHECK_MAX_BYTES", 0)  # as for a big file: no check on open
    result = runner.invoke(app, ["stats", "--json", "--decks", str(mini_decks)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "could not be read" in flat(result.stderr)
    assert "llmquiz restore" in flat(result.stderr)
    assert list(path.parent.glob("progress.sqlite3.corrupt-*"))
    again = runner.invoke(app, ["stats", "--json", "--decks", str(mini_decks)])
    assert again.exit_code == 0, again.output  # the new store works


def test_a_held_lock_is_waited_for_then_reported_as_a_lock(fast_locks: None) -> None:
    path = _store_with_reviews(1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with Store.open() as store:
            started = time.monotonic()
            with pytest.raises(StoreBusyError, match=r"kept it locked for .* close the other one and try again"):
                store.record(make_review("c1", T0))
            assert time.monotonic() - started >= 0.3  # three waits of 0.1 s and two pauses
    finally:
        other.execute("ROLLBACK")


def test_a_lock_released_during_the_retries_lets_the_save_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Store, "BUSY_MS", 100)
    monkeypatch.setattr(Store, "LOCK_BACKOFF_S", (0.5, 1.0))  # 0.2 s falls in the first pause, even on a busy machine
    path = _store_with_reviews(1)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.2, lambda: other.execute("ROLLBACK")).start()
    with Store.open() as store:
        store.record(make_review("c1", T0))
        assert store.count() == 2


def test_a_full_disk_has_its_own_message_and_loses_nothing_saved() -> None:
    _store_with_reviews(5)
    with Store.open() as store:
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StoreFullError, match="the disk is full; free some space"):
            for i in range(5000):
                store.record(make_review(f"big-{i}", T0 + timedelta(seconds=i)))
    with Store.open() as store:
        assert store.count() >= 5
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_read_only_file_is_a_permission_error(monkeypatch: pytest.MonkeyPatch) -> None:
    path = _store_with_reviews(1)
    # Root ignores file modes, so open the file read-only the way a read-only mount would.
    monkeypatch.setattr(dbfile, "connect", lambda p, busy_ms: sqlite3.connect(
        f"file:{p}?mode=ro", uri=True, isolation_level=None))
    with Store.open(path) as store, pytest.raises(StorePermissionError, match=r"permission denied .* writable"):
        store.record(make_review("c1", T0))


def test_the_messages_differ_for_lock_full_permission_and_damage() -> None:
    def err(code: int, text: str) -> sqlite3.Error:
        e = sqlite3.OperationalError(text)
        e.sqlite_errorcode = code  # type: ignore[attr-defined]
        return e

    path = Path("/x/progress.sqlite3")
    messages = {type(dbfile.failure(err(c, t), path, "save progress to")).__name__: dbfile.failure(
        err(c, t), path, "save progress to").message for c, t in (
        (dbfile.SQLITE_BUSY, "database is locked"), (dbfile.SQLITE_FULL, "database or disk is full"),
        (dbfile.SQLITE_READONLY, "attempt to write a readonly database"), (dbfile.SQLITE_IOERR, "disk I/O error"))}
    assert set(messages) == {"StoreBusyError", "StoreFullError", "StorePermissionError", "StoreError"}
    assert len({m.split(":", 1)[1] for m in messages.values()}) == 4
    assert dbfile.is_corruption(err(dbfile.SQLITE_CORRUPT, "database disk image is malformed"))
    assert not dbfile.is_corruption(err(dbfile.SQLITE_BUSY, "database is locked"))


# -- a save never ends a study session ---------------------------------------------------------------

CARD = Card(id="zz-capital", topic="zz-testing", question="Capital of France?", answer="Paris.",
            key_points=(), difficulty=1)


def _clock(start: datetime):
    times = iter(start + timedelta(minutes=i) for i in range(1000))
    return lambda: next(times)


def test_a_rating_that_cannot_be_saved_is_kept_and_saved_with_the_next(fast_locks: None) -> None:
    path = _store_with_reviews(1)
    with Store.open() as store:
        session = Session(store, clock=_clock(T0 + timedelta(days=1)))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        session.record(CARD, Rating.GOOD)
        assert session.save_error is not None and "locked" in session.save_error
        assert len(session.unsaved) == 1 and session.summary.reviewed == 1
        other.execute("ROLLBACK")
        session.record(CARD, Rating.AGAIN)  # the kept one goes first, then this one
        assert session.save_error is None and session.unsaved == []
        mine = store.reviews("zz-capital")
        assert [r.rating for r in mine] == [Rating.GOOD, Rating.AGAIN]
        assert mine[1].state_before == mine[0].state_after  # scheduled on top of the kept one
        assert session.flush() is None


def test_what_is_still_unsaved_at_the_end_goes_to_a_file_restore_takes(fast_locks: None, tmp_path: Path) -> None:
    path = _store_with_reviews(1)
    with Store.open() as store:
        session = Session(store, clock=_clock(T0 + timedelta(days=1)))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        session.record(CARD, Rating.GOOD)
        message = session.flush(tmp_path)
        other.execute("ROLLBACK")
    assert message is not None and "1 answer could not be saved" in message and "llmquiz restore" in message
    [kept] = tmp_path.glob("unsaved-reviews-*.json")
    result = runner.invoke(app, ["restore", str(kept)])
    assert result.exit_code == 0 and "Restored 1 reviews" in result.output
    with Store.open() as store:
        assert store.state("zz-capital") is not None and store.count() == 2


def test_damage_met_by_a_save_mid_session_moves_the_file_aside_and_saves_into_a_new_one() -> None:
    path = _store_with_reviews(3)
    with Store.open() as store:
        session = Session(store, clock=_clock(T0 + timedelta(days=1)))
        real = Store.review_card
        calls = []

        def damaged_once(self: Store, card_id: str, build):
            calls.append(card_id)
            if len(calls) == 1:
                raise self.failure(sqlite3.DatabaseError("database disk image is malformed"), "save progress to")
            return real(self, card_id, build)

        store.review_card = damaged_once.__get__(store)  # type: ignore[method-assign]
        session.record(CARD, Rating.GOOD)
        assert session.unsaved == [] and session.save_error is None  # saved into the new file at once
        assert store.notice is not None and "llmquiz restore" in store.notice
        assert [r.card_id for r in store.reviews()] == ["zz-capital"]
    [aside] = path.parent.glob("progress.sqlite3.corrupt-*Z")
    assert sqlite3.connect(aside).execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 3


def test_a_session_builds_on_a_review_another_terminal_saved_meanwhile() -> None:
    with Store.open() as mine, Store.open() as theirs:
        session = Session(mine, clock=lambda: T0 + timedelta(days=3))
        real = mine.review_card

        other = make_review("zz-capital", T0, Rating.EASY)

        def after_the_other_terminal(card_id, build):  # the other terminal saves between our read and write
            theirs.record(other)
            return real(card_id, build)

        mine.review_card = after_the_other_terminal  # type: ignore[method-assign]
        saved = session.record(CARD, Rating.GOOD)
        # Built on the other terminal's schedule, not on the "never reviewed" read before the save.
        assert saved.state_before == other.state_after
        assert mine.state("zz-capital") == saved.state_after


def test_a_study_session_survives_a_failed_save(monkeypatch: pytest.MonkeyPatch, mini_decks: Path) -> None:
    def refuse(self, card_id, build):
        raise StoreFullError("cannot save progress to X: the disk is full; free some space and try again.")

    monkeypatch.setattr(Store, "review_card", refuse)
    result = runner.invoke(app, ["study", "--topic", "zz-testing", "--decks", str(mini_decks)],
                           input="Paris on the Seine\n\n4\n100 degrees\n\n4\n")
    assert result.exit_code == 0, result.output
    assert flat(result.output).count("Not saved yet: cannot save progress to X: the disk is full") == 2
    assert "Card 2/2" in result.output  # the session went on after the first failure
    assert "2 answers could not be saved" in flat(result.stderr) and "llmquiz restore" in flat(result.stderr)
    assert list((paths.data_dir()).glob("unsaved-reviews-*.json"))


def test_a_restore_in_chunks_lets_another_terminal_save_between_them(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from llmquiz import backup, staging

    rows = [make_review(f"card-{i % 50}", T0 + timedelta(seconds=i)).row() for i in range(5_000)]
    source = tmp_path / "big.json"
    backup.write(source, rows, [])
    monkeypatch.setattr(backup, "CHUNK", 500)
    monkeypatch.setattr(Store, "BUSY_MS", 0)  # the other terminal's save must not wait at all
    monkeypatch.setattr(Store, "LOCK_BACKOFF_S", ())
    merge = staging.Staging.merge
    saved_between: list[int] = []

    def merge_with_a_save_between_chunks(self: staging.Staging, chunk: int):
        with Store.open() as other:
            for added in merge(self, chunk):
                # StoreBusyError here if the restore still held the lock.
                other.record(make_review("zz-capital", T0 + timedelta(days=1 + len(saved_between))))
                saved_between.append(added)
                yield added

    monkeypatch.setattr(staging.Staging, "merge", merge_with_a_save_between_chunks)
    with Store.open() as store:
        assert backup.restore(store, source)["added"] == 5_000
        assert len(saved_between) == 10 and store.count() == 5_010
