"""What grading an answer produces: a `Grade` on the 0-5 scale with its verdict and rubric."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from llmquiz.card import Misconception


class Verdict(StrEnum):
    """The three-way verdict shown to the learner."""

    CORRECT = "correct"
    PARTIAL = "partial"
    WRONG = "wrong"

    @classmethod
    def from_score(cls, score: int) -> Verdict:
        """Correct at 4-5, partial at 2-3, wrong at 0-1."""
        if score >= 4:
            return cls.CORRECT
        if score >= 2:
            return cls.PARTIAL
        return cls.WRONG


@dataclass(frozen=True)
class Grade:
    """The grader's judgement of one answer to one card."""

    score: int
    verdict: Verdict
    found: tuple[str, ...]
    missed: tuple[str, ...]
    feedback: str
    misconception: Misconception | None = None
    unsure: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    quotes: tuple[str, ...] = ()  # for each found point, the words of the answer that state it

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "verdict": self.verdict.value,
            "found": list(self.found),
            "missed": list(self.missed),
            "feedback": self.feedback,
            "misconception": self.misconception.to_dict() if self.misconception else None,
            "unsure": self.unsure,
            "quotes": list(self.quotes),
            "details": dict(self.details),
        }
