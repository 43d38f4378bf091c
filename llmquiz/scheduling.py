"""Spaced repetition with FSRS: what a grade suggests, how a rating moves a card, what to study next.

The `fsrs` package does the memory model; this module keeps llmquiz's rules around it: times in UTC,
state serialised as JSON in the store, fuzzing off so schedules are reproducible, and the queue order
(due, then new, then the weakest cards when a topic is drilled).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from llmquiz.review import Rating

if TYPE_CHECKING:
    import fsrs

    from llmquiz.card import Card
    from llmquiz.grading import Grade
    from llmquiz.store import Store

DEFAULT_RETENTION = 0.9
DEFAULT_NEW_PER_DAY = 20
LEARNING, RELEARNING = 1, 3  # fsrs.State values, kept here so the queue needs no fsrs import


def make_scheduler(retention: float = DEFAULT_RETENTION) -> fsrs.Scheduler:
    """An FSRS scheduler with llmquiz's settings (fuzzing off so due dates are reproducible)."""
    import fsrs

    return fsrs.Scheduler(desired_retention=retention, enable_fuzzing=False)


def suggest_rating(grade: Grade, n_key_points: int) -> Rating:
    """The rating a grade suggests; the learner may override it.

    Wrong -> Again. Partial -> Hard only when the core was recalled (at least half the key points
    and no misconception), else Again: rating Hard on a forgotten card would tell FSRS it was
    remembered. Correct -> Good. Easy is the learner's call alone.
    """
    if grade.verdict.value == "correct":
        return Rating.GOOD
    if grade.verdict.value == "partial":
        core = n_key_points == 0 or len(grade.found) * 2 >= n_key_points
        return Rating.HARD if core and grade.misconception is None else Rating.AGAIN
    return Rating.AGAIN


def review(state: dict[str, Any] | None, rating: Rating, now: datetime,
           retention: float = DEFAULT_RETENTION) -> tuple[dict[str, Any], datetime]:
    """Apply one rating at `now` (UTC) to a card's FSRS state; return the new state and due time."""
    import fsrs

    now = _utc(now)
    card = fsrs.Card.from_dict(state) if state else fsrs.Card(card_id=1, due=now)  # type: ignore[arg-type]
    card, _ = make_scheduler(retention).review_card(card, fsrs.Rating(int(rating)), review_datetime=now)
    return dict(card.to_dict()), card.due


def preview(state: dict[str, Any] | None, now: datetime,
            retention: float = DEFAULT_RETENTION) -> dict[Rating, timedelta]:
    """How long until the card is due again after each rating: what the rating prompt shows.

    Example:
        >>> {r.label: interval_label(d) for r, d in preview(None, now).items()}  # doctest: +SKIP
        {'again': '1m', 'hard': '6m', 'good': '10m', 'easy': '8d'}
    """
    now = _utc(now)
    return {rating: review(state, rating, now, retention)[1] - now for rating in Rating}


def in_learning(state: dict[str, Any] | None) -> bool:
    """Whether FSRS has the card in a (re)learning step, due again within minutes."""
    return bool(state) and state.get("state") in (LEARNING, RELEARNING)  # type: ignore[union-attr]


def interval_label(delta: timedelta) -> str:
    """A short interval as Anki prints it: '<1m', '10m', '3h', '4d', '2.5mo', '1.2y'."""
    seconds = delta.total_seconds()
    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    value, unit = (days / 30, "mo") if days < 365 else (days / 365, "y")
    return f"{value:.1f}".removesuffix(".0") + unit


def start_of_tomorrow(now: datetime) -> datetime:
    """Local midnight after `now` (in UTC): when a buried card comes back."""
    local = _utc(now).astimezone()
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return midnight.astimezone(UTC)


def retrievability(state: dict[str, Any] | None, now: datetime, retention: float = DEFAULT_RETENTION) -> float:
    """The predicted probability of recalling the card at `now` (0 for a card never reviewed)."""
    if not state or state.get("stability") is None or not state.get("last_review"):
        return 0.0
    # FSRS-6 forgetting curve, the same one `fsrs.Scheduler.get_card_retrievability` uses;
    # computed here to avoid building a Card per row when ranking thousands of cards.
    decay = -_scheduler_decay()
    factor = 0.9 ** (1 / decay) - 1
    elapsed = max(0, (_utc(now) - datetime.fromisoformat(state["last_review"])).days)
    return float((1 + factor * elapsed / state["stability"]) ** decay)


