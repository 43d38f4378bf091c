"""A checklist the learner can check: every tick quotes the answer's words that earned it, and a tick
never survives a changed number.

Measured on the shipped decks (issue #21): a sample of cards' accept answers for the quotes, and every
accept answer that states a key point's number, rewritten with another number, for the ticks.
"""

from __future__ import annotations

import pytest

from llmquiz import decks
from llmquiz.grading import grade
from llmquiz.grading.profile import _numbers
from llmquiz.grading.rubric import from_card
from llmquiz.grading.text import _FIGURE, numbers_in

CARDS = sorted((c for c in decks.load_valid().cards.values() if c.predict is None), key=lambda c: c.id)


def _in_answer(quote: str, answer: str) -> bool:
    """Every part of a quote (parts are joined by " … "; a long one is cut with "…") occurs in the answer."""
    flat = " ".join(answer.split())
    parts = [p.strip().rstrip("…").strip() for p in quote.split(" … ")]
    return all(p and p in flat for p in parts)


def test_every_tick_on_the_accept_answers_quotes_the_answer(hashing) -> None:
    checked = 0
    for card in CARDS[::3]:  # a third of the cards, every topic: the full run is bench's
        for answer in card.accept:
            g = grade(card, answer, encoder=hashing)
            assert len(g.quotes) == len(g.found), (card.id, answer)
            for point, said in zip(g.found, g.quotes, strict=True):
                assert _in_answer(said, answer), (card.id, point, said, answer)
                checked += 1
    assert checked > 150


def _other(number: str) -> str:
    """A different number of the same form, far from its neighbours: 8 -> 59, 0.1 -> 0.6."""
    digits = number.replace(",", "")
    if "." in digits:
        whole, frac = digits.split(".")
        return f"{whole}.{(int(frac[0]) + 5) % 10}{frac[1:]}"
    return f"{int(digits) * 7 + 3:,}" if "," in number else str(int(digits) * 7 + 3)


def swapped_answers() -> list[tuple[str, int, str]]:
    """(card id, key point index, answer) for each accept answer that writes a figure its key point
    needs, with the first such figure changed to another wherever the answer writes it."""
    out = []
    for card in CARDS:
        for k, point in enumerate(from_card(card).points):
            if not _numbers(point.aliases, point.text):
                continue  # a point meaning can state, not one that needs its number said
            figures = numbers_in(" ".join((point.text, *point.aliases)))
            for answer in card.accept:
                said = [m for m in _FIGURE.finditer(answer)
                        if (m.group(1).replace(",", "") + m.group(2)).lower() in figures]
                if said:  # the first figure the answer writes, changed wherever it is written
                    first = said[0].group(1)
                    changed = _FIGURE.sub(lambda m, f=first: (_other(f) if m.group(1) == f else m.group(1))
                                          + m.group(2), answer)
                    out.append((card.id, k, changed))
    return out


# Changed figures the checklist still ticks, with why (known limits, not targets). A point with several
# figures is checked in the sentence that states it; a figure changed in another sentence goes unseen.
KNOWN = {
    "scale-moe-arithmetic": "'top-17': a figure glued to a word by a hyphen reads as a name, like 'GPT-4'",
    "scale-compute-budget": "'10M A100-hours' beside the right FLOPs, params and tokens in one sentence",
    "tok-embedding-widths": "the changed width is in another sentence than the range that states the point",
    "train-fp16-bf16": "'1 sign' changed in another sentence than '8 exponent and 7 mantissa'",
    "rag-latency-budget": "a range with one end changed ('703 to 300 ms' for 100-300): one of its figures "
                          "is said, which reads as the point's number stated",
}


SWAPPED = swapped_answers()


def test_there_are_number_points_to_swap() -> None:
    assert len(SWAPPED) >= 20


@pytest.mark.parametrize("encoder", ["hashing", "minilm"])
def test_a_changed_number_never_keeps_its_tick(encoder: str, request: pytest.FixtureRequest) -> None:
    enc = request.getfixturevalue(encoder)
    cards = decks.load_valid().cards
    false_ticks = []
    for card_id, k, answer in SWAPPED:
        card = cards[card_id]
        g = grade(card, answer, encoder=enc)
        point = from_card(card).points[k].text
        if point in g.found and card_id not in KNOWN:
            false_ticks.append((card_id, point, answer))
    assert false_ticks == []


def test_a_point_that_needs_a_name_keeps_its_tick_beside_an_unrelated_figure(hashing) -> None:
    from llmquiz.grading import grade_rubric
    from llmquiz.grading.rubric import from_parts

    rubric = from_parts("Which river runs through Paris?", "The Seine.",
                        [{"point": "the Seine", "aliases": ["seine"]}])
    g = grade_rubric(rubric, "the Seine, all 777 km of it", encoder=hashing)
    assert g.found == ("the Seine",), g.details
