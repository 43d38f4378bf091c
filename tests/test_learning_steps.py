"""Learning steps like Anki's: Again brings a card back in the session, the prompt shows each rating's
interval, and the summary counts every card still due."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest
from typer.testing import CliRunner

from llmquiz import decks, scheduling
from llmquiz.cli import app
from llmquiz.queue import StudyQueue
from llmquiz.review import Rating
from llmquiz.session import Session
from llmquiz.store import Store

from .test_scheduling import T0, FakeClock

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


@pytest.mark.parametrize(("seconds", "label"), [
    (30, "<1m"), (60, "1m"), (330, "6m"), (600, "10m"), (3 * 3600, "3h"), (86400 * 4.4, "4d"),
    (86400 * 45, "1.5mo"), (86400 * 60, "2mo"), (86400 * 400, "1.1y"),
])
def test_interval_labels_read_like_ankis(seconds: float, label: str) -> None:
    assert scheduling.interval_label(timedelta(seconds=seconds)) == label


def test_the_preview_is_what_fsrs_schedules_for_each_rating() -> None:
    reference = fsrs.Scheduler(enable_fuzzing=False)
    card, _ = reference.review_card(fsrs.Card(card_id=1, due=T0), fsrs.Rating.Again, review_datetime=T0)
    now = T0 + timedelta(days=1)
    shown = scheduling.preview(card.to_dict(), now)
    for rating in Rating:
        after, _ = reference.review_card(card, fsrs.Rating(int(rating)), review_datetime=now)
        assert shown[rating] == after.due - now
    # A new card: Again and Hard keep it in a learning step of minutes; Easy graduates it.
    fresh = {r.label: scheduling.interval_label(d) for r, d in scheduling.preview(None, T0).items()}
    assert fresh == {"again": "1m", "hard": "6m", "good": "10m", "easy": "8d"}


def test_a_card_rated_again_comes_back_when_its_step_is_due(mini_decks: Path) -> None:
    lib = decks.load([mini_decks])
    capital, boiling = lib.card("zz-capital"), lib.card("zz-boiling")
    queue = StudyQueue([capital, boiling])
    assert queue.next(T0) == (capital, False)
    queue.again(capital, T0 + timedelta(minutes=1))
    assert queue.total == 3
    # Its step is due before the next planned card is asked: it comes first.
    assert queue.next(T0 + timedelta(minutes=2)) == (capital, True)
    queue.again(capital, T0 + timedelta(minutes=12))
    assert queue.next(T0 + timedelta(minutes=3)) == (boiling, False)
    # Nothing else left: a step due within the learn-ahead limit (20 minutes) is asked now...
    assert queue.next(T0 + timedelta(minutes=4)) == (capital, True)
    # ...one further away ends the sitting.
    queue.again(boiling, T0 + timedelta(minutes=40))
    assert queue.next(T0 + timedelta(minutes=5)) is None


def test_a_buried_card_leaves_the_queue_and_an_edited_one_is_replaced(mini_decks: Path) -> None:
    from dataclasses import replace

    lib = decks.load([mini_decks])
    capital, boiling = lib.card("zz-capital"), lib.card("zz-boiling")
    queue = StudyQueue([capital, boiling])
    queue.next(T0)
    queue.again(capital, T0)
    queue.drop("zz-boiling")
    edited = replace(capital, question="Which city is the capital of France?")
    queue.replace(edited)
    assert queue.next(T0) == (edited, True)
    assert queue.next(T0) is None


def test_the_summary_counts_every_card_still_due(mini_decks: Path) -> None:
    lib = decks.load([mini_decks])
    capital, boiling = lib.card("zz-capital"), lib.card("zz-boiling")
    clock = FakeClock(T0)
    with Store.open() as store:
        session = Session(store, clock=clock)
        session.record(capital, Rating.EASY)
        session.record(boiling, Rating.EASY)
        clock.now = T0 + timedelta(days=30)  # both are due now
        session = Session(store, clock=clock)
        session.record(capital, Rating.AGAIN)  # back in 10 minutes
        summary = session.finish([capital, boiling])
        assert summary.due_now == 1 and summary.next_due == clock.now + timedelta(minutes=10)
        # Buried cards are not due today.
        session.bury(boiling)
        assert session.finish([capital, boiling]).due_now == 0


def test_buried_cards_come_back_tomorrow_and_suspended_ones_when_released(mini_decks: Path) -> None:
    lib = decks.load([mini_decks])
    capital, boiling = lib.card("zz-capital"), lib.card("zz-boiling")
    now = datetime.now(UTC)
    with Store.open() as store:
        session = Session(store, clock=lambda: now)
        session.bury(capital)
        session.suspend(boiling)
        assert scheduling.plan([capital, boiling], store, now=now, limit=10, new_limit=10).cards == []
        later = scheduling.start_of_tomorrow(now) + timedelta(minutes=1)
        planned = scheduling.plan([capital, boiling], store, now=later, limit=10, new_limit=10).cards
        assert [c.id for c in planned] == ["zz-capital"]
        assert store.release(["zz-boiling"]) == ["zz-boiling"]
        assert len(scheduling.plan([capital, boiling], store, now=later, limit=10, new_limit=10).cards) == 2


def test_rating_again_in_study_brings_the_card_back_in_the_same_session(mini_decks: Path) -> None:
    # Card 1: a wrong answer rated Again; card 2 skipped; card 1 again, now rated Easy.
    result = run("study", "--topic", "zz-testing", "--decks", str(mini_decks),
                 input="Lyon\n\n1\n/s\nParis, on the Seine\n\n4\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Card 1/2" in out and "Card 2/3" in out and "Card 3/3" in out
    assert out.count("What is the capital of France") == 2
    assert "again: a learning step" in out
    with Store.open() as store:
        reviews = store.reviews("zz-capital")
    assert [r.rating for r in reviews] == [Rating.AGAIN, Rating.EASY]
    assert "Cards done: 1 (2 answers); 1 skipped" in out


def test_the_rating_prompt_shows_each_ratings_next_interval(mini_decks: Path) -> None:
    result = run("study", "--topic", "zz-testing", "--limit", "1", "--decks", str(mini_decks),
                 input="Paris, on the Seine\n\n4\n")
    assert result.exit_code == 0, result.output
    assert "Next review: 1 Again 1m · 2 Hard 6m · 3 Good 10m · 4 Easy 8d" in result.output


def test_study_summary_says_how_many_cards_are_still_due(mini_decks: Path) -> None:
    lib = decks.load([mini_decks])
    with Store.open() as store:
        session = Session(store, clock=lambda: datetime.now(UTC) - timedelta(days=40))
        for card in lib.decks["zz-testing"].cards:
            session.record(card, Rating.EASY)
    # Both cards are due; a session of one leaves the other one due.
    result = run("study", "--topic", "zz-testing", "--limit", "1", "--decks", str(mini_decks),
                 input="Paris, on the Seine\n\n4\n")
    assert result.exit_code == 0, result.output
    assert re.search(r"Still due now: 1 card\b", result.output)
