"""Grades the learner marked as wrong, kept for whoever fixes the card.

Each flag is one JSON line appended to `flags.jsonl` in the data folder: the card (with the deck file
and line it comes from), the answer, the grade as the grader gave it, and the learner's note. A line
that cannot be read is skipped and counted, never fatal. `llmquiz flags` lists them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmquiz import paths
from llmquiz.errors import StoreError

if TYPE_CHECKING:
    from llmquiz.card import Card
    from llmquiz.grading import Grade


def flags_path() -> Path:
    """The flags file (JSON lines), beside the progress store."""
    return paths.data_dir() / "flags.jsonl"


@dataclass(frozen=True)
class Flag:
    """One grade the learner says is wrong."""

    card_id: str
    topic: str
    source: str  # deck file:line of the card as it was studied
    question: str
    answer: str
    grade: dict[str, Any]
    note: str
    flagged_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"card": self.card_id, "topic": self.topic, "source": self.source, "question": self.question,
                "answer": self.answer, "grade": self.grade, "note": self.note,
                "flagged_at": self.flagged_at.isoformat()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Flag:
        return cls(card_id=d["card"], topic=d["topic"], source=d.get("source", ""), question=d.get("question", ""),
                   answer=d.get("answer", ""), grade=dict(d.get("grade") or {}), note=d.get("note", ""),
                   flagged_at=datetime.fromisoformat(d["flagged_at"]))


def flag_grade(card: Card, answer: str, grade: Grade, note: str, now: datetime | None = None) -> Flag:
    """Record that `grade` of `answer` to `card` is wrong; returns the flag as saved."""
    flag = Flag(card.id, card.topic, card.source, card.question, answer, grade.to_dict(), note.strip(),
                (now or datetime.now(UTC)).astimezone(UTC))
    path = flags_path()
    line = json.dumps(flag.to_dict(), ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One write of one line in append mode: two terminals flagging at once do not interleave.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as e:
        raise StoreError(f"cannot save the flag to {path}: {e.strerror}; check the folder's permissions.") from None
    return flag


@dataclass
class FlagList:
    """The flags read back, oldest first, and how many lines could not be read."""

    flags: list[Flag] = field(default_factory=list)
    unreadable: int = 0
    path: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "flags": [f.to_dict() for f in self.flags], "unreadable": self.unreadable}


def load(topic: str | None = None, card_id: str | None = None) -> FlagList:
    """Every flag (or those of one topic or card)."""
    path = flags_path()
    out = FlagList(path=str(path))
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return out
    except OSError as e:
        raise StoreError(f"cannot read {path}: {e.strerror}; check its permissions.") from None
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            flag = Flag.from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError, AttributeError):
            out.unreadable += 1
            continue
        if (topic is None or flag.topic == topic) and (card_id is None or flag.card_id == card_id):
            out.flags.append(flag)
    return out
