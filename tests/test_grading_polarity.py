"""Clause-level polarity: a negation or a reversed direction in an aligned clause, and its reach."""

from __future__ import annotations

import pytest

from llmquiz.grading import Verdict, grade_rubric
from llmquiz.grading.parse import negated_stems
from llmquiz.grading.rubric import from_parts
from llmquiz.grading.text import stem, words

REFERENCE = ("Grounding each step in real tool observations reduces hallucination. "
             "Dropout randomly zeroes activations during training, which reduces overfitting.")
RUBRIC = from_parts("Why does grounding help an agent, and what does dropout do?", REFERENCE,
                    ["grounding in real observations reduces hallucination", "dropout reduces overfitting"])


def test_a_negation_reaches_only_the_next_few_words():
    ws = words("it never checks real results and then it hallucinates more")
    near = negated_stems(ws, [stem(w) for w in ws], window=4)
    assert stem("checks") in near and stem("more") not in near


def test_a_negated_paraphrase_is_wrong(hashing):
    answer = ("Grounding each step in real tool observations does not reduce hallucination. "
              "Dropout randomly zeroes activations during training, which does not reduce overfitting.")
    g = grade_rubric(RUBRIC, answer, encoder=hashing)
    assert g.verdict is Verdict.WRONG, g.details


def test_a_reversed_direction_past_an_unrelated_negation_is_wrong(hashing):
    # "never" negates the checking, not the "increases": the direction is still reversed.
    answer = ("Grounding in real tool observations never happens, each step increases hallucination. "
              "Dropout randomly zeroes activations during training, which increases overfitting.")
    g = grade_rubric(RUBRIC, answer, encoder=hashing)
    assert g.verdict is Verdict.WRONG, g.details


def test_a_correct_answer_with_an_incidental_not_stays_correct(hashing):
    answer = ("Grounding each step in real tool observations reduces hallucination, since the model does not "
              "have to guess. Dropout randomly zeroes activations during training, which reduces overfitting.")
    g = grade_rubric(RUBRIC, answer, encoder=hashing)
    assert g.verdict is Verdict.CORRECT, g.details


@pytest.mark.parametrize("grader", ["rules", pytest.param("fitted", marks=pytest.mark.xfail(strict=True, reason=(
    "the contradiction is found and named in the feedback, but the fitted scorer gives 2: an answer whose "
    "one clause contradicts is rare in its training, and a cap there cost more training answers than it fixed")))])
def test_swapped_roles_around_a_one_way_relation_are_wrong(hashing, grader, monkeypatch):
    monkeypatch.setenv("LLMQUIZ_GRADER", grader)
    rubric = from_parts("What does gradient checkpointing trade?",
                        "Gradient checkpointing trades compute for memory: it recomputes activations in the "
                        "backward pass instead of storing them.", ["trades compute for memory"])
    wrong = grade_rubric(rubric, "Gradient checkpointing trades memory for compute.", encoder=hashing)
    assert wrong.verdict is Verdict.WRONG
    assert "'memory for compute' where the model answer says 'compute for memory'" in wrong.feedback
    right = grade_rubric(rubric, "Gradient checkpointing trades compute for memory, recomputing activations "
                         "in the backward pass.", encoder=hashing)
    assert right.verdict is Verdict.CORRECT
