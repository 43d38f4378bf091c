"""Every shipped card's self-tests: its own model answer and each `accept` answer grade correct, each
`reject` answer wrong (a misconception alias that matches the card's own answer convicts right answers).

Runs with the hashing encoder (always available, fast); the same sweep with minilm is marked slow.
Known grader failures are listed, with a reason, in fixtures/grading_known_failures.yaml and expected
to fail (non-strict: fixing one is welcome, then delete its entry).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from llmquiz import decks, paths
from llmquiz.card import Card
from llmquiz.grading import Verdict, grade

KNOWN = Path(__file__).resolve().parent / "fixtures" / "grading_known_failures.yaml"


def _cards() -> dict[str, Card]:
    lib = decks.load([paths.shipped_decks_dir()], use_cache=False)
    return {c.id: c for d in lib.decks.values() for c in d.cards if c.predict is None}


CARDS = _cards()


def _known(encoder: str) -> dict[tuple[str, str, int], str]:
    data = yaml.safe_load(KNOWN.read_text(encoding="utf-8")) or {}
    return {(e["id"], e["kind"], int(e["index"])): e["reason"] for e in data.get(encoder) or []}


def _params(encoder: str) -> list:
    known = _known(encoder)
    out = []
    for cid, card in CARDS.items():
        for kind, i, _, _ in card.self_tests():
            reason = known.get((cid, kind, i))
            marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
            out.append(pytest.param(cid, kind, i, id=f"{cid}-{kind}{i}", marks=marks))
    return out


def _check(cid: str, kind: str, i: int, encoder_name: str) -> None:
    from llmquiz.grading.encoders import get_encoder

    card = CARDS[cid]
    answer, want = next((text, want) for k, j, text, want in card.self_tests() if (k, j) == (kind, i))
    g = grade(card, answer, encoder=get_encoder(encoder_name))
    assert g.verdict is Verdict(want), f"{cid} {kind}[{i}] graded {g.verdict.value} ({g.score}): {g.feedback}"


@pytest.mark.parametrize(("cid", "kind", "i"), _params("hashing"))
def test_deck_samples_grade_as_their_authors_say(cid: str, kind: str, i: int) -> None:
    _check(cid, kind, i, "hashing")


@pytest.mark.slow
@pytest.mark.parametrize(("cid", "kind", "i"), _params("minilm"))
def test_deck_samples_grade_as_their_authors_say_with_minilm(cid: str, kind: str, i: int) -> None:
    from llmquiz.grading.encoders import minilm_dir

    if minilm_dir() is None:
        pytest.skip("the minilm model is not installed")
    _check(cid, kind, i, "minilm")


def test_the_known_failures_list_stays_short() -> None:
    total = sum(len(c.self_tests()) for c in CARDS.values())
    assert total >= 100  # the decks are there
    assert len(_known("hashing")) <= 0.04 * total


def test_a_card_vouches_for_its_answer_and_samples() -> None:
    card = next(c for c in CARDS.values() if c.accept and c.reject)
    tests = card.self_tests()
    assert tests[0] == ("answer", 0, card.answer, "correct")
    assert [t for t in tests if t[0] == "accept"] == [("accept", i, a, "correct") for i, a in enumerate(card.accept)]
    assert [t for t in tests if t[0] == "reject"] == [("reject", i, r, "wrong") for i, r in enumerate(card.reject)]
    assert len(tests) == 1 + len(card.accept) + len(card.reject)
