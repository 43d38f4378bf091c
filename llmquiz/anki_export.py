"""Writing cards as an Anki package: one subdeck per topic, the whole rubric on the back, and (on
request) each card's schedule in the fields Anki keeps it in.

Every note carries the card's id and, in a field no template shows, the card itself as JSON, so
`llmquiz import` gets back exactly what was exported; the visible fields win where they were edited
in Anki. With progress, each reviewed card gets Anki's scheduling columns (type, queue, due, ivl,
factor, reps, lapses), its FSRS memory state in the `data` column as Anki 23.10+ stores it
(`{"s": stability, "d": difficulty, "dr": desired retention, "decay": w20}`), and its review history
in `revlog`; Anki imports them when "Import any learning progress" is ticked.
"""

from __future__ import annotations

import hashlib
import html
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llmquiz import outfile
from llmquiz.card import Card
from llmquiz.review import Rating, Review

FIELDS = ("Question", "Answer", "KeyPoints", "Misconceptions", "Topic", "CardId", "llmquiz")
META_FIELD = "llmquiz"
DAY = 86_400
# Anki's default ease, for reviewed cards; FSRS ignores it but the SM-2 columns need a value.
EASE = 2500
MAX_ANSWER_MS = 60_000  # Anki caps the time taken it records at a minute


def stable_id(text: str) -> int:
    """A 31-bit id that stays the same across exports, so re-imports in Anki update notes and decks."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) | (1 << 30)


@dataclass(frozen=True)
class CardProgress:
    """A card's schedule (the FSRS state llmquiz stores) and its reviews, oldest first."""

    state: dict[str, Any]
    reviews: tuple[Review, ...] = ()


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def _points_html(card: Card) -> str:
    return "<ul>" + "".join(f"<li>{_html(k.point)}</li>" for k in card.key_points) + "</ul>" if card.key_points else ""


def _misconceptions_html(card: Card) -> str:
    items = "".join(f"<li><i>{_html(m.claim)}</i> — {_html(m.correction)}</li>" for m in card.misconceptions)
    return f"<ul>{items}</ul>" if items else ""


def meta(card: Card) -> dict[str, Any]:
    """The card as the JSON the hidden field carries: everything a deck file holds but its topic."""
    d = card.to_dict()
    for key in ("source", "topic"):
        d.pop(key, None)
    if d.pop("derived_rubric", False):
        d["rubric"] = "derived"
    return d


def tags(card: Card) -> list[str]:
    """The note's tags: the topic, then the card's own, each once (Anki tags cannot hold spaces)."""
    return list(dict.fromkeys(t.replace(" ", "_") for t in (card.topic, *card.tags) if t.strip()))


def _model() -> Any:
    import genanki

    back = ("{{FrontSide}}<hr id=answer><div class=answer>{{Answer}}</div>"
            "{{#KeyPoints}}<div class=points><b>Key points</b>{{KeyPoints}}</div>{{/KeyPoints}}"
            "{{#Misconceptions}}<div class=wrong><b>Common mistakes</b>{{Misconceptions}}</div>{{/Misconceptions}}"
            "<p class=topic>{{Topic}} · {{CardId}}</p>")
    return genanki.Model(
        stable_id("llmquiz-model-v2"), "llmquiz card v2",
        fields=[{"name": f} for f in FIELDS],
        templates=[{"name": "Card 1", "qfmt": "{{Question}}", "afmt": back}],
        css=".card { font-family: sans-serif; font-size: 18px; } .points, .wrong { margin-top: 1em; } "
            ".wrong i { color: #b33; } .topic { color: #888; font-size: 12px; }")


def _package(cards: Sequence[Card]) -> Any:
    import genanki

    model = _model()
    decks: dict[str, Any] = {}
    for card in cards:
        deck = decks.get(card.topic)
        if deck is None:
            deck = decks[card.topic] = genanki.Deck(stable_id(f"llmquiz-deck-{card.topic}"), f"llmquiz::{card.topic}")
        fields = [_html(card.question), _html(card.answer), _points_html(card), _misconceptions_html(card),
                  card.topic, card.id, html.escape(json.dumps(meta(card), ensure_ascii=False))]
        deck.add_note(genanki.Note(model=model, fields=fields, guid=genanki.guid_for("llmquiz", card.id),
                                   tags=tags(card)))
    return genanki.Package(list(decks.values()))


