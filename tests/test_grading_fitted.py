"""The fitted grader (the default; LLMQUIZ_GRADER=rules for the hand-set one): the 0-5 scale's ends, the
verdict it shows, the contract's hard rules over it, and the weights file that must match the features
the grader computes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from llmquiz.grading import Verdict, grade_rubric, grader_name
from llmquiz.grading.evidence import Evidence, PointEvidence
from llmquiz.grading.features import NAMES
from llmquiz.grading.fitted import ScoreModel, decide, model_for
from llmquiz.grading.neighbours import Neighbour
from llmquiz.grading.rubric import from_parts
from llmquiz.grading.scorer import Bounds, bounded, contract_bounds

RUBRIC = from_parts(
    "Why are attention scores divided by sqrt(d_k) before the softmax?",
    "The dot product of q and k has variance that grows with d_k. Large logits saturate the softmax into a "
    "near one-hot distribution whose gradients vanish. Dividing by sqrt(d_k) restores unit variance and keeps "
    "training stable.",
    ["The dot product's variance grows with d_k", "Unscaled, the softmax saturates and its gradients vanish",
     "Dividing by sqrt(d_k) restores unit variance"],
)


@pytest.fixture(autouse=True)
def _fitted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMQUIZ_GRADER", "fitted")


def test_the_fitted_grader_is_the_default_and_rules_are_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLMQUIZ_GRADER")
    assert grader_name() == "fitted"
    for value, name in (("rules", "rules"), (" Rules ", "rules"), ("nonsense", "fitted"), ("", "fitted")):
        monkeypatch.setenv("LLMQUIZ_GRADER", value)
        assert grader_name() == name


def test_an_empty_answer_scores_zero(hashing) -> None:
    g = grade_rubric(RUBRIC, "   ", encoder=hashing)
    assert (g.score, g.verdict) == (0, Verdict.WRONG)


def test_every_key_point_stated_is_correct_and_terms_alone_are_wrong(hashing) -> None:
    full = grade_rubric(RUBRIC, "q·k has variance proportional to d_k, so big heads give large logits that "
                                "saturate the softmax and kill its gradients; dividing by sqrt(d_k) brings the "
                                "variance back to one.", encoder=hashing)
    assert full.verdict is Verdict.CORRECT, full.details
    assert len(full.quotes) == len(full.found)  # every tick quotes the learner's words
    salad = grade_rubric(RUBRIC, "variance, d_k, softmax, gradients, sqrt", encoder=hashing)
    assert salad.verdict is Verdict.WRONG, salad.details


def test_the_shown_score_follows_the_likeliest_verdict() -> None:
    # 0.35 on a 5 alone, but 0.6 on partial (2 or 3): the verdict a learner sees is partial, and within
    # it 3, the score nearer the probability left on correct.
    p = np.array([0.05, 0.0, 0.3, 0.3, 0.0, 0.35])
    assert decide(p) == (3, pytest.approx(0.6))
    assert decide(np.array([0.0, 0.0, 0.0, 0.0, 0.2, 0.8]))[0] == 5
    # Wrong, with much of the rest on partial: 1 ("a correct fragment"), not 0.
    assert decide(np.array([0.3, 0.25, 0.25, 0.1, 0.05, 0.05]))[0] == 1
    assert decide(np.array([0.6, 0.1, 0.1, 0.1, 0.05, 0.05]))[0] == 0


def test_the_contract_bounds_what_the_model_says() -> None:
    p = np.array([0.0, 0.05, 0.05, 0.1, 0.3, 0.5])
    assert decide(bounded(p, Bounds(0, 1, "salad"))) == (1, pytest.approx(1.0))  # the mass above 1 moves onto 1
    assert decide(bounded(p, Bounds(0, 0, "off-topic"))) == (0, pytest.approx(1.0))
    assert decide(bounded(np.array([0.3, 0.3, 0.2, 0.1, 0.05, 0.05]), Bounds(5, 5, "every-point")))[0] == 5
    assert bounded(p, Bounds()) is p
    ev = Evidence(points=[PointEvidence(lexical=1.0)])
    assert contract_bounds(ev) == Bounds(5, 5, "every-point")  # every point in the card's words, nothing false
    ev.false_probs = [0.2, 0.7]
    assert contract_bounds(ev) == Bounds()  # ... unless the false-claim judge calls a clause false
    ev.polar_flip = "'yes' where the model answer says 'no'"
    assert contract_bounds(ev) == Bounds(0, 1, "polar-flip")
    ev.bare = True
    assert contract_bounds(ev) == Bounds(0, 1, "salad")
    ev.elsewhere = Neighbour("other-card", "What is something else?", 0.2)
    assert contract_bounds(ev) == Bounds(0, 0, "off-topic")


def test_a_short_answer_with_every_point_in_the_cards_words_is_correct(hashing) -> None:
    g = grade_rubric(RUBRIC, "The dot product's variance grows with d_k. Unscaled, the softmax saturates and its "
                             "gradients vanish. Dividing by sqrt(d_k) restores unit variance.", encoder=hashing)
    assert (g.score, g.verdict) == (5, Verdict.CORRECT), g.details
    assert g.details["floored_by"] == "every-point"


@pytest.mark.parametrize("encoder", ["minilm", "hashing"])
def test_the_point_judge_reads_words_that_swap_for_the_points_words(encoder: str, request) -> None:
    from llmquiz.grading import profile as profiles
    from llmquiz.grading.evidence import gather

    enc = request.getfixturevalue(encoder)
    prof = profiles.get(RUBRIC, enc)
    swapped = gather(prof, "The dot product's spread grows with the key width.", enc).points[0].word_recall
    unrelated = gather(prof, "Paris is the capital of France.", enc).points[0].word_recall
    assert swapped > unrelated + 0.1


def test_closeness_far_below_the_background_reads_as_unrelated() -> None:
    from llmquiz.grading.judges import judges_for, point_scalars

    point, _ = judges_for("minilm")
    far, floor = (point_scalars(PointEvidence(closeness=c, share=1.0), "8 KV heads", 0.1) for c in (-3.0, 0.0))
    assert point.prob([far])[0] == pytest.approx(point.prob([floor])[0])
    assert point.prob([far])[0] < 0.5


@pytest.mark.parametrize("encoder", ["minilm", "hashing"])
def test_the_shipped_weights_fit_the_features_and_give_ordered_probabilities(encoder: str) -> None:
    model = model_for(encoder)
    assert model.names == NAMES
    assert all(b > a for a, b in zip(model.cuts, model.cuts[1:], strict=False))
    p = model.probs(np.zeros(len(NAMES)))
    assert p.shape == (6,) and abs(float(p.sum()) - 1.0) < 1e-9 and (p >= 0).all()


def test_weights_for_other_features_are_refused() -> None:
    d = json.loads(json.dumps(model_for("hashing").to_dict()))
    d["names"] = d["names"][:-1]
    with pytest.raises(ValueError, match="other features"):
        ScoreModel.from_dict(d)


def _readings(names: tuple[str, ...], **given: float) -> list[float]:
    return [float(given.get(n, 0.0)) for n in names]


@pytest.mark.parametrize("encoder", ["minilm", "hashing"])
def test_the_point_judge_ticks_a_close_clause_and_not_its_negation(encoder: str) -> None:
    from llmquiz.grading.judges import POINT_SCALARS, judges_for

    point, _ = judges_for(encoder)
    said = dict(lexical=1, closeness=0.8, share=1, density=0.8, word_recall=0.9)
    stated, negated, far = point.prob([
        _readings(POINT_SCALARS, **said),
        _readings(POINT_SCALARS, **said, negation_differs=1, hit_negation_differs=1),
        _readings(POINT_SCALARS, closeness=0.1, share=1, density=0.8, word_recall=0.3),
    ])
    assert stated > 0.5 > far
    assert negated < stated - 0.2  # a flipped negation costs the tick its confidence


@pytest.mark.parametrize("encoder", ["minilm", "hashing"])
def test_the_false_claim_judge_tells_a_misconception_from_an_agreeing_clause(encoder: str) -> None:
    from llmquiz.grading.judges import CLAUSE_SCALARS, judges_for

    _, false = judges_for(encoder)
    agrees = dict(reference=0.8, misconception=0.1, misconception_margin=-0.7)
    ok, flipped, claim = false.prob([
        _readings(CLAUSE_SCALARS, **agrees),
        _readings(CLAUSE_SCALARS, **agrees, negation_differs=1),
        _readings(CLAUSE_SCALARS, reference=0.2, misconception=0.8, misconception_margin=0.6, rule_claims=1),
    ])
    assert ok < 0.5 < claim
    assert flipped > ok


def test_a_judge_reads_its_readings_and_their_products() -> None:
    from llmquiz.grading.judges import expand

    x = expand([[1.0, 2.0, 3.0]])
    assert x.tolist() == [[1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 4.0, 6.0, 9.0]]
