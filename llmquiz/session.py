"""A study session as data: record each answer the moment it is rated, and sum the session up.

A save that fails (the file locked past every retry, a full disk, a damaged file moved aside) never
ends the session: the review stays in memory, `save_error` says why, and the next save tries it
again first. `flush` makes a last try and otherwise writes what is left to a file that
`llmquiz restore` merges, so a rated answer is never silently lost. Burying or suspending a card
that cannot be saved raises StoreError for the caller to report; the session goes on. No terminal
I/O lives here (that is `study.py`), so the same logic serves tests and other front ends.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from llmquiz import paths, scheduling
from llmquiz.card import Card
from llmquiz.errors import LlmquizError, StoreCorruptError, StoreError
from llmquiz.grading import Grade
from llmquiz.review import Rating, Review
from llmquiz.store import Store

Build = Callable[[dict[str, Any] | None], tuple[Review, datetime]]


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


@dataclass
class Unsaved:
    """A rated answer not yet in the store: how to build its review from the card's schedule, and a draft."""

    card_id: str
    build: Build
    draft: Review  # built from the schedule known when it was rated
    due: datetime


class Session:
    """Records reviews for one sitting. `clock` returns the current UTC time (a fake one in tests)."""

    def __init__(self, store: Store, *, mode: str = "free", retention: float = scheduling.DEFAULT_RETENTION,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.mode = mode
        self.retention = retention
        self.clock = clock or (lambda: datetime.now(UTC))
        self.summary = Summary()
        self.unsaved: list[Unsaved] = []
        self.save_error: str | None = None  # why the last save failed; None once everything is saved

    def record(self, card: Card, rating: Rating, *, answer: str = "", grade: Grade | None = None,
               seconds: float = 0.0) -> Review:
        """Schedule the card with `rating` and commit the review; returns what was saved (or the draft).

        If the store cannot take it now, the review is kept in `unsaved` and `save_error` is set.
        """
        now = self.clock()
        mode = "predict" if card.predict is not None and self.mode == "free" else self.mode

        def build(before: dict[str, Any] | None) -> tuple[Review, datetime]:
            after, due = scheduling.review(before, rating, now, self.retention)
            return Review(
                card_id=card.id, topic=card.topic, reviewed_at=now, mode=mode, rating=rating,
                seconds=seconds, answer=answer[:20000],
                score=grade.score if grade else None, verdict=grade.verdict.value if grade else None,
                found=grade.found if grade else (), missed=grade.missed if grade else (),
                state_before=before, state_after=after,
            ), due

        draft, due = build(self._known_state(card.id))
        self.unsaved.append(Unsaved(card.id, build, draft, due))
        saved = self.save()
        s = self.summary
        s.reviewed += 1
        s.cards.add(card.id)
        s.seconds += seconds
        s.ratings[rating.label] += 1
        if grade:
            s.verdicts[grade.verdict.value] += 1
            s.missed.update(grade.missed)
        return saved[-1] if saved and saved[-1].card_id == card.id else draft

    def save(self) -> list[Review]:
        """Save the unsaved reviews in order; return those saved. Stops at the first failure (see `save_error`)."""
        saved = []
        fresh_file = False
        while self.unsaved:
            item = self.unsaved[0]
            try:
                saved.append(self.store.review_card(item.card_id, item.build))
            except StoreCorruptError as e:
                if fresh_file:
                    self.save_error = e.message
                    return saved
                fresh_file = True  # the damaged file was moved aside and a new one opened: try that one
                continue
            except StoreError as e:
                self.save_error = e.message
                return saved
            self.unsaved.pop(0)
        self.save_error = None
        return saved

    def flush(self, rescue_dir: Path | None = None) -> str | None:
        """Last try to save; what is still unsaved goes to a file for `llmquiz restore`. Returns what to tell."""
        try:
            self.save()
        except KeyboardInterrupt:
            self.save_error = self.save_error or "interrupted while saving"
        if not self.unsaved:
            return None
        from llmquiz import backup

        n = len(self.unsaved)
        why = (self.save_error or "").rstrip(".")
        what = f"{n} answer{'s' * (n != 1)} could not be saved ({why})"
        stamp = self.clock().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = (rescue_dir or paths.data_dir()) / f"unsaved-reviews-{stamp}.json"
        latest = {u.card_id: (u.card_id, u.draft.state_after or {}, u.due.isoformat()) for u in self.unsaved}
        try:
            backup.write(path, [u.draft.row() for u in self.unsaved], latest.values())
        except LlmquizError as e:
            return f"{what}, nor written to {path}: {e.message}"
        return f"{what}; they are kept in {path}: run `llmquiz restore {path}` once that is fixed."

    def _known_state(self, card_id: str) -> dict[str, Any] | None:
        for item in reversed(self.unsaved):
            if item.card_id == card_id:
                return item.draft.state_after
        try:
            return self.store.state(card_id)
        except sqlite3.DatabaseError as e:
            # The save will meet the same problem and report it; the draft builds on a fresh schedule.
            self.save_error = self.store.failure(e, "read progress from").message
            return None

    def preview(self, card: Card) -> dict[Rating, timedelta]:
        """How long until `card` is due again after each rating, from its schedule now."""
        return scheduling.preview(self._known_state(card.id), self.clock(), self.retention)

    def skip(self) -> None:
        """Count a card passed over without an answer (nothing is saved)."""
        self.summary.skipped += 1

    def bury(self, card: Card) -> datetime:
        """Hide `card` until tomorrow (local midnight); returns when it comes back. StoreError if not saved."""
        now = self.clock()
        until = scheduling.start_of_tomorrow(now)
        self.store.hold(card.id, "buried", now=now, until=until)
        self.summary.buried += 1
        return until

    def suspend(self, card: Card) -> None:
        """Hide `card` from every session until `llmquiz unsuspend` releases it. StoreError if not saved."""
        self.store.hold(card.id, "suspended", now=self.clock())
        self.summary.suspended += 1

    def finish(self, pool: Sequence[Card]) -> Summary:
        """Close the summary: how many of `pool` are still due, and when the next one is.

        Reviews still unsaved (see `flush`) count with the schedule they were given; a store that
        cannot be read leaves the due count at 0 rather than ending the session with an error.
        """
        now = self.clock()
        try:
            ahead = scheduling.outlook(pool, self.store, now)
        except sqlite3.DatabaseError:
            ahead = scheduling.Outlook(0, None)
        later = [u.due for u in self.unsaved if u.due > now]
        if ahead.next_due is not None:
            later.append(ahead.next_due)
        self.summary.due_now, self.summary.next_due = ahead.due_now, min(later, default=None)
        return self.summary
