"""Cards that agree with themselves: a key point states no number its model answer lacks, and no
misconception's claim is something the model answer (or a key point) itself says.

A key point is what the grader holds a learner to; a number in it that the answer never gives is a
figure nobody checked (issue #20 found invented thresholds graded as key points this way).
"""

from __future__ import annotations

import re

import pytest

from llmquiz import decks

# A figure, with a scale written as a word or as one letter stuck to it ("7B", "10K"; "4 B" is bytes).
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?:\s*(thousand|million|billion|trillion)\b|([kmbt])(?![a-z]))?",
                     re.I)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9, "t": 1e12,
          "trillion": 1e12}
# An ordinal label ("Step 2", "Option 1") names a part of the answer; it states no fact.
_LABEL = re.compile(r"\b(step|stage|option|phase|part|level)\s+\d+\b", re.I)
_WORDS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"])}


_TIMES = {"doubl": 2, "twice": 2, "quadrupl": 4}  # "quadruples" states 4x ("triples" is also a noun)


def numbers(text: str) -> list[float]:
    """The figures a text states, with k/M/B/T and thousand/million/... applied; 0 and 1 left out
    (they are mathematical constants here: "sums to 1", "KL >= 0")."""
    text = _LABEL.sub(" ", text.replace(",", ""))
    out = []
    for m in _NUMBER.finditer(text):
        value = float(m.group(1)) * _SCALE.get((m.group(2) or m.group(3) or "").lower(), 1.0)
        if value not in (0.0, 1.0):
            out.append(value)
    out += [float(v) for w, v in _WORDS.items() if v > 1 and re.search(rf"\b{w}\b", text, re.I)]
    out += [float(v) for w, v in _TIMES.items() if re.search(rf"\b{w}", text, re.I)]
    return out


def _stated(value: float, said: list[float]) -> bool:
    # "about 16M" states 16.8M: a key point may round its answer's figure, within 10%.
    return any(abs(value - s) <= 0.1 * max(abs(value), abs(s)) for s in said)


CARDS = [c for c in decks.load_valid().cards.values()]


@pytest.mark.parametrize("card", CARDS, ids=lambda c: c.id)
def test_every_number_in_a_key_point_is_in_the_answer(card) -> None:
    said = numbers(card.answer)
    for kp in card.key_points:
        missing = [v for v in numbers(kp.point) if not _stated(v, said)]
        assert not missing, f"{card.id}: key point {kp.point!r} states {missing}, which the answer does not"


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@pytest.mark.parametrize("card", [c for c in CARDS if c.misconceptions], ids=lambda c: c.id)
def test_no_misconception_claims_what_the_card_itself_says(card) -> None:
    answer = _norm(card.answer)
    points = {_norm(k.point) for k in card.key_points}
    for m in card.misconceptions:
        claim = _norm(m.claim)
        assert claim not in answer and claim not in points, f"{card.id}: the misconception {m.claim!r} is " \
                                                            "what the card itself says"


def test_the_number_reader_reads_scales_words_and_labels() -> None:
    assert numbers("Step 2: 10K answers, about 1.1 TB, 80GB, 4 B, eight GPUs, sums to 1") == [
        10000.0, 1.1, 80.0, 4.0, 8.0]
    assert _stated(16e6, numbers("about 16.8 million entries")) and not _stated(16e6, numbers("about 42M"))
