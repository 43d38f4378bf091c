"""Normalisation the grader matches through: symbols, spoken forms, compounds, stems, typos, salad."""

from __future__ import annotations

import pytest

from llmquiz.grading.salad import is_bare, is_salad
from llmquiz.grading.text import close, sentences, stem, stems


@pytest.mark.parametrize("a, b", [
    ("√d_k", "sqrt(d_k)"), ("√d_k", "the square root of d_k"), ("x²", "x squared"), ("x^2", "x squared"),
    ("a ≈ b", "a approximately b"), ("a → b", "a -> b"), ("Σ x", "sum of x"), ("Σ x", "summation x"),
    ("pre-training", "pretraining"), ("pre training", "pretraining"), ("fine-tuning", "finetuning"),
    ("naïve", "naive"),
])
def test_symbols_spoken_forms_and_compounds_normalise_alike(a, b):
    strip = {"the", "of"}
    assert [s for s in stems(a) if s not in strip] == [s for s in stems(b) if s not in strip]


@pytest.mark.parametrize("words", [("saturates", "saturating", "saturation", "saturated"),
                                   ("gradients", "gradient"), ("queries", "query"), ("retrieval", "retrieve")])
def test_plurals_and_endings_share_a_stem(words):
    assert len({stem(w) for w in words}) == 1


def test_typo_tolerance_scales_with_length_and_never_touches_numbers():
    assert close("gradient", "gradeint") and close("variance", "varience") and close("softmax", "sofmax")
    assert not close("8", "9") and not close("2048", "2049") and not close("70b", "80b")
    assert not close("head", "heap")  # short words must match exactly
    assert not close("encoder", "decoder")  # different first letter: a different word, not a typo


def test_sentences_keep_decimals_and_abbreviations():
    assert sentences("Use T=0.2 for code, e.g. SQL. Higher T is more random!") == [
        "Use T=0.2 for code, eg SQL", "Higher T is more random"]


@pytest.mark.parametrize("text", ["variance sqrt d_k softmax gradients",
                                  "P(y|x), P(x,y), decision boundary, logistic regression, SVM, GAN, VAE, sampling"])
def test_lists_of_terms_are_salad(text):
    assert is_salad(text) or is_bare(text)


@pytest.mark.parametrize("text", ["Variance grows with d_k, so the softmax saturates.",
                                  "Chars -> sequences too long; words -> giant vocab + OOV.",
                                  "The draft model proposes k tokens"])
def test_terse_sentences_are_not_salad(text):
    assert not any(is_salad(s) for s in sentences(text)) and not is_bare(text)


def test_a_list_answers_a_question_that_asks_for_a_list():
    listing = "LoRA, QLoRA, prefix tuning, prompt tuning, adapters, IA3"
    assert is_salad(listing)
    assert not is_salad(listing, enumeration=True)


def test_few_is_a_prefix_of_shot_only():
    # "few updates" is a quantity and a noun; joined, it would hide the quantity from the opposites check.
    assert stems("few shot") == stems("few-shot") == ["fewshot"]
    assert stems("few updates") == ["few", "updat"]


@pytest.mark.parametrize(("exact", "said", "same"), [
    ("46.7b", "47b", True), ("12.9b", "13b", True), ("0.125", "0.13", True),
    ("1.5x", "2x", False),  # rounds, but a third off: a different claim
    ("12.9b", "13", False),  # the unit is part of the number
    ("8", "9", False), ("47b", "46.7b", False),  # more digits than the model answer is not rounding
])
def test_a_rounded_number_states_the_exact_one(exact, said, same):
    from llmquiz.grading.match import same_word

    assert same_word(exact, said) is same


@pytest.mark.parametrize(("answer", "listed"), [
    ("Latency. Caching. nprobe. Re-ranker. Streaming. Smaller model.", True),
    ("Continued pre-training; domain corpus; BloombergGPT; next-token prediction; SFT; LoRA.", True),
    ("Use RAG. Cache prompts. Stream tokens. Batch requests. Quantize weights.", False),  # instructions
    ("Cache the prompt. It saves latency. Stream tokens. Batch. Quantize.", False),  # no run of five
])
def test_terms_written_as_sentences_are_a_list(answer: str, listed: bool) -> None:
    from llmquiz.grading.salad import fragment_runs

    assert bool(fragment_runs(sentences(answer))) is listed
    assert fragment_runs(sentences(answer), enumeration=True) == set()  # a list answers "name the ..."
