"""Exporting cards to other tools: an Anki package, CSV, or Markdown.

Card text may come from a stranger's deck, so each format gets it as inert data: CSV cells that a
spreadsheet would evaluate as a formula are prefixed with an apostrophe, and Markdown escapes HTML.
Every format is written through `outfile`: a failed export leaves the previous file intact.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from llmquiz import outfile
from llmquiz.card import Card
from llmquiz.errors import UsageError

if TYPE_CHECKING:
    from llmquiz.anki_export import CardProgress

FORMATS = ("anki", "csv", "markdown")
# A cell starting with one of these is a formula (or DDE command) to Excel, LibreOffice and Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def to_anki(cards: Sequence[Card], path: Path | str, *, progress: Mapping[str, CardProgress] | None = None,
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


def export(cards: Sequence[Card], fmt: str, path: Path | str, title: str, *,
           progress: Mapping[str, CardProgress] | None = None, retention: float = 0.9) -> int:
    """Write `cards` to `path` (`-` for standard output) in `fmt`; return how many were written.

    `progress` (Anki only) gives each reviewed card's schedule, carried into the package. The file is
    replaced only once it is complete; on any error the previous one is left as it was.
    """
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not '{fmt}'.")
    if progress is not None and fmt != "anki":
        raise UsageError("--with-progress needs --format anki: only an Anki package holds schedules.")
    if fmt == "anki":
        return to_anki(cards, path, progress=progress, retention=retention)
    text = to_csv(cards) if fmt == "csv" else to_markdown(cards, title)
    with outfile.open_out(path) as f:
        f.write(text)
    return len(cards)
