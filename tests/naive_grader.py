"""The naive grader the failure-mode tests measure the real one against.

Key-point coverage by alias only: a bag of the right keywords fools it and a paraphrase in other
words defeats it, which is exactly what `llmquiz.grading` must not do.
"""

from __future__ import annotations

import re

from llmquiz.card import Card, KeyPoint
from llmquiz.grading.result import Grade, Verdict

_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


def _stem(word: str) -> str:
    # Plural and common endings folded so "gradients" matches "gradient".
    for suffix in ("ies", "es", "s"):
        if len(word) > 3 + len(suffix) and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def normalise(text: str) -> list[str]:
    """Lower-case, strip punctuation and fold plurals: the words an alias is matched against."""
    return [_stem(w) for w in _WORD.findall(text.lower().replace("√", " sqrt "))]


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def matches(point: KeyPoint, sentences: list[list[str]]) -> bool:
    """True when some alias of `point` occurs (every `&` part within one sentence)."""
    for alias in point.aliases:
        parts = [normalise(p) for p in alias.split("&")]
        if any(all(_contains(s, p) for p in parts) for s in sentences):
            return True
    return False


def grade_by_coverage(card: Card, answer: str) -> Grade:
    """Grade by the share of key points the answer states."""
    sentences = [normalise(s) for s in _SENTENCE.split(answer) if s.strip()]
    found = [k.point for k in card.key_points if matches(k, sentences)]
    missed = [k.point for k in card.key_points if k.point not in found]
    share = len(found) / len(card.key_points) if card.key_points else 0.0
    score = round(5 * share)
    verdict = Verdict.from_score(score)
    if not answer.strip():
        feedback = "No answer given."
    elif verdict is Verdict.CORRECT:
        feedback = "All the key points are there."
    elif found:
        feedback = f"{len(found)} of {len(card.key_points)} key points; review the missed ones."
    else:
        feedback = "None of the key points came through."
    return Grade(score, verdict, tuple(found), tuple(missed), feedback,
                 details={"coverage": round(share, 3)})
