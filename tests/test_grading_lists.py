"""Lists of terms: when a comma list is an answer and when it is keyword salad."""

from __future__ import annotations

import pytest

from llmquiz.grading import Verdict, grade_rubric
from llmquiz.grading.rubric import from_parts
from llmquiz.grading.salad import is_enumeration, is_salad


@pytest.mark.parametrize("question", [
    "What are the standard components of a well-structured prompt?",
    "What variants of chain-of-thought prompting do you know?",
])
def test_a_question_that_only_asks_for_a_list(question: str) -> None:
    assert is_enumeration(question)


@pytest.mark.parametrize("question", [
    "Name the common ways a RAG system fails, and the usual fix for each.",
    "What types of hallucination do you distinguish, and why does the distinction matter?",
    "What is model merging, and what methods are used?",
])
def test_a_list_question_with_a_second_demand_is_not_answered_by_a_list(question: str) -> None:
    assert not is_enumeration(question)


@pytest.mark.parametrize("sentence", [
    "Perplexity, chain of thought, o1, DeepSeek-R1, pass@k, GSM8K, exact match, LLM-as-a-judge, HumanEval.",
    "Wrong chunks, re-ranker, hybrid BM25, lost in the middle, first and last, hallucination, citations.",
    "Next-token prediction, every token is a target, scaling, zero-shot, few-shot, KV cache, BERT.",
])
def test_a_comma_list_of_bare_terms_is_salad_even_with_an_of_or_a_clause_inside(sentence: str) -> None:
    assert is_salad(sentence)


@pytest.mark.parametrize("sentence", [
    # Annotated notes relate their terms.
    "Lost context (summarise + scratchpad), latency (parallel, cache), cost (cheaper planner), errors (retry).",
    # A head clause states what the list is.
    "The challenges are harmful content from unfiltered data, hallucination, prompt injection, bias and leaks.",
    # Numbers are not terms.
    "Adding up in order gives 0.60, then 0.85, then 0.93, so cat, dog and bird make the nucleus.",
])
def test_terse_notes_and_lists_after_a_head_clause_are_not_salad(sentence: str) -> None:
    assert not is_salad(sentence)


def test_a_list_of_the_right_terms_to_a_why_question_earns_nothing(hashing) -> None:
    rubric = from_parts(
        "What types of hallucination do you distinguish, and why does the distinction matter?",
        "Factual errors contradict the world; faithfulness errors contradict the given context. They need "
        "different fixes: retrieval and verification for facts, grounding and citation checks for faithfulness.",
        ["factual hallucination contradicts world knowledge", "faithfulness errors contradict the context",
         "the fixes differ"])
    g = grade_rubric(rubric, "Factual, faithfulness, context, world knowledge, retrieval, verification, citations.",
                     encoder=hashing)
    assert g.verdict is Verdict.WRONG and g.details["capped_by"] == "salad", g.details