def write(cards: Sequence[Card], path: Path | str, *, progress: Mapping[str, CardProgress] | None = None,
          retention: float = 0.9, now: datetime | None = None) -> int:
    """Write `cards` to `path` (`-` for standard output) as an `.apkg`; with `progress`, the reviewed
    ones carry their schedule.

    The package is written through `outfile`, so a failure leaves any old file as it was.
    Returns how many cards carry progress.
    """
    now = now or datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="llmquiz-apkg-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        db = sqlite3.connect(db_path)
        try:
            import itertools

            _package(cards).write_to_db(db.cursor(), now.timestamp(), itertools.count(int(now.timestamp() * 1000)))
            carried = _schedule(db, cards, progress or {}, retention) if progress else 0
            db.commit()
        finally:
            db.close()
        with outfile.open_out(path, binary=True) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(db_path, "collection.anki2")
            z.writestr("media", "{}")
    return carried


def _schedule(db: sqlite3.Connection, cards: Sequence[Card], progress: Mapping[str, CardProgress],
              retention: float) -> int:
    """Fill the cards and revlog tables for every card with progress; return how many."""
    import genanki

    from llmquiz.scheduling import make_scheduler

    decay = float(make_scheduler(retention).parameters[20])
    crt = int(db.execute("SELECT crt FROM col").fetchone()[0])
    notes = dict(db.execute("SELECT guid, id FROM notes"))
    used: set[int] = set()
    carried = 0
    for card in cards:
        p = progress.get(card.id)
        if p is None or not p.state:
            continue
        nid = notes[genanki.guid_for("llmquiz", card.id)]
        cid = db.execute("SELECT id FROM cards WHERE nid = ?", (nid,)).fetchone()[0]
        db.execute("UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?, lapses = ?, "
                   "left = ?, data = ? WHERE id = ?", (*columns(p, crt), _data(p.state, retention, decay), cid))
        for r in p.reviews:
            rid = int(r.reviewed_at.timestamp() * 1000)
            while rid in used:  # revlog ids are times in ms and must be unique
                rid += 1
            used.add(rid)
            db.execute("INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
                       (rid, cid, int(r.rating), _interval(r.state_after), _interval(r.state_before), EASE,
                        min(MAX_ANSWER_MS, max(0, int(r.seconds * 1000))), _revlog_type(r.state_before)))
        carried += 1
    return carried


def columns(p: CardProgress, crt: int) -> tuple[int, int, int, int, int, int, int, int]:
    """Anki's (type, queue, due, ivl, factor, reps, lapses, left) for a card's FSRS state.

    Review cards are due on a day counted from the collection's creation (`crt`); learning and
    relearning cards at a time in seconds, or on a day when their next step is a day or more away.

    Example:
        >>> st = {"state": 2, "due": "2024-01-11T00:00:00+00:00", "last_review": "2024-01-01T00:00:00+00:00"}
        >>> columns(CardProgress(st), crt=1704067200)
        (2, 2, 10, 10, 2500, 0, 0, 0)
    """
    state = int(p.state.get("state") or 1)
    due = _time(p.state.get("due"))
    last = _time(p.state.get("last_review")) or due
    reps = len(p.reviews)
    lapses = sum(1 for r in p.reviews if r.rating == Rating.AGAIN and (r.state_before or {}).get("state") == 2)
    days = max(0, (int(due.timestamp()) - crt) // DAY) if due else 0
    ivl = max(1, round((due - last).total_seconds() / DAY)) if due and last else 1
    if state == 2:
        return 2, 2, days, ivl, EASE, reps, lapses, 0
    ctype = 3 if state == 3 else 1
    ivl = ivl if state == 3 else 0
    factor = EASE if state == 3 else 0
    if due and last and (due - last).total_seconds() >= DAY:
        return ctype, 3, days, ivl, factor, reps, lapses, 1  # a day-learning step
    return ctype, 1, int(due.timestamp()) if due else 0, ivl, factor, reps, lapses, 1


def _data(state: dict[str, Any], retention: float, decay: float) -> str:
    s, d = state.get("stability"), state.get("difficulty")
    if s is None or d is None:
        return ""
    # Anki rounds these to 3, 3, 2 and 3 places itself; the same here keeps a re-export identical.
    return json.dumps({"s": round(float(s), 3), "d": round(float(d), 3), "dr": round(retention, 2),
                       "decay": round(decay, 3)}, separators=(",", ":"))


def _interval(state: dict[str, Any] | None) -> int:
    """A state's interval as revlog writes it: days when in review, else negative seconds (Anki's convention)."""
    due, last = _time((state or {}).get("due")), _time((state or {}).get("last_review"))
    if due is None or last is None:
        return 0
    seconds = max(0, int((due - last).total_seconds()))
    return max(1, round(seconds / DAY)) if (state or {}).get("state") == 2 else -seconds


def _revlog_type(before: dict[str, Any] | None) -> int:
    return {2: 1, 3: 2}.get((before or {}).get("state") or 0, 0)  # learn 0, review 1, relearn 2


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)
