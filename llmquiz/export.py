"""Exporting cards to other tools: an Anki package, CSV, or Markdown."""

from __future__ import annotations

import csv
import hashlib
import html
import io
from collections.abc import Sequence
from pathlib import Path

from llmquiz.card import Card
from llmquiz.errors import UsageError

FORMATS = ("anki", "csv", "markdown")


def _stable_id(text: str) -> int:
    # Anki wants 31-bit-ish positive ids that stay the same across exports, so re-imports update notes.
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) | (1 << 30)


def _back_html(card: Card) -> str:
    points = "".join(f"<li>{html.escape(k.point)}</li>" for k in card.key_points)
    return f"<p>{html.escape(card.answer)}</p>" + (f"<ul>{points}</ul>" if points else "")


def to_anki(cards: Sequence[Card], path: Path, title: str) -> int:
    """Write an Anki `.apkg` with one note per card (model answer and key points on the back)."""
    import genanki

    model = genanki.Model(
        _stable_id("llmquiz-model-v1"), "llmquiz card",
        fields=[{"name": "Question"}, {"name": "Back"}, {"name": "Topic"}, {"name": "CardId"}],
        templates=[{"name": "Card 1", "qfmt": "{{Question}}",
                    "afmt": "{{FrontSide}}<hr id=answer>{{Back}}<p class=topic>{{Topic}}</p>"}],
        css=".card { font-family: sans-serif; font-size: 18px; } .topic { color: #888; font-size: 12px; }")
    deck = genanki.Deck(_stable_id(f"llmquiz-deck-{title}"), f"llmquiz::{title}")
    for card in cards:
        deck.add_note(genanki.Note(model=model, fields=[html.escape(card.question), _back_html(card),
                                                         card.topic, card.id],
                                   guid=genanki.guid_for("llmquiz", card.id), tags=[card.topic, *card.tags]))
    genanki.Package(deck).write_to_file(str(path))
    return len(cards)


def to_csv(cards: Sequence[Card]) -> str:
    """CSV with a header: id, topic, difficulty, question, answer, key_points, tags."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "topic", "difficulty", "question", "answer", "key_points", "tags"])
    for c in cards:
        writer.writerow([c.id, c.topic, c.difficulty, c.question, c.answer,
                         "; ".join(k.point for k in c.key_points), " ".join(c.tags)])
    return out.getvalue()


def to_markdown(cards: Sequence[Card], title: str) -> str:
    """A study sheet: each question as a heading, its model answer and key points below."""
    lines = [f"# {title}", ""]
    for c in cards:
        lines += [f"## {c.question}", "", c.answer, ""]
        lines += [f"- {k.point}" for k in c.key_points]
        lines += ["", f"<sub>{c.topic} · {c.id}</sub>", ""]
    return "\n".join(lines)


def export(cards: Sequence[Card], fmt: str, path: Path, title: str) -> int:
    """Write `cards` to `path` in `fmt`; return how many were written."""
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not '{fmt}'.")
    try:
        if fmt == "anki":
            return to_anki(cards, path, title)
        text = to_csv(cards) if fmt == "csv" else to_markdown(cards, title)
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}.") from None
    return len(cards)
