"""The card model: what a deck holds once it is loaded and validated.

These are plain frozen dataclasses with no I/O; `decks.py` builds them from YAML and every other
module (grading, scheduling, rendering) reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class KeyPoint:
    """A concept a complete answer must contain, with the phrasings that state it.

    Each alias is a phrase; ``"a & b"`` means both parts must occur in the same sentence.
    """

    point: str
    aliases: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"point": self.point, "aliases": list(self.aliases)}


@dataclass(frozen=True)
class Misconception:
    """A wrong claim learners make, and the one-line correction shown when an answer makes it."""

    claim: str
    correction: str
    aliases: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"claim": self.claim, "correction": self.correction, "aliases": list(self.aliases)}


@dataclass(frozen=True)
class DemoRef:
    """A demo a card points to, with the arguments to run it with."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "args": dict(self.args)}


@dataclass(frozen=True)
class Predict:
    """Makes a card predict-then-run: a demo computes the exact answer the learner must give."""

    demo: str
    args: dict[str, Any]
    field: str
    tolerance: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"demo": self.demo, "args": dict(self.args), "field": self.field,
                "tolerance": self.tolerance}


@dataclass(frozen=True)
class Card:
    """One question with its model answer, rubric and self-tests."""

    id: str
    topic: str
    question: str
    answer: str
    key_points: tuple[KeyPoint, ...]
    difficulty: int
    misconceptions: tuple[Misconception, ...] = ()
    demo: DemoRef | None = None
    predict: Predict | None = None
    tags: tuple[str, ...] = ()
    see_also: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    reject: tuple[str, ...] = ()
    source: str = ""  # "file:line" where the card starts, for messages
    # True when the card has no key points of its own and the grader derives them from the answer
    # (`rubric: derived`, as `llmquiz import` writes for cards from other tools).
    derived_rubric: bool = False

    def self_tests(self) -> list[tuple[str, int, str, str]]:
        """What the card vouches for, as (kind, index, text, verdict it must get): its own model answer
        and each accept answer grade "correct", each reject answer "wrong"."""
        return [("answer", 0, self.answer, "correct"),
                *(("accept", i, a, "correct") for i, a in enumerate(self.accept)),
                *(("reject", i, r, "wrong") for i, r in enumerate(self.reject))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "question": self.question,
            "answer": self.answer,
            "key_points": [k.to_dict() for k in self.key_points],
            "misconceptions": [m.to_dict() for m in self.misconceptions],
            "difficulty": self.difficulty,
            "demo": self.demo.to_dict() if self.demo else None,
            "predict": self.predict.to_dict() if self.predict else None,
            "tags": list(self.tags),
            "see_also": list(self.see_also),
            "accept": list(self.accept),
            "reject": list(self.reject),
            "source": self.source,
            "derived_rubric": self.derived_rubric,
        }


@dataclass(frozen=True)
class Deck:
    """All cards of one topic."""

    topic: str
    title: str
    description: str
    cards: tuple[Card, ...]
    path: str = ""
    checked: date | None = None  # when the deck's facts were last checked; None: never said

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "title": self.title, "description": self.description,
                "cards": len(self.cards), "path": self.path,
                "checked": self.checked.isoformat() if self.checked else None}
