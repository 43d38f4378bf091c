"""False positives deck writers reported: short correct answers the grader used to score as wrong."""

from __future__ import annotations

import pytest

from llmquiz.grading import Verdict, grade_rubric
from llmquiz.grading.evidence import is_idk
from llmquiz.grading.match import compile_alias, find_alias
from llmquiz.grading.parse import parse
from llmquiz.grading.rubric import from_parts


@pytest.mark.parametrize("answer", ["one forward pass", "skip connections", "no idea of order",
                                    "It takes a single forward pass over the prompt."])
def test_idk_words_inside_an_answer_are_not_a_non_answer(answer: str) -> None:
    assert not is_idk(answer, parse(answer))


@pytest.mark.parametrize("answer", ["Pass", "skip.", "No idea", "No idea, sorry.", "Sorry, I'll pass.",
                                    "I don't know.", "I have no idea, is it the thing with disk?"])
def test_whole_answer_non_answers_are_idk(answer: str) -> None:
    assert is_idk(answer, parse(answer))


def test_short_answer_with_pass_is_graded_on_content(hashing) -> None:
    rubric = from_parts("How does speculative decoding verify draft tokens?",
                        "The large model verifies all the draft tokens in one forward pass.",
                        [{"point": "verified in one forward pass", "aliases": ["one forward pass"]}])
    g = grade_rubric(rubric, "one forward pass", encoder=hashing)
    assert g.details["capped_by"] != "idk"
    assert g.score > 0


def test_misconception_alias_does_not_match_a_typo() -> None:
    alias = compile_alias("dropout")
    answer = parse("use droput here")
    assert find_alias(alias, answer.sentences) is not None  # key-point aliases tolerate the typo
    assert find_alias(alias, answer.sentences, exact=True) is None  # misconception aliases must not


def test_misconception_alias_matches_exactly_after_normalisation() -> None:
    alias = compile_alias("sum to one")
    assert find_alias(alias, parse("the weights sum to one").sentences, exact=True) is not None


def test_single_letter_symbol_kept_in_alias() -> None:
    alias = compile_alias("A is zero")
    assert find_alias(alias, parse("LoRA starts with A is zero at init").sentences) is not None
    assert find_alias(alias, parse("B is zero at init").sentences) is None
    # The article still drops: "a large batch" matches "large batch".
    assert find_alias(compile_alias("a large batch"), parse("use large batch sizes").sentences) is not None


def test_misconception_alias_with_symbol_letter_needs_the_letter(hashing) -> None:
    rubric = from_parts(
        "How is LoRA initialised?", "B is initialised to zero and A randomly, so the update starts at zero.",
        ["B is zero at init"],
        [{"claim": "A is initialised to zero.", "correction": "B is zero; A is random.", "aliases": ["A is zero"]}])
    g = grade_rubric(rubric, "B is zero at init, A is random, so the update starts at zero.", encoder=hashing)
    assert g.misconception is None
    assert g.verdict is Verdict.CORRECT


def test_negation_reaches_only_its_own_words(hashing) -> None:
    # "keeps the softmax from saturating" negates the saturating, not "gradients stay healthy".
    rubric = from_parts("Why scale attention scores?",
                        "Scaling keeps the softmax from saturating so gradients stay healthy.",
                        ["Scaling prevents the softmax from saturating"])
    g = grade_rubric(rubric, "Scaling stops the softmax saturating, so gradients stay healthy.", encoder=hashing)
    assert g.details["contradictions"] == []
    assert g.verdict is Verdict.CORRECT

