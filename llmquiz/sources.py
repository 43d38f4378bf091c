"""Reading flashcards from other tools: an Anki package, a CSV or TSV with a header, or a Quizlet export.

Each reader returns `SourceCard`s (plain text, with the place they came from) and the rows it had to
skip, each with a reason; a file that cannot be read at all raises a `SourceError` in one sentence.
Turning them into deck cards (ids, topics, rubrics) is `importing.py`'s job.
"""

from __future__ import annotations

import csv
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmquiz.errors import SourceError, UsageError
from llmquiz.htmltext import cloze, has_cloze, to_text

FORMATS = ("auto", "apkg", "csv", "tsv", "quizlet")
MAX_TEXT_FILE = 50 * 1024 * 1024  # bytes
MAX_FIELD = 20_000  # characters in a question or an answer
MAX_CARDS = 50_000
# Header names each column may go by (lowercase, spaces and underscores ignored).
COLUMNS = {
    "question": ("question", "front", "term", "q", "prompt"),
    "answer": ("answer", "back", "definition", "a", "modelanswer"),
    "id": ("id", "cardid"),
    "topic": ("topic", "deck"),
    "difficulty": ("difficulty",),
    "tags": ("tags", "tag"),
    "key_points": ("keypoints", "keypoint", "rubric"),
}
_LOOKS_HTML = re.compile(r"</?(?:br|div|p|span|b|i|u|em|strong|li|ul|ol|img|font|sup|sub|table|tr|td)\b[^>]*>"
                         r"|&(?:nbsp|amp|lt|gt|quot|#\d+);", re.I)


@dataclass(frozen=True)
class SourceCard:
    """One card as the source had it: plain text, the place it came from, what its id derives from."""

    place: str
    question: str
    answer: str
    key: str  # the Anki note guid, or the front text: what a generated id is derived from
    id: str | None = None  # an id the source carries (an llmquiz export, an `id` column)
    topic: str | None = None
    deck: str = ""  # the Anki deck it was in
    tags: tuple[str, ...] = ()
    difficulty: int | None = None
    key_points: tuple[str, ...] = ()
    card: dict[str, Any] | None = None  # the whole card, when an llmquiz export carried it


@dataclass(frozen=True)
class Skip:
    """A row or note that was not imported, and why."""

    place: str
    reason: str

    def __str__(self) -> str:
        return f"{self.place}: {self.reason}"


@dataclass
class Source:
    """What a file held: its kind, the cards read and the rows skipped."""

    kind: str
    cards: list[SourceCard] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


def unescape(sep: str) -> str:
    r"""A separator as typed on the command line: `\t` and `\n` are a tab and a newline."""
    return sep.replace("\\t", "\t").replace("\\n", "\n")


def read(path: Path, fmt: str = "auto", *, separator: str | None = None, row_separator: str | None = None) -> Source:
    """Read the cards of `path` in `fmt` (auto: the file's content and name decide)."""
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not '{fmt}'.")
    if not path.is_file():
        raise SourceError(f"no file {path}; give the path of an .apkg, .csv, .tsv or Quizlet .txt export.")
    if fmt == "auto":
        fmt = _detect(path)
    if fmt == "apkg":
        return _from_apkg(path)
    text = _text(path)
    sep = unescape(separator) if separator else None
    if fmt == "quizlet":
        return _from_quizlet(path, text, sep or "\t", unescape(row_separator) if row_separator else "\n")
    return _from_table(path, text, sep or ("\t" if fmt == "tsv" else ","), fmt)


def _detect(path: Path) -> str:
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror or e}.") from None
    if head.startswith(b"PK\x03\x04") or path.suffix.lower() in (".apkg", ".colpkg"):
        return "apkg"
    return {".csv": "csv", ".tsv": "tsv", ".tab": "tsv"}.get(path.suffix.lower(), "quizlet")


def _text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_FILE:
            raise SourceError(f"{path} is {size / 2**20:,.0f} MiB, more than the {MAX_TEXT_FILE // 2**20} MiB "
                              "llmquiz imports; split it.")
        raw = path.read_bytes()
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror or e}.") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise SourceError(f"{path}:{line}: not UTF-8 text (byte 0x{raw[e.start]:02x}); save the file as UTF-8 "
                          "and import it again.") from None


def plain(text: str) -> str:
    """A cell as text: HTML (as Anki writes it) turned to text, control characters removed, trimmed."""
    return to_text(text) if _LOOKS_HTML.search(text) else to_text(html.escape(text, quote=False))


def _check(place: str, question: str, answer: str) -> Skip | None:
    for what, text in (("question", question), ("answer", answer)):
        if not text:
            return Skip(place, f"the {what} is empty")
        if len(text) > MAX_FIELD:
            return Skip(place, f"the {what} is {len(text):,} characters, more than {MAX_FIELD:,}")
    return None


def _add(source: Source, card: SourceCard) -> None:
    skip = _check(card.place, card.question, card.answer)
    if skip:
        source.skipped.append(skip)
    elif len(source.cards) >= MAX_CARDS:
        raise SourceError(f"{card.place}: more than {MAX_CARDS:,} cards in one file; split it.")
    else:
        source.cards.append(card)


# ---------------------------------------------------------------------------------------------
# CSV / TSV and Quizlet


def _column(name: str) -> str | None:
    key = re.sub(r"[\s_\-]", "", name.strip().lower())
    return next((col for col, names in COLUMNS.items() if key in names), None)


