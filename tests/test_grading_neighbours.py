"""An answer to another question: fluent and on the broad topic, but it fits another card far better."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmquiz import decks, paths
from llmquiz.grading import Verdict, grade, grade_rubric, neighbours
from llmquiz.grading.rubric import from_parts

# Continuous batching, explained in full, when the card asks about PagedAttention: both are about
# serving, so closeness to the model answer alone calls it partly right.
BATCHING = ("Instead of waiting for the slowest request in a batch to finish, the server rebuilds the batch "
            "after each decoding step: a sequence that emits its end token leaves at once and a queued request "
            "takes its slot. The GPU stays busy, throughput rises several-fold and short requests are not "
            "stuck behind long ones.")


@pytest.fixture(params=["hashing", "minilm"])
def encoder(request: pytest.FixtureRequest):
    """The check compares words, so it must hold whichever encoder grades."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def cards() -> dict:
    lib = decks.load([paths.shipped_decks_dir()], use_cache=False)
    return {c.id: c for d in lib.decks.values() for c in d.cards}


def test_an_answer_to_a_neighbouring_card_is_wrong_and_names_that_card(encoder, cards, monkeypatch):
    g = grade(cards["inf-paged-attention"], BATCHING, encoder=encoder)
    assert g.verdict is Verdict.WRONG, g.details
    assert g.details["capped_by"] == "off-topic"
    assert g.details["answers_instead"]["id"] == "inf-continuous-batching"
    assert "What is continuous batching" in g.feedback
    # Without the check the same answer earns partial credit: the failure mode this guards against.
    monkeypatch.setattr(neighbours, "MARGIN", float("inf"))
    assert grade(cards["inf-paged-attention"], BATCHING, encoder=encoder).verdict is not Verdict.WRONG


def test_the_card_an_answer_fits_is_never_its_own(encoder, cards):
    card = cards["inf-paged-attention"]
    for answer in card.accept:
        g = grade(card, answer, encoder=encoder)
        assert g.details["answers_instead"] is None, (answer, g.details["answers_instead"])


def test_a_twin_of_the_asked_card_does_not_count_as_another_question(encoder, cards, monkeypatch):
    # A batch rubric asks the deck card's own question with a model answer in other words; an answer
    # worded like the deck card fits the card far better than this model answer, yet it answers the
    # question asked.
    card = cards["inf-continuous-batching"]
    rubric = from_parts(card.question,
                        "Requests join and leave the running batch at every generation step rather than "
                        "waiting for the whole batch, which keeps the accelerator fully used.")
    g = grade_rubric(rubric, card.answer, encoder=encoder)
    assert g.details["answers_instead"] is None
    assert g.verdict is not Verdict.WRONG, g.details
    monkeypatch.setattr(neighbours, "SAME_QUESTION", 2.0)  # were the twin not recognised ...
    assert grade_rubric(rubric, card.answer, encoder=encoder).details["answers_instead"]["id"] == card.id


def test_a_card_in_a_user_deck_folder_is_a_neighbour_too(hashing, tmp_path: Path, monkeypatch):
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "sql.yaml").write_text(
        "topic: sql\ntitle: SQL\ndescription: Databases.\ncards:\n"
        "  - id: sql-index\n    question: Why does a B-tree index speed up lookups in a relational database?\n"
        "    answer: A B-tree index keeps keys sorted in a shallow balanced tree, so finding a row takes a few "
        "page reads (logarithmic in the table size) instead of scanning every page of the table.\n",
        encoding="utf-8")
    rubric = from_parts("What does temperature do in text generation?",
                        "It divides the logits before the softmax: below 1 sharpens the distribution, "
                        "above 1 flattens it.")
    answer = ("The B-tree index holds sorted keys in a balanced tree only a few levels deep, so looking up a row "
              "reads a handful of pages, logarithmic in the table size, instead of scanning the whole table.")
    assert grade_rubric(rubric, answer, encoder=hashing).details["answers_instead"] is None
    monkeypatch.setenv("LLMQUIZ_DECKS", str(folder))  # the library notices the new folder by itself
    g = grade_rubric(rubric, answer, encoder=hashing)
    assert g.details["answers_instead"]["id"] == "sql-index"
    assert g.verdict is Verdict.WRONG


def test_a_short_answer_is_never_read_as_another_question(hashing, cards):
    # Two words fit a short model answer elsewhere better than this card's long one; that says nothing
    # about which question they answer.
    g = grade(cards["dec-generation-loop"], "KV cache", encoder=hashing)
    assert g.details["answers_instead"] is None
    assert "another question" not in g.feedback


def test_a_rubric_outside_the_decks_subject_has_no_neighbours(hashing, monkeypatch):
    # "children", "parent" and "size" about a tree share words with the card on parent and child chunks;
    # the question is about data structures, which no card covers, so no card is a neighbour.
    rubric = from_parts("What is the height of a tree?",
                        "The number of nodes on the longest path from the root down to a leaf.")
    answer = ("Parents point to children and children point to their own children. The size of each level "
              "grows as you go down, and the height is the count of levels from the root parent down to the "
              "deepest child.")
    assert grade_rubric(rubric, answer, encoder=hashing).details["answers_instead"] is None
    monkeypatch.setattr(neighbours, "ON_MAP", 0.0)  # without the subject test, a card would be named
    assert grade_rubric(rubric, answer, encoder=hashing).details["answers_instead"]["id"] == "rag-parent-child-sizes"
