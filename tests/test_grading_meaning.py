"""Credit by meaning: where it starts (above the question's own closeness) and what a number point
earns when its number goes unsaid."""

from __future__ import annotations

import numpy as np
import pytest

from llmquiz.grading import Verdict, grade_rubric
from llmquiz.grading import profile as profiles
from llmquiz.grading.evidence import gather
from llmquiz.grading.profile import topic_floor
from llmquiz.grading.rubric import from_parts

DROPOUT = "During training, dropout zeroes 10% of the activations at random, so units cannot co-adapt."
POINT = [{"point": "10% of activations are zeroed", "aliases": ["10% of the activations", "10% of activations"]}]


def _semantic(question: str, answer: str, encoder) -> float:
    rubric = from_parts(question, DROPOUT, POINT)
    return gather(profiles.get(rubric, encoder), answer, encoder).points[0].semantic


def test_topic_floor_rises_toward_the_questions_closeness_and_never_falls() -> None:
    vecs = np.array([[1.0, 0.0], [0.0, 1.0]])
    question = np.array([0.8, 0.6])
    base = np.array([0.1, 0.9])
    assert topic_floor(vecs, question, base, 0.5) == pytest.approx([0.45, 0.9])  # 0.1 + (0.8 - 0.1) / 2
    assert topic_floor(vecs, question, base, 0.0) == pytest.approx(base)
    assert topic_floor(np.zeros((0, 2)), question, np.zeros(0), 1.0).shape == (0,)


def test_a_number_point_left_unsaid_earns_half_its_credit_by_meaning(hashing) -> None:
    said = _semantic("Why does dropout help?", "While training, dropout randomly zeroes 10% of the activations "
                     "so that units cannot co-adapt.", hashing)
    unsaid = _semantic("Why does dropout help?", "While training, dropout randomly switches off some "
                       "activations so that units cannot co-adapt.", hashing)
    assert said > 0
    assert 0 < unsaid < said


def test_a_different_number_earns_nothing_by_meaning(hashing) -> None:
    assert _semantic("Why does dropout help?", "While training, dropout randomly switches off 50% of "
                     "activations so that units cannot co-adapt.", hashing) == 0.0


def test_a_number_the_question_asks_for_earns_nothing_left_unsaid(hashing) -> None:
    assert _semantic("What percentage of activations does dropout zero?", "While training, dropout randomly "
                     "switches off some activations so that units cannot co-adapt.", hashing) == 0.0


def test_restating_the_question_is_not_answering_it(minilm) -> None:
    question = "Why does dropout during training stop units from co-adapting?"
    rubric = from_parts(question, DROPOUT)
    echo = grade_rubric(rubric, "Dropout during training stops units from co-adapting.", encoder=minilm)
    answer = grade_rubric(rubric, "Zeroing a random tenth of the activations means no unit can count on another "
                          "being there, so none can co-adapt.", encoder=minilm)
    # Credit by meaning starts above the question's own closeness: the echo gets none for the point
    # (the background floor alone gave it a third of the point and a 3).
    assert echo.details["semantic_coverage"] == 0
    assert echo.score <= 2
    assert answer.verdict is Verdict.CORRECT
