"""Exporting cards to other tools: an Anki package, CSV, or Markdown.

Card text may come from a stranger's deck, so each format gets it as inert data: CSV cells that a
spreadsheet would evaluate as a formula are prefixed with an apostrophe, and Markdown escapes HTML.
Every format is written through `outfile`: a failed export leaves the previous file intact.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
from collections.abc import Sequence
from pathlib import Path

from llmquiz import outfile
from llmquiz.card import Card
from llmquiz.errors import UsageError

FORMATS = ("anki", "csv", "markdown")
# A cell starting with one of these is a formula (or DDE command) to Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


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
        writer.writerow([csv_cell(v) for v in (c.id, c.topic, str(c.difficulty), c.question, c.answer,
                                               "; ".join(k.point for k in c.key_points), " ".join(c.tags))])
    return out.getvalue()


def csv_cell(text: str) -> str:
    """`text` as a spreadsheet shows it, never evaluates it: a leading formula character gets a `'`.

    Example:
        >>> csv_cell("=1+2")
        "'=1+2"
        >>> csv_cell("plain text")
        'plain text'
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def to_markdown(cards: Sequence[Card], title: str) -> str:
    """A study sheet: each question as a heading, its model answer and key points below."""
    lines = [f"# {_md_line(title)}", ""]
    for c in cards:
        lines += [f"## {_md_line(c.question)}", "", _md(c.answer), ""]
        lines += [f"- {_md_line(k.point)}" for k in c.key_points]
        lines += ["", f"<sub>{_md_line(c.topic)} · {_md_line(c.id)}</sub>", ""]
    return "\n".join(lines)


def _md(text: str) -> str:
    # Markdown renderers pass raw HTML through (<script>, <img onerror>): escape it to show it as text.
    # Brackets too, so a deck cannot plant a live [link](javascript:...).
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return html.escape(text, quote=False)


def _md_line(text: str) -> str:
    # A heading or list item must stay one line: a newline in it would start a block of its own.
    return _md(" ".join(text.split()))


def export(cards: Sequence[Card], fmt: str, path: Path | str, title: str) -> int:
    """Write `cards` to `path` (`-` for standard output) in `fmt`; return how many were written.

    The file is replaced only once it is complete; on any error the previous one is left as it was.
    """
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not '{fmt}'.")
    if fmt == "anki":
        outfile.write_through(path, lambda tmp: to_anki(cards, tmp, title))
        return len(cards)
    text = to_csv(cards) if fmt == "csv" else to_markdown(cards, title)
    with outfile.open_out(path) as f:
        f.write(text)
    return len(cards)
