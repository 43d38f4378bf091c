"""A study session as data: record each answer the moment it is rated, and sum the session up.

No terminal I/O lives here (that is `study.py`), so the same logic serves tests and other front ends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from llmquiz import scheduling
from llmquiz.card import Card
from llmquiz.grading import Grade
from llmquiz.review import Rating, Review
from llmquiz.store import Store


@dataclass
class Summary:
    """What a session did: counts, verdicts, time, and the key points missed most."""

    reviewed: int = 0
    cards: set[str] = field(default_factory=set)
    skipped: int = 0
    buried: int = 0
    suspended: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    ratings: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    missed: Counter[str] = field(default_factory=Counter)
    due_now: int = 0  # cards among those studied from that are still due when the session ends
    next_due: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"reviewed": self.reviewed, "cards": len(self.cards), "skipped": self.skipped,
                "buried": self.buried, "suspended": self.suspended, "verdicts": dict(self.verdicts),
                "ratings": dict(self.ratings), "seconds": round(self.seconds, 1),
                "most_missed": self.missed.most_common(5), "due_now": self.due_now,
                "next_due": self.next_due.isoformat() if self.next_due else None}


class Session:
    """Records reviews for one sitting. `clock` returns the current UTC time (a fake one in tests)."""

    def __init__(self, store: Store, *, mode: str = "free", retention: float = scheduling.DEFAULT_RETENTION,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.mode = mode
        self.retention = retention
        self.clock = clock or (lambda: datetime.now(UTC))
        self.summary = Summary()

    def record(self, card: Card, rating: Rating, *, answer: str = "", grade: Grade | None = None,
               seconds: float = 0.0) -> Review:
        """Schedule the card with `rating` and commit the review; returns what was saved."""
        now = self.clock()
        before = self.store.state(card.id)
        after, due = scheduling.review(before, rating, now, self.retention)
        mode = "predict" if card.predict is not None and self.mode == "free" else self.mode
        review = Review(
            card_id=card.id, topic=card.topic, reviewed_at=now, mode=mode, rating=rating,
            seconds=seconds, answer=answer[:20000],
            score=grade.score if grade else None, verdict=grade.verdict.value if grade else None,
            found=grade.found if grade else (), missed=grade.missed if grade else (),
            state_before=before, state_after=after,
        )
        self.store.record(review, due=due)
        s = self.summary
        s.reviewed += 1
        s.cards.add(card.id)
        s.seconds += seconds
        s.ratings[rating.label] += 1
        if grade:
            s.verdicts[grade.verdict.value] += 1
            s.missed.update(grade.missed)
        return review

    def preview(self, card: Card) -> dict[Rating, timedelta]:
        """How long until `card` is due again after each rating, from its schedule now."""
        return scheduling.preview(self.store.state(card.id), self.clock(), self.retention)

    def skip(self) -> None:
        """Count a card passed over without an answer (nothing is saved)."""
        self.summary.skipped += 1

    def bury(self, card: Card) -> datetime:
        """Hide `card` until tomorrow (local midnight); returns when it comes back."""
        now = self.clock()
        until = scheduling.start_of_tomorrow(now)
        self.store.hold(card.id, "buried", now=now, until=until)
        self.summary.buried += 1
        return until

    def suspend(self, card: Card) -> None:
        """Hide `card` from every session until `llmquiz unsuspend` releases it."""
        self.store.hold(card.id, "suspended", now=self.clock())
        self.summary.suspended += 1

    def finish(self, pool: Sequence[Card]) -> Summary:
        """Close the summary: how many of `pool` are still due, and when the next one is."""
        ahead = scheduling.outlook(pool, self.store, self.clock())
        self.summary.due_now, self.summary.next_due = ahead.due_now, ahead.next_due
        return self.summary
