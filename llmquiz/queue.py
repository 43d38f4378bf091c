"""The order of one sitting: the planned cards, with cards in a learning step coming back when due.

FSRS (through the `fsrs` package) puts a card rated Again, or a new card not yet learnt, in a short
learning or relearning step: due again in minutes, not days. As in Anki, such a card is shown again
once its step is due; when nothing else is left, it is shown early if it is due within the learn-ahead
limit, so a short session still ends with the card answered again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from llmquiz.card import Card

LEARN_AHEAD = timedelta(minutes=20)  # Anki's default learn-ahead limit


@dataclass
class Step:
    """A card waiting for its learning step."""

    card: Card
    due: datetime


class StudyQueue:
    """Planned cards in order, plus the cards waiting for a learning step.

    Example:
        >>> q = StudyQueue([capital, boiling])  # doctest: +SKIP
        >>> q.next(now).id, q.again(capital, now + timedelta(minutes=10))  # doctest: +SKIP
    """

    def __init__(self, cards: Iterable[Card], learn_ahead: timedelta = LEARN_AHEAD) -> None:
        self.planned: deque[Card] = deque(cards)
        self.steps: list[Step] = []
        self.learn_ahead = learn_ahead
        self.shown = 0

    def next(self, now: datetime) -> tuple[Card, bool] | None:
        """The next card and whether it is back for a learning step; None when the sitting is over."""
        self.steps.sort(key=lambda s: s.due)
        if self.steps and self.steps[0].due <= now:
            return self._take_step()
        if self.planned:
            self.shown += 1
            return self.planned.popleft(), False
        if self.steps and self.steps[0].due <= now + self.learn_ahead:
            return self._take_step()
        return None

    def _take_step(self) -> tuple[Card, bool]:
        self.shown += 1
        return self.steps.pop(0).card, True

    def again(self, card: Card, due: datetime) -> None:
        """Bring `card` back at `due` (its learning step)."""
        self.drop(card.id)
        self.steps.append(Step(card, due))

    def drop(self, card_id: str) -> None:
        """Take a card out of this sitting (buried or suspended)."""
        self.planned = deque(c for c in self.planned if c.id != card_id)
        self.steps = [s for s in self.steps if s.card.id != card_id]

    def replace(self, card: Card) -> None:
        """Use an edited version of a card from now on."""
        self.planned = deque(card if c.id == card.id else c for c in self.planned)
        for s in self.steps:
            if s.card.id == card.id:
                s.card = card

    @property
    def total(self) -> int:
        """Cards shown so far plus those still to come (it grows when a card comes back)."""
        return self.shown + len(self.planned) + len(self.steps)
