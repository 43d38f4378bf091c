"""The progress store: durable reviews, migrations, concurrency, and corrupt or unusable files."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from llmquiz import paths, scheduling
from llmquiz.errors import StoreError
from llmquiz.review import Rating, Review
from llmquiz.store import MIGRATIONS, Store

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def make_review(card_id: str, at: datetime, rating: Rating = Rating.GOOD, before: dict | None = None) -> Review:
    after, _ = scheduling.review(before, rating, at)
    return Review(card_id=card_id, topic="t", reviewed_at=at, mode="free", rating=rating, seconds=3.5,
                  answer="an answer", score=4, verdict="correct", found=("p1",), missed=("p2",),
                  state_before=before, state_after=after)


def test_a_review_is_committed_and_read_back() -> None:
    with Store.open() as store:
        review = make_review("c1", T0)
        store.record(review, due=T0 + timedelta(days=1))
    with Store.open() as again:
        [back] = again.reviews()
        assert (back.card_id, back.answer, back.score, back.verdict, back.rating, back.seconds) == (
            "c1", "an answer", 4, "correct", Rating.GOOD, 3.5)
        assert back.missed == ("p2",)
        assert again.state("c1") == review.state_after
        assert again.due_times() == {"c1": (T0 + timedelta(days=1)).isoformat()}


def test_schema_version_is_recorded() -> None:
    with Store.open() as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_a_newer_schema_is_refused_not_touched() -> None:
    path = paths.store_path()
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="newer llmquiz"):
        Store.open()
    assert path.exists()


def test_undo_restores_the_exact_prior_state() -> None:
    with Store.open() as store:
        first = make_review("c1", T0)
        store.record(first)
        second = make_review("c1", T0 + timedelta(days=2), Rating.AGAIN, before=first.state_after)
        store.record(second)
        undone = store.undo_last()
        assert undone is not None and undone.rating == Rating.AGAIN
        assert store.state("c1") == first.state_after
        assert store.count() == 1
        store.undo_last()
        assert store.state("c1") is None and store.count() == 0
        assert store.undo_last() is None


@pytest.mark.parametrize("content", [b"this is not a database at all", b"SQLite format 3\x00" + b"\xff" * 200])
def test_a_corrupt_file_is_moved_aside_never_overwritten(content: bytes) -> None:
    path = paths.store_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    now = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    with Store.open(now=now) as store:
        assert store.notice is not None and "moved to" in store.notice
        store.record(make_review("c1", T0))
    aside = path.with_name("progress.sqlite3.corrupt-20261123T103000Z")
    assert aside.read_bytes() == content
    with Store.open() as store:
        assert store.count() == 1 and store.notice is None


def test_an_unwritable_location_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LLMQUIZ_HOME", str(blocker))
    with pytest.raises(StoreError, match=r"cannot create the progress folder .* set LLMQUIZ_HOME"):
        Store.open()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_file_is_one_clear_error() -> None:
    path = paths.store_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    path.chmod(0)
    with pytest.raises(StoreError, match="permission denied"):
        Store.open()


def _writer(home: str, name: str, n: int) -> None:
    os.environ["LLMQUIZ_HOME"] = home
    with Store.open() as store:
        for i in range(n):
            store.record(make_review(f"{name}-{i % 7}", T0 + timedelta(seconds=i)))


def test_two_concurrent_writers_neither_fail_nor_corrupt(llmquiz_home: Path) -> None:
    Store.open().close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(llmquiz_home), name, 150)) for name in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    with Store.open() as store:
        assert store.count() == 300
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_reset_of_some_cards_keeps_the_others() -> None:
    with Store.open() as store:
        for cid in ("a", "b", "c"):
            store.record(make_review(cid, T0))
        assert store.reset(["a", "b"]) == 2
        assert [r.card_id for r in store.reviews()] == ["c"]
        assert set(store.due_times()) == {"c"}
