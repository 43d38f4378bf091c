"""Other cards an answer may be answering: the decks as a map of neighbouring questions.

A fluent answer to the wrong question ("how do temperature and top-p work?" asked, continuous
batching explained) is on the card's broad topic, so closeness to the model answer alone grades it
partly right. What gives it away is that another card's model answer fits it far better. The check
compares words (the hashing encoder's vectors, whichever encoder grades; they are cheap): an
answer that shares most of its terms with another card's model answer and few with this one's is
about that other card. On the dev answers the margin below separates answers to other questions
(89% flagged) from every correct answer and deck sample (none flagged); see bench/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmquiz.grading.encoders.hashing import HashingEncoder
    from llmquiz.grading.rubric import Rubric

MARGIN = 0.2  # cosine to the other card's model answer minus cosine to this card's, at least
FIT = 0.35  # ... and the cosine to the other card's itself: an answer far from every card answers none
SAME_QUESTION = 0.6  # a card whose question or model answer is this close is this card (or its twin)
ON_MAP = 0.4  # a rubric whose model answer fits no deck card this well is outside the decks' subject
# (Mohler's 80 data-structure model answers: median 0.20, 75 below 0.4; our interview ones 0.57 and up)
MIN_WORDS = 12  # content words: a key point said in a short sentence is diluted against a long model
# answer and can fit a shorter one elsewhere better; answers to other questions run 15 words and more
MEMORY_RUBRICS = 512  # rubrics whose own vectors are kept


@dataclass(frozen=True)
class Neighbour:
    """The card an answer fits better than the one asked."""

    id: str
    question: str
    margin: float  # cosine to its model answer minus cosine to the asked card's


class Library:
    """The model answers and questions of every deck card, as lexical vectors."""

    def __init__(self, encoder: HashingEncoder, ids: list[str], questions: list[str], answers: list[str]) -> None:
        import numpy as np

        self.encoder = encoder
        self.ids, self.questions = ids, questions
        empty = np.zeros((0, encoder.dim), np.float32)
        self.answer_vecs = _unit(encoder.encode(answers)) if answers else empty
        self.question_vecs = _unit(encoder.encode(questions)) if questions else empty
        self._own: dict[str, tuple[Any, Any, Any]] = {}

    def _own_vectors(self, rubric: Rubric) -> tuple[Any, Any, Any]:
        """The rubric's model answer vector, and every card's closeness to its model answer and to its
        question (cached per rubric; the thresholds apply when an answer is checked)."""
        key = rubric.key()
        hit = self._own.get(key)
        if hit is None:
            ref, question = _unit(self.encoder.encode([rubric.reference, rubric.question or rubric.reference]))
            hit = (ref, self.answer_vecs @ ref, self.question_vecs @ question)
            if len(self._own) >= MEMORY_RUBRICS:
                self._own.pop(next(iter(self._own)))
            self._own[key] = hit
        return hit

    def elsewhere(self, rubric: Rubric, answer: str) -> Neighbour | None:
        """The card whose model answer `answer` fits by at least `MARGIN` more than `rubric`'s, if any
        (and at least `FIT` in itself). Answers under `MIN_WORDS` content words are never flagged."""
        from llmquiz.grading.encoders.hashing import content_words

        if not len(self.ids) or len(content_words(answer)) < MIN_WORDS:
            return None
        ref, fits, asks = self._own_vectors(rubric)
        if float(fits.max(initial=0.0)) < ON_MAP:
            # Outside the decks' subject every card is a stranger: a shared word ("children" in an answer
            # about trees) would point to one by chance.
            return None
        vec = _unit(self.encoder.encode([answer]))[0]
        sims = self.answer_vecs @ vec
        sims[(fits > SAME_QUESTION) | (asks > SAME_QUESTION)] = -1.0  # the asked card itself, or its twin
        best = int(sims.argmax())
        margin = float(sims[best] - vec @ ref)
        if margin < MARGIN or sims[best] < FIT:
            return None
        return Neighbour(self.ids[best], self.questions[best], round(margin, 3))


def _unit(m: Any) -> Any:
    import numpy as np

    m = np.asarray(m, dtype=np.float32)
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


_library: tuple[tuple[str, ...], Library] | None = None


def library() -> Library:
    """The library of the current deck files (shipped, then `LLMQUIZ_DECKS`), built once per process
    (about 0.3 s) and rebuilt when the set of deck files changes."""
    global _library
    from llmquiz.grading.encoders.hashing import HashingEncoder, deck_files

    files = deck_files()
    key = tuple(f"{p}:{_mtime(p)}" for p in files)
    if _library is None or _library[0] != key:
        ids, questions, answers = _cards(files)
        _library = (key, Library(HashingEncoder.from_decks(), ids, questions, answers))
    return _library[1]


def _mtime(path: Any) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # removed since it was listed: read as absent
        return -1


def _cards(files: list[Any]) -> tuple[list[str], list[str], list[str]]:
    from llmquiz.grading.encoders.hashing import deck_cards

    ids: list[str] = []
    questions: list[str] = []
    answers: list[str] = []
    for card in deck_cards(files):
        q, a = card.get("question"), card.get("answer")
        if not card.get("predict") and isinstance(q, str) and isinstance(a, str) and q.strip() and a.strip():
            ids.append(str(card.get("id", "")))
            questions.append(q.strip())
            answers.append(a.strip())
    return ids, questions, answers
