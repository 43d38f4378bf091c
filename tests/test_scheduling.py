"""FSRS scheduling with a fake clock: llmquiz's due dates are exactly the `fsrs` package's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest

from llmquiz import decks, scheduling
from llmquiz.grading import Grade, Verdict
from llmquiz.review import Rating
from llmquiz.session import Session
from llmquiz.store import Store

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_a_review_sequence_gives_the_due_dates_fsrs_gives(mini_decks: Path) -> None:
    card = decks.load([mini_decks]).card("zz-capital")
    clock = FakeClock(T0)
    sequence = [(Rating.GOOD, 0), (Rating.GOOD, 1), (Rating.AGAIN, 3), (Rating.HARD, 1), (Rating.EASY, 9)]
    reference = fsrs.Scheduler(enable_fuzzing=False)
    ref_card = fsrs.Card(card_id=1, due=T0)
    with Store.open() as store:
        session = Session(store, clock=clock)
        for rating, days_later in sequence:
            clock.now += timedelta(days=days_later, minutes=30)
            session.record(card, rating)
            ref_card, _ = reference.review_card(ref_card, fsrs.Rating(int(rating)), review_datetime=clock.now)
            assert store.due_times()[card.id] == ref_card.due.isoformat()
        assert store.state(card.id) == ref_card.to_dict()


def _grade(verdict: str, found: int, misconception: bool = False) -> Grade:
    from llmquiz.card import Misconception

    return Grade(score={"correct": 5, "partial": 3, "wrong": 0}[verdict], verdict=Verdict(verdict),
                 found=tuple(f"p{i}" for i in range(found)), missed=(), feedback="",
                 misconception=Misconception("c", "fix") if misconception else None)


@pytest.mark.parametrize(("verdict", "found", "misconception", "expected"), [
    ("correct", 3, False, Rating.GOOD),
    ("partial", 2, False, Rating.HARD),     # the core (half or more of 4 points) was recalled
    ("partial", 1, False, Rating.AGAIN),    # not enough recalled: Hard would corrupt the memory model
    ("partial", 3, True, Rating.AGAIN),     # a misconception means it was not really known
    ("wrong", 0, False, Rating.AGAIN),
])
def test_grade_suggests_the_rating(verdict: str, found: int, misconception: bool, expected: Rating) -> None:
    assert scheduling.suggest_rating(_grade(verdict, found, misconception), 4) is expected


def test_plan_serves_due_then_new_then_weakest(mini_decks: Path) -> None:
    lib = decks.load([mini_decks])
    capital, boiling = lib.card("zz-capital"), lib.card("zz-boiling")
    clock = FakeClock(T0)
    with Store.open() as store:
        session = Session(store, clock=clock)
        session.record(capital, Rating.GOOD)
        # Right after a review nothing is due and nothing is new except the other card.
        plan = scheduling.plan([capital, boiling], store, now=T0, limit=10, new_limit=10)
        assert [c.id for c in plan.cards] == ["zz-boiling"] and plan.new == 1
        session.record(boiling, Rating.EASY)
        assert scheduling.plan([capital, boiling], store, now=T0, limit=10, new_limit=10).cards == []
        # Cramming a topic still offers the weakest card first.
        crammed = scheduling.plan([capital, boiling], store, now=T0 + timedelta(days=1), limit=10,
                                  new_limit=10, cram=True)
        assert crammed.cards[0].id == "zz-capital" and crammed.cram >= 1
        later = scheduling.plan([capital, boiling], store, now=T0 + timedelta(days=60), limit=10, new_limit=0)
        assert {c.id for c in later.cards} == {"zz-capital", "zz-boiling"} and later.due == 2


def test_daily_new_card_limit_counts_first_reviews_only(mini_decks: Path) -> None:
    card = decks.load([mini_decks]).card("zz-capital")
    now = datetime.now(UTC)
    with Store.open() as store:
        session = Session(store)
        session.record(card, Rating.AGAIN)
        session.record(card, Rating.GOOD)
        assert scheduling.new_cards_today(store, now) == 1


def test_retrievability_matches_fsrs() -> None:
    ref = fsrs.Scheduler(enable_fuzzing=False)
    card, _ = ref.review_card(fsrs.Card(card_id=1, due=T0), fsrs.Rating.Good, review_datetime=T0)
    card, _ = ref.review_card(card, fsrs.Rating.Good, review_datetime=T0 + timedelta(days=1))
    later = T0 + timedelta(days=20)
    assert scheduling.retrievability(card.to_dict(), later) == pytest.approx(
        ref.get_card_retrievability(card, later), abs=1e-9)
