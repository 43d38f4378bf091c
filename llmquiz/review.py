"""A review: one answer to one card, as the store keeps it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any


class Rating(IntEnum):
    """How well the learner recalled the card; the same scale as FSRS's `Rating`."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Rating | None:
        """`1`-`4`, a name or its first letter (`a`, `h`, `g`, `e`); None if it is neither."""
        t = text.strip().lower()
        if t.isdigit() and 1 <= int(t) <= 4:
            return cls(int(t))
        for r in cls:
            if t and (t == r.label or t == r.label[0]):
                return r
        return None


@dataclass(frozen=True)
class Review:
    """One graded answer; `state_before` lets `undo` restore the card's schedule exactly."""

    card_id: str
    topic: str
    reviewed_at: datetime
    mode: str
    rating: Rating
    seconds: float
    answer: str = ""
    score: int | None = None
    verdict: str | None = None
    found: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    state_before: dict[str, Any] | None = None
    state_after: dict[str, Any] | None = None
    id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "card_id": self.card_id, "topic": self.topic,
            "reviewed_at": self.reviewed_at.isoformat(), "mode": self.mode,
            "rating": self.rating.label, "seconds": round(self.seconds, 2), "answer": self.answer,
            "score": self.score, "verdict": self.verdict, "found": list(self.found),
            "missed": list(self.missed),
        }

    def row(self) -> tuple[Any, ...]:
        """The values in the column order of the store's `reviews` table (without `id`)."""
        return (
            self.card_id, self.topic, self.reviewed_at.isoformat(), self.mode, self.answer, self.score,
            self.verdict, int(self.rating), self.seconds, json.dumps(list(self.found)),
            json.dumps(list(self.missed)),
            json.dumps(self.state_before) if self.state_before is not None else None,
            json.dumps(self.state_after) if self.state_after is not None else None,
        )
