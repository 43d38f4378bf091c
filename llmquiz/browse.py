"""Browsing the decks: find cards by topic and words, and gather one card with its progress.

`llmquiz cards` and `llmquiz show` read these; the data is plain (dataclasses with `to_dict`), and
`render.py` draws it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from llmquiz.card import Card
from llmquiz.review import Review


@dataclass(frozen=True)
class CardRow:
    """One line of `llmquiz cards`: what the card asks and where it stands in your schedule."""

    id: str
    topic: str
    question: str
    difficulty: int
    kind: str            # "free" (typed answer) or "predict" (a number a demo computes)
    demo: str | None
    status: str          # "new", "due" or "later"
    due: str | None      # ISO 8601 UTC, None for a card never reviewed

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class CardView:
    """Everything `llmquiz show` prints: the card itself and your history with it."""

    card: Card
    status: str
    due: str | None
    reviews: tuple[Review, ...]

    def to_dict(self) -> dict[str, Any]:
        last = self.reviews[-1] if self.reviews else None
        return {**self.card.to_dict(), "status": self.status, "due": self.due, "reviews": len(self.reviews),
                "last_review": last.to_dict() if last else None}


def _fold(text: str) -> str:
    # Case, accents and punctuation are not what a learner searches by: "d_k" finds "d k", "naïve" "naive".
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " " + re.sub(r"[^a-z0-9]+", " ", plain).strip() + " "


def _haystack(card: Card) -> str:
    parts = [card.id, card.topic, card.question, card.answer, *card.tags,
             *(k.point for k in card.key_points), *(m.claim for m in card.misconceptions)]
    return _fold(" ".join(parts))


def search(cards: Iterable[Card], text: str | None) -> list[Card]:
    """The cards whose id, question, answer, key points, tags or misconceptions hold every word of `text`.

    Words match at the start of a word ("quant" finds "quantization"); case and accents are ignored.
    Cards whose question or id holds every word come first; otherwise deck order is kept.

    Example:
        >>> [c.id for c in search(library.cards.values(), "kv cache gqa")][:1]
        ['kv-gqa']
    """
    cards = list(cards)
    words = _fold(text or "").split()
    if not words:
        return cards

    def holds(hay: str) -> bool:
        return all(f" {w}" in hay for w in words)

    found = [c for c in cards if holds(_haystack(c))]
    return sorted(found, key=lambda c: not holds(_fold(f"{c.id} {c.question}")))


def _status(due: str | None, now: datetime) -> str:
    if due is None:
        return "new"
    return "due" if due <= now.astimezone(UTC).isoformat() else "later"


def rows(cards: Sequence[Card], due_times: dict[str, str], now: datetime) -> list[CardRow]:
    """One `CardRow` per card, with its schedule from `due_times` (card id -> ISO due time)."""
    return [CardRow(c.id, c.topic, c.question, c.difficulty, "predict" if c.predict else "free",
                    (c.predict.demo if c.predict else c.demo.name if c.demo else None),
                    _status(due_times.get(c.id), now), due_times.get(c.id)) for c in cards]


def view(card: Card, due: str | None, reviews: Sequence[Review], now: datetime) -> CardView:
    """One card with its schedule and past reviews."""
    return CardView(card, _status(due, now), due, tuple(reviews))
