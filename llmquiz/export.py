"""Exporting cards to other tools: an Anki package, CSV, or Markdown."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from llmquiz.card import Card
from llmquiz.errors import UsageError

if TYPE_CHECKING:
    from llmquiz.anki_export import CardProgress

FORMATS = ("anki", "csv", "markdown")


def to_anki(cards: Sequence[Card], path: Path, *, progress: Mapping[str, CardProgress] | None = None,
            retention: float = 0.9) -> int:
    """Write an Anki `.apkg`: one subdeck per topic, the rubric on the back (see `anki_export`)."""
    from llmquiz import anki_export

    anki_export.write(cards, path, progress=progress, retention=retention)
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


def export(cards: Sequence[Card], fmt: str, path: Path, title: str, *,
           progress: Mapping[str, CardProgress] | None = None, retention: float = 0.9) -> int:
    """Write `cards` to `path` in `fmt`; return how many were written.

    `progress` (Anki only) gives each reviewed card's schedule, carried into the package.
    """
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not '{fmt}'.")
    if progress is not None and fmt != "anki":
        raise UsageError("--with-progress needs --format anki: only an Anki package holds schedules.")
    try:
        if fmt == "anki":
            return to_anki(cards, path, progress=progress, retention=retention)
        text = to_csv(cards) if fmt == "csv" else to_markdown(cards, title)
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}.") from None
    return len(cards)
