"""Progress figures per topic for `llmquiz topics` (cards, due now, seen)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from llmquiz.decks import Library
from llmquiz.store import Store


def topic_rows(library: Library, store: Store, now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per topic: slug, title, description, cards, due now, seen (reviewed at least once)."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
    due = store.due_times()
    rows = []
    for slug, deck in library.decks.items():
        ids = [c.id for c in deck.cards]
        rows.append({
            "topic": slug, "title": deck.title, "description": deck.description, "cards": len(ids),
            "due": sum(1 for i in ids if i in due and due[i] <= stamp),
            "seen": sum(1 for i in ids if i in due),
        })
    return rows


def deck_stats(library: Library) -> dict[str, Any]:
    """What the decks hold: cards per topic, demos, self-tests, derived rubrics, the date each deck's
    facts were last checked (None when it does not say), and optional fields left empty.

    A card with a derived rubric has no key points of its own (an imported card): the grader takes
    them from its model answer, which grades less sharply than written ones.
    """
    topics = []
    missing: list[dict[str, Any]] = []
    derived: list[dict[str, Any]] = []
    for slug, deck in library.decks.items():
        cards = deck.cards
        topics.append({
            "topic": slug, "cards": len(cards),
            "with_demo": sum(1 for c in cards if c.demo or c.predict),
            "predict": sum(1 for c in cards if c.predict),
            "with_accept": sum(1 for c in cards if c.accept),
            "with_reject": sum(1 for c in cards if c.reject),
            "with_misconceptions": sum(1 for c in cards if c.misconceptions),
            "derived_rubric": sum(1 for c in cards if c.derived_rubric),
            "checked": deck.checked.isoformat() if deck.checked else None,  # None: the deck never says
        })
        derived += [{"card": c.id, "source": c.source} for c in cards if c.derived_rubric]
        for c in cards:
            absent = [name for name, present in (
                ("misconceptions", c.misconceptions), ("demo", c.demo or c.predict), ("tags", c.tags),
                ("see_also", c.see_also), ("accept", c.accept), ("reject", c.reject)) if not present]
            if absent:
                missing.append({"card": c.id, "source": c.source, "missing": absent})
    totals = {k: sum(t[k] for t in topics) for k in
              ("cards", "with_demo", "predict", "with_accept", "with_reject", "with_misconceptions",
               "derived_rubric")}
    return {"topics": topics, "totals": totals, "missing": missing, "derived_rubric": derived}