def _from_table(path: Path, text: str, sep: str, kind: str) -> Source:
    if len(sep) != 1:
        raise UsageError(f"a {kind.upper()} separator must be one character, not {sep!r}.")
    source = Source(kind)
    # strict: an unclosed or stray quote is an error, not a row that swallows the rest of the file.
    reader = csv.reader(text.splitlines(keepends=True), delimiter=sep, strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise SourceError(f"{path} is empty; a {kind.upper()} import needs a header row and one card per row.")
        cols = {c: i for i, c in reversed(list(enumerate(_column(h) for h in header))) if c}
        if "question" not in cols or "answer" not in cols:
            found = ", ".join(repr(h) for h in header[:6])
            raise SourceError(f"{path}:1: the header needs a question and an answer column (named e.g. "
                              f"'question'/'front'/'term' and 'answer'/'back'/'definition'); it has {found}.")
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            place = f"{path}:{reader.line_num}"
            cell = {c: (row[i] if i < len(row) else "") for c, i in cols.items()}
            difficulty = None
            if cell.get("difficulty", "").strip():
                if cell["difficulty"].strip() not in ("1", "2", "3"):
                    source.skipped.append(Skip(place, f"difficulty must be 1, 2 or 3, not {cell['difficulty']!r}"))
                    continue
                difficulty = int(cell["difficulty"])
            question, answer = plain(cell["question"]), plain(cell["answer"])
            _add(source, SourceCard(
                place, question, answer, key=question, id=cell.get("id", "").strip() or None,
                topic=cell.get("topic", "").strip() or None, tags=tuple(cell.get("tags", "").split()),
                difficulty=difficulty,
                key_points=tuple(p for p in (plain(k) for k in cell.get("key_points", "").split(";")) if p)))
    except csv.Error as e:
        raise SourceError(f"{path}:{reader.line_num}: not a well-formed {kind.upper()} row ({e}); "
                          "check its quotes.") from None
    return source


def _from_quizlet(path: Path, text: str, sep: str, row_sep: str) -> Source:
    if not sep or not row_sep:
        raise UsageError("--separator and --row-separator cannot be empty.")
    source = Source("quizlet")
    line = 1
    for row in text.split(row_sep):
        place = f"{path}:{line}"
        line += row.count("\n") + row_sep.count("\n")
        if not row.strip():
            continue
        if sep not in row:
            shown = {"\t": "TAB", ",": "comma", ";": "semicolon"}.get(sep, repr(sep))
            source.skipped.append(Skip(place, f"no {shown} between term and definition (another separator? "
                                              "use --separator)"))
            continue
        term, definition = row.split(sep, 1)
        question, answer = plain(term), plain(definition)
        _add(source, SourceCard(place, question, answer, key=question))
    return source


# ---------------------------------------------------------------------------------------------
# Anki packages


def _from_apkg(path: Path) -> Source:
    from llmquiz import apkg

    source = Source("apkg")
    for note in apkg.read(path):
        place = f"{path}: note {note.index}"
        card = _llmquiz_note(note, place)
        if card is None:
            card = _anki_note(note, place)
        if isinstance(card, Skip):
            source.skipped.append(card)
        else:
            _add(source, card)
    return source


def _anki_note(note: Any, place: str) -> SourceCard | Skip:
    """Any note: the first field is the question, the second the answer; a cloze note asks its gaps."""
    if not note.fields:
        return Skip(place, "the note has no fields")
    first = to_text(note.field("Front") or note.field("Text") or note.fields[0])
    rest = note.field("Back") or note.field("Back Extra")
    if rest is None and len(note.fields) > 1:
        rest = note.fields[1]
    extra = to_text(rest or "")
    if note.cloze or has_cloze(first):
        question, answer = cloze(first, reveal=False), cloze(first, reveal=True)
        answer = f"{answer}\n{extra}" if extra else answer
    elif rest is None:
        return Skip(place, f"the note has one field ({note.names[0] if note.names else 'Front'}); "
                           "nothing to use as the answer")
    else:
        question, answer = first, extra
    return SourceCard(place, question, answer, key=note.guid or question, deck=note.deck, tags=note.tags)


def _llmquiz_note(note: Any, place: str) -> SourceCard | None:
    """A note llmquiz exported: its id, topic and (when present) the whole card it was made from."""
    card_id, topic = note.field("CardId"), note.field("Topic")
    if card_id is None or note.field("Question") is None:
        return None
    card_id, topic = to_text(card_id), to_text(topic or "")
    question = to_text(note.field("Question") or "")
    carried = _meta(note.field("llmquiz"), card_id)
    if carried is not None:
        return SourceCard(place, question, to_text(note.field("Answer") or ""), key=note.guid or card_id, id=card_id,
                          topic=topic or None, deck=note.deck, tags=note.tags, card=carried)
    # llmquiz before 0.2 put the answer and a list of key points together on the back.
    back = note.field("Back") or note.field("Answer") or ""
    answer_html, _, points_html = back.partition("<ul>")
    points = tuple(p for p in (to_text(li) for li in re.findall(r"<li>(.*?)</li>", points_html, re.S)) if p)
    return SourceCard(place, question, to_text(answer_html), key=note.guid or card_id, id=card_id,
                      topic=topic or None, deck=note.deck, tags=note.tags, key_points=points)


def _meta(value: str | None, card_id: str) -> dict[str, Any] | None:
    if not value or len(value) > 1_000_000:
        return None
    try:
        data = json.loads(html.unescape(value))
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and data.get("id") == card_id else None