def _scheduler_decay() -> float:
    import fsrs.scheduler as s

    return float(s.DEFAULT_PARAMETERS[20])


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


@dataclass
class Plan:
    """The cards of one session in order, and why each is there."""

    cards: list[Card]
    due: int = 0
    new: int = 0
    cram: int = 0
    next_due: datetime | None = None
    reasons: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"cards": [c.id for c in self.cards], "due": self.due, "new": self.new, "cram": self.cram,
                "next_due": self.next_due.isoformat() if self.next_due else None}


def new_cards_today(store: Store, now: datetime) -> int:
    """How many cards had their first ever review today (the learner's local day)."""
    today = _utc(now).astimezone().date().isoformat()
    row = store.db.execute("SELECT COUNT(DISTINCT card_id) FROM reviews WHERE day = ? AND state_before IS NULL",
                           (today,)).fetchone()
    return int(row[0])


def plan(cards: Sequence[Card], store: Store, *, now: datetime, limit: int, new_limit: int,
         due_only: bool = False, cram: bool = False, shuffle_seed: int | None = None,
         retention: float = DEFAULT_RETENTION) -> Plan:
    """Choose the session's cards: due (oldest first), then new, then the weakest when `cram`.

    Example:
        >>> plan(deck.cards, store, now=now, limit=10, new_limit=5, cram=True).cards  # doctest: +SKIP
    """
    now = _utc(now)
    stamp = now.isoformat()
    due_at = store.due_times()
    held = store.holds(now)
    due, new, rest = [], [], []
    for card in cards:
        if card.id in held:
            continue
        when = due_at.get(card.id)
        if when is None:
            new.append(card)
        elif when <= stamp:
            due.append((when, card))
        else:
            rest.append(card)
    due.sort(key=lambda pair: pair[0])
    chosen: list[Card] = [c for _, c in due]
    reasons = {c.id: "due" for c in chosen}
    n_due = len(chosen)
    if shuffle_seed is not None:
        import random

        rng = random.Random(shuffle_seed)
        rng.shuffle(chosen)
        rng.shuffle(new)
    taken_new = [] if due_only else new[: max(0, new_limit)]
    reasons.update({c.id: "new" for c in taken_new})
    chosen += taken_new
    n_cram = 0
    if cram and not due_only and len(chosen) < limit:
        states = store.states(c.id for c in rest)  # only these: ranking by retrievability reads stability
        weakest = sorted(rest, key=lambda c: retrievability(states[c.id][0], now, retention))
        extra = weakest[: limit - len(chosen)]
        reasons.update({c.id: "practice" for c in extra})
        chosen += extra
        n_cram = len(extra)
    chosen = chosen[:limit]
    future = [due_at[c.id] for c in rest]
    next_due = datetime.fromisoformat(min(future)) if future else None
    return Plan(chosen, due=min(n_due, len(chosen)), new=len([c for c in chosen if reasons[c.id] == "new"]),
                cram=min(n_cram, len(chosen)), next_due=next_due, reasons=reasons)


@dataclass
class Outlook:
    """What is left after a session: cards due now, and when the next one falls due."""

    due_now: int
    next_due: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"due_now": self.due_now, "next_due": self.next_due.isoformat() if self.next_due else None}


def outlook(cards: Sequence[Card], store: Store, now: datetime) -> Outlook:
    """Count the cards among `cards` due at `now` (held ones aside) and find the next due time."""
    stamp = _utc(now).isoformat()
    due_at = store.due_times()
    held = store.holds(now)
    times = [due_at[c.id] for c in cards if c.id in due_at and c.id not in held]
    future = [t for t in times if t > stamp]
    return Outlook(len(times) - len(future), datetime.fromisoformat(min(future)) if future else None)


def humanize_delta(delta: timedelta) -> str:
    """'in 3 days', 'in 10 minutes': how far away a due time is."""
    seconds = delta.total_seconds()
    if seconds <= 60:
        return "now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = math.floor(seconds / size)
            return f"in {n} {unit}{'s' * (n != 1)}"
    return "now"
