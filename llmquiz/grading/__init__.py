"""Grading free-text answers: one entry point, `grade(card, answer) -> Grade`.

The study loop, `llmquiz grade` and the deck self-tests all go through `grade`, so the inside can
improve without any caller changing. The grader gathers evidence (key-point coverage in words and in
meaning, whole-answer similarity, contradiction and misconception checks, a keyword-salad check, the
card an answer fits instead) and a model fitted on labelled answers turns it into a score on the scale
of GRADING.md; see `scorer.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmquiz.card import Card
from llmquiz.grading.result import Grade, Verdict

if TYPE_CHECKING:
    from llmquiz.grading.profile import Encoder
    from llmquiz.grading.rubric import Rubric

__all__ = ["Grade", "Verdict", "default_encoder", "grade", "grade_rubric"]


def default_encoder() -> Encoder:
    """The encoder `grade` uses when none is passed: `encoders.get_encoder()` ("auto")."""
    from llmquiz.grading.encoders import get_encoder

    return get_encoder(None)


def grade(card: Card, answer: str, *, encoder: Encoder | None = None) -> Grade:
    """Score `answer` against `card` on 0-5 with found and missed key points.

    Predict cards are graded by `llmquiz.predict.grade_prediction` (an exact comparison).
    Deterministic: the same card, answer and encoder always give the same grade.

    Example:
        >>> g = grade(card, "Scaling by sqrt(d_k) keeps softmax from saturating.")
        >>> g.verdict
        <Verdict.PARTIAL: 'partial'>
    """
    if card.predict is not None:
        from llmquiz.predict import grade_prediction

        return grade_prediction(card, answer)
    from llmquiz.grading.rubric import from_card

    return grade_rubric(from_card(card), answer, encoder=encoder)


def grade_rubric(rubric: Rubric, answer: str, *, encoder: Encoder | None = None) -> Grade:
    """Grade `answer` against a `Rubric` (a card's, or one built by `rubric.from_parts`)."""
    from llmquiz.grading import profile as profiles
    from llmquiz.grading.evidence import gather
    from llmquiz.grading.scorer import to_grade

    enc = encoder if encoder is not None else default_encoder()
    answer = answer if isinstance(answer, str) else str(answer or "")
    prof = profiles.get(rubric, enc)
    ev = gather(prof, answer, enc)
    if grader_name() == "fitted":
        return to_grade(rubric, ev, enc.name)
    from llmquiz.grading import rules

    return rules.to_grade(rubric, ev)


GRADERS = ("fitted", "rules")


def grader_name() -> str:
    """Which grader scores: "fitted" (the default: learned judges and an ordinal model under the
    contract's hard rules) or "rules" (the earlier hand-set weights and caps; LLMQUIZ_GRADER=rules)."""
    import os

    name = os.environ.get("LLMQUIZ_GRADER", "").strip().lower() or "fitted"
    return name if name in GRADERS else "fitted"
