"""Progress statistics: per-topic recall, streak, daily reviews, due forecast, weak points, leeches.

Everything is aggregated in SQL through the store's indexes, so the cost depends on the number of
cards and days shown, not on the number of reviews (a million reviews take well under a second).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from llmquiz import scheduling
from llmquiz.card import Card
from llmquiz.store import Store

LEECH_LAPSES = 4  # a card failed this many times is a leech: it needs rewriting or a new angle


@dataclass
class TopicStats:
    """One topic's figures."""

    topic: str
    cards: int
    seen: int
    mean_retrievability: float | None
    accuracy_7d: float | None
    accuracy_30d: float | None
    reviews_30d: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Stats:
    """Everything `llmquiz stats` shows."""

    reviews: int
    topics: list[TopicStats]
    streak: int
    per_day: list[tuple[str, int]]
    forecast: list[tuple[str, int]]
    most_missed: list[tuple[str, str, int]]
    leeches: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reviews": self.reviews,
            "topics": [t.to_dict() for t in self.topics],
            "streak": self.streak,
            "per_day": [{"day": d, "reviews": n} for d, n in self.per_day],
            "forecast": [{"day": d, "due": n} for d, n in self.forecast],
            "most_missed": [{"card": c, "point": p, "times": n} for c, p, n in self.most_missed],
            "leeches": self.leeches,
        }


def compute(store: Store, cards: Sequence[Card], *, now: datetime, days: int = 30,
            retention: float = scheduling.DEFAULT_RETENTION) -> Stats:
    """Figures over `cards` (all cards, or one topic's) at `now`.

    Accuracy is the share of reviews not rated Again (the learner recalled the card), over the
    last 7 and 30 days; mean retrievability is FSRS's predicted recall now, over cards seen.
    """
    now = now.astimezone(UTC)
    today = now.astimezone().date()
    ids = {c.id for c in cards}
    by_topic: dict[str, list[str]] = {}
    for c in cards:
        by_topic.setdefault(c.topic, []).append(c.id)
    db = store.db
    _ids_table(db, ids)

    # Counted per card through the reviews_card index: a join would look each of the rows up in chosen.
    total = db.execute("SELECT COALESCE(SUM((SELECT COUNT(*) FROM reviews r WHERE r.card_id = c.card_id)), 0) "
                       "FROM temp.chosen c").fetchone()[0]
    window = {}
    for span in (7, 30):
        since = (today - timedelta(days=span - 1)).isoformat()
        window[span] = {t: (n, ok) for t, n, ok in db.execute(
            "SELECT topic, COUNT(*), SUM(rating > 1) FROM reviews JOIN temp.chosen USING (card_id) "
            "WHERE day >= ? GROUP BY topic", (since,))}
    states = {cid: (json.loads(s), due) for cid, s, due in db.execute(
        "SELECT card_id, state, due FROM card_state JOIN temp.chosen USING (card_id)")}

    topics = []
    for topic, topic_ids in sorted(by_topic.items()):
        seen = [states[i][0] for i in topic_ids if i in states]
        r = [scheduling.retrievability(s, now, retention) for s in seen]
        n7, ok7 = window[7].get(topic, (0, 0))
        n30, ok30 = window[30].get(topic, (0, 0))
        topics.append(TopicStats(
            topic=topic, cards=len(topic_ids), seen=len(seen),
            mean_retrievability=round(sum(r) / len(r), 3) if r else None,
            accuracy_7d=round(ok7 / n7, 3) if n7 else None,
            accuracy_30d=round(ok30 / n30, 3) if n30 else None, reviews_30d=n30))

    first_day = (today - timedelta(days=days - 1)).isoformat()
    counts = dict(db.execute("SELECT day, COUNT(*) FROM reviews JOIN temp.chosen USING (card_id) "
                             "WHERE day >= ? GROUP BY day", (first_day,)))
    per_day = [((today - timedelta(days=k)).isoformat(), counts.get((today - timedelta(days=k)).isoformat(), 0))
               for k in range(days - 1, -1, -1)]

    forecast_days = [(today + timedelta(days=k)) for k in range(7)]
    forecast = {d.isoformat(): 0 for d in forecast_days}
    for _, due in states.values():
        day = max(datetime.fromisoformat(due).astimezone().date(), today).isoformat()
        if day in forecast:
            forecast[day] += 1

    most_missed = [tuple(r) for r in db.execute(
        "SELECT card_id, point, n FROM misses JOIN temp.chosen USING (card_id) ORDER BY n DESC, point "
        "LIMIT 10")]
    leeches = _leeches(store)
    return Stats(reviews=total, topics=topics, streak=_streak(store, today), per_day=per_day,
                 forecast=list(forecast.items()), most_missed=most_missed, leeches=leeches)  # type: ignore[arg-type]


def _ids_table(db: Any, ids: set[str]) -> None:
    # A temporary table of the chosen card ids lets every query filter by topic with a join.
    db.execute("CREATE TEMP TABLE IF NOT EXISTS chosen (card_id TEXT PRIMARY KEY) WITHOUT ROWID")
    # One transaction: in autocommit mode every row would be its own journalled commit (~20 us each).
    db.execute("BEGIN")
    try:
        db.execute("DELETE FROM temp.chosen")
        db.executemany("INSERT OR IGNORE INTO temp.chosen VALUES (?)", [(i,) for i in sorted(ids)])
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _streak(store: Store, today: date) -> int:
    """Consecutive days with a review, ending today (or yesterday, when today has none yet)."""
    # One indexed probe per day of the streak, instead of reading every review's day.
    def active(day: date) -> bool:
        return store.db.execute("SELECT 1 FROM reviews JOIN temp.chosen USING (card_id) WHERE day = ? LIMIT 1",
                                (day.isoformat(),)).fetchone() is not None

    start = today if active(today) else today - timedelta(days=1)
    n = 0
    while n < 3650 and active(start - timedelta(days=n)):
        n += 1
    return n


def _leeches(store: Store, limit: int = 10) -> list[dict[str, Any]]:
    rows = store.db.execute(
        "SELECT card_id, COUNT(*) AS lapses FROM reviews JOIN temp.chosen USING (card_id) WHERE rating = 1 "
        "GROUP BY card_id HAVING lapses >= ? ORDER BY lapses DESC, card_id LIMIT ?", (LEECH_LAPSES, limit))
    out = []
    for card_id, lapses in rows.fetchall():
        last = store.reviews(card_id, limit=3, newest_first=True)
        out.append({"card": card_id, "lapses": lapses,
                    "last_answers": [{"at": r.reviewed_at.isoformat(), "answer": r.answer, "verdict": r.verdict}
                                     for r in last]})
    return out
