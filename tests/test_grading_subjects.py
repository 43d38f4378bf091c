"""Swapped subjects: every word of a predicate agrees, but it is said of the wrong thing."""

from __future__ import annotations

import pytest

from llmquiz.grading import Verdict, grade_rubric
from llmquiz.grading.rubric import from_parts
from llmquiz.grading.subjects import subject

QUESTION = "What does an n-gram language model compute, and why does an LLM generalise better?"
REFERENCE = ("An n-gram model estimates the probability of the next word from counts of the previous n-1 "
             "words, so it is a lookup table that fails on histories it never saw. An LLM instead learns "
             "dense representations of tokens and contexts, so similar contexts share statistical strength.")
RUBRIC = from_parts(QUESTION, REFERENCE)



@pytest.fixture(params=["hashing", "minilm"])
def encoder(request: pytest.FixtureRequest):
    """The check is lexical, so it must hold under either encoder."""
    return request.getfixturevalue(request.param)


PROMPT_Q = "What are the parts of a well-structured prompt?"
PROMPT_REF = ("A system message sets the role and the tone of the assistant. The instruction says exactly "
              "what to do, and the input holds the specific data to work on.")


def _grade(answer: str, encoder, rubric=RUBRIC):
    return grade_rubric(rubric, answer, encoder=encoder)


def _assert_swapped(answer: str, why: str, encoder, rubric=RUBRIC) -> None:
    """The answer is graded wrong, with `why` among its contradictions."""
    g = _grade(answer, encoder, rubric)
    assert g.verdict is Verdict.WRONG, g.details
    whys = [c["why"] for c in g.details["contradictions"]]
    assert why in whys, whys


def _assert_clean(answer: str, encoder, rubric=RUBRIC) -> None:
    """The answer is graded correct, with no contradiction."""
    g = _grade(answer, encoder, rubric)
    assert not g.details["contradictions"], g.details
    assert g.verdict is Verdict.CORRECT


def test_predicates_given_to_the_other_model_are_wrong(encoder) -> None:
    answer = ("An LLM estimates the probability of the next word from counts of the previous n-1 words, so "
              "it is a lookup table that fails on histories it never saw. An n-gram model instead learns "
              "dense representations of tokens and contexts, so similar contexts share statistical strength.")
    _assert_swapped(answer, "'LLM' where the model answer says 'n-gram'", encoder)


def test_the_same_predicates_under_their_own_subjects_are_correct(encoder) -> None:
    answer = ("An n-gram model estimates the next word's probability from counts of the previous n-1 words; "
              "it is a lookup table that fails on unseen histories. An LLM learns dense representations, "
              "so similar contexts share statistical strength.")
    _assert_clean(answer, encoder)


def test_a_clause_naming_both_subjects_compares_them(encoder) -> None:
    answer = ("Unlike an LLM, an n-gram model estimates the probability of the next word from counts of the "
              "previous n-1 words. The LLM learns dense representations, so similar contexts share strength.")
    _assert_clean(answer, encoder)


def test_roles_swapped_inside_one_sentence(encoder) -> None:
    answer = ("The input sets the role and the tone of the assistant, while the system message holds the "
              "specific data to work on, and the instruction says what to do.")
    g = _grade(answer, encoder, from_parts(PROMPT_Q, PROMPT_REF))
    assert len(g.details["contradictions"]) == 2, g.details
    assert g.verdict is Verdict.WRONG


@pytest.mark.parametrize(("clause", "expected"), [
    ("and the system message sets the role", "system"),
    ("GPT-2 ties them", "gpt"),  # "GPT-2" is two stems; the first names it
    ("LLaMA keeps them separate", "llama"),
    ("Cache K and V of past tokens", ""),  # an instruction opens on a verb
    ("32 heads of 128", ""),  # a number is not a subject
    ("it is a lookup table", ""),
])
def test_a_subject_is_a_named_thing_the_clause_opens_on(clause: str, expected: str) -> None:
    assert subject(clause)[0] == expected


GB_Q = "Compare GPT and BERT on training and typical use."
GB_REF = ("GPT is decoder-only, trained with causal next-token prediction, and generates text freely. "
          "BERT is encoder-only, trained with masked language modelling, and is cheap for classification.")
GB_RUBRIC = from_parts(GB_Q, GB_REF)


def test_a_predicate_after_a_comma_belongs_to_its_clauses_subject(encoder) -> None:
    # "trained with causal next-token prediction" names no subject of its own; it says more of BERT here.
    answer = ("BERT is the decoder-only one, trained with causal next-token prediction, and generates text. "
              "GPT is encoder-only and trained with masked language modelling, cheap for classification.")
    _assert_swapped(answer, "'BERT' where the model answer says 'GPT'", encoder, GB_RUBRIC)


def test_the_same_comma_predicates_under_their_own_subjects_are_correct(encoder) -> None:
    answer = ("GPT is the decoder-only one, trained with causal next-token prediction, and generates text. "
              "BERT is encoder-only and trained with masked language modelling, cheap for classification.")
    _assert_clean(answer, encoder, GB_RUBRIC)


HP_Q = "What is the difference between a hyperparameter and a learned parameter?"
HP_REF = ("Learned parameters, such as attention weight matrices, embeddings and layer-norm scales, are set by "
          "the optimiser through gradient descent on the training data. Hyperparameters are choices the "
          "engineer fixes before training, such as learning rate, batch size or number of layers; the "
          "optimiser never updates them. The parameters hold what the model knows, and the hyperparameters "
          "shape how it is built.")
HP_RUBRIC = from_parts(HP_Q, HP_REF)


def test_a_sentence_about_one_asked_thing_in_the_others_words_is_a_swap(encoder) -> None:
    answer = ("Hyperparameters are the attention weight matrices, embeddings and layer-norm scales, set by "
              "gradient descent on the data. Learned parameters are what the engineer fixes before training: "
              "learning rate, batch size and the number of layers.")
    _assert_swapped(answer, "'Hyperparameters' given what the model answer says of 'parameters'", encoder, HP_RUBRIC)


def test_each_asked_thing_in_its_own_words_is_no_swap(encoder) -> None:
    answer = ("Learned parameters are the attention weight matrices, embeddings and layer-norm scales, set by "
              "gradient descent on the data. Hyperparameters are what the engineer fixes before training: "
              "learning rate, batch size and the number of layers.")
    _assert_clean(answer, encoder, HP_RUBRIC)


def test_a_term_glossed_in_brackets_is_one_thing() -> None:
    from llmquiz.grading.contradiction import ref_clauses
    from llmquiz.grading.subjects import terms

    ref = ("An autoregressive model predicts each next token from the left context only. So GPT-style models "
           "suit generation, and a masked model suits classification.")
    q = "Autoregressive (GPT-style) vs masked (BERT-style) language models: what is the core difference?"
    assert "gptstyl" not in terms(ref_clauses([("answer", ref)]), q)
    assert {"autoregress", "mask"} <= set(terms(ref_clauses([("answer", ref)]), q))


def test_a_sentence_opening_word_before_is_or_are_is_a_subject() -> None:
    assert subject("Hyperparameters are choices the engineer fixes")[1] == "Hyperparameters"
    assert subject("Cache the keys and values") == ("", "")


def test_they_after_a_semicolon_continues_the_subject_before_it() -> None:
    from llmquiz.grading.contradiction import ref_clauses

    refs = ref_clauses([("answer", "Encoder-only models read the input both ways; they suit classification.")])
    assert [r.subject[1] for r in refs] == ["Encoder-only", "Encoder-only"]
    assert [r.inherited for r in refs] == [False, True]
