"""What an answer is graded against: question, model answer, key points, misconceptions.

A `Rubric` comes from a deck card (`from_card`) or from loose parts (`from_parts`, used by
`llmquiz grade --batch`); without key points they are derived from the model answer: one point per
clause, stated when enough of its content words occur together (or when a sentence means it).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from llmquiz.card import Card, Misconception
from llmquiz.grading.parse import content_stems
from llmquiz.grading.salad import is_enumeration
from llmquiz.grading.text import clauses, sentences

MAX_DERIVED = 8  # points derived from one model answer
LONG_SENTENCE = 22  # words; longer reference sentences are split into clauses


@dataclass(frozen=True)
class Point:
    """A key point: the sentence shown to the learner, its aliases, and (derived points) its terms."""

    text: str
    aliases: tuple[str, ...]
    terms: tuple[str, ...] = ()  # content stems; a sentence stating most of them states the point


@dataclass(frozen=True)
class Rubric:
    """Everything one answer is graded against."""

    question: str
    reference: str
    points: tuple[Point, ...]
    misconceptions: tuple[Misconception, ...] = ()
    derived: bool = False

    @property
    def enumeration(self) -> bool:
        return is_enumeration(self.question)

    def key(self) -> str:
        """A content hash: the cache key of this rubric's embeddings."""
        blob = json.dumps([self.question, self.reference, [(p.text, p.aliases, p.terms) for p in self.points],
                           [(m.claim, m.correction, m.aliases) for m in self.misconceptions]])
        return hashlib.sha1(blob.encode("utf-8")).hexdigest()[:20]


def from_card(card: Card) -> Rubric:
    """The rubric of a deck card: its aliases as written."""
    points = tuple(Point(k.point, tuple(k.aliases) or (k.point,)) for k in card.key_points)
    if not points:
        return _derived(card.question, card.answer, card.misconceptions)
    return Rubric(card.question, card.answer, points, tuple(card.misconceptions))


def from_parts(question: str, reference: str, key_points: list[Any] | None = None,
               misconceptions: list[Any] | None = None) -> Rubric:
    """A rubric from loose parts: key points as strings or {point, aliases}; misconceptions as strings
    or {claim, correction, aliases}. Raises ValueError on a malformed part.

    Example:
        >>> r = from_parts("Why scale?", "Variance grows with d_k. Softmax saturates.")
        >>> len(r.points)
        2
    """
    miscs = tuple(_misconception(m) for m in misconceptions or ())
    if not key_points:
        return _derived(question, reference, miscs)
    points: list[Point] = []
    for k in key_points:
        if isinstance(k, str) and k.strip():
            # A bare string is its own alias; its content words also count when stated together.
            points.append(Point(k.strip(), (k.strip(),), _terms(k, question)))
        elif isinstance(k, dict) and isinstance(k.get("point"), str):
            aliases = k.get("aliases") or []
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise ValueError("key_points[].aliases must be a list of strings")
            points.append(Point(k["point"], tuple(aliases) or (k["point"],)))
        else:
            raise ValueError("key_points must be strings or {point, aliases} objects")
    return Rubric(question, reference, tuple(points), miscs)


def _misconception(m: Any) -> Misconception:
    if isinstance(m, str) and m.strip():
        return Misconception(m.strip(), "")
    if isinstance(m, dict) and isinstance(m.get("claim"), str):
        aliases = m.get("aliases") or []
        if not isinstance(aliases, list):
            raise ValueError("misconceptions[].aliases must be a list of strings")
        return Misconception(m["claim"], str(m.get("correction") or ""), tuple(str(a) for a in aliases))
    raise ValueError("misconceptions must be strings or {claim, correction} objects")


def _terms(text: str, question: str) -> tuple[str, ...]:
    """Content stems of `text`, without those the question already gives away (when enough remain)."""
    own = list(dict.fromkeys(content_stems(text)))
    given = set(content_stems(question))
    new = [t for t in own if t not in given]
    return tuple(new if len(new) >= 2 else own)


def derive_points(question: str, reference: str) -> tuple[Point, ...]:
    """Key points from a model answer: its sentences, long ones split into clauses.

    Example:
        >>> [p.text for p in derive_points("Q?", "A stack is LIFO. A queue is FIFO.")]
        ['A stack is LIFO', 'A queue is FIFO']
    """
    pieces: list[str] = []
    for sent in sentences(reference):
        if len(sent.split()) > LONG_SENTENCE:
            pieces += [c for c in clauses(sent) if len(c.split()) >= 3] or [sent]
        else:
            pieces.append(sent)
    points = [Point(p, (), _terms(p, question)) for p in pieces]
    points = [p for p in points if p.terms]
    if len(points) > MAX_DERIVED:  # keep the ones with the most content
        keep = sorted(sorted(range(len(points)), key=lambda i: -len(points[i].terms))[:MAX_DERIVED])
        points = [points[i] for i in keep]
    if not points and reference.strip():
        points = [Point(reference.strip(), (), _terms(reference, question) or tuple(content_stems(reference)))]
    return tuple(points)


def _derived(question: str, reference: str, miscs: tuple[Misconception, ...]) -> Rubric:
    return Rubric(question, reference, derive_points(question, reference), tuple(miscs), derived=True)


_WS = re.compile(r"\s+")


def clean(text: Any) -> str:
    """A string field squeezed of runs of whitespace ("" for None)."""
    return _WS.sub(" ", str(text or "")).strip()
