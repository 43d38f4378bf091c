"""The fitted grader (opt-in, LLMQUIZ_GRADER=fitted): the 0-5 scale's ends, the verdict it shows, and
the weights file that must match the features the grader computes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from llmquiz.grading import Verdict, grade_rubric, grader_name
from llmquiz.grading.features import NAMES
from llmquiz.grading.fitted import ScoreModel, decide, model_for
from llmquiz.grading.rubric import from_parts

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


def test_the_fitted_grader_is_chosen_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert grader_name() == "fitted"
    monkeypatch.setenv("LLMQUIZ_GRADER", "nonsense")
    assert grader_name() == "rules"


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
    # 0.35 on a 5 alone, but 0.6 on partial (2 or 3): the verdict a learner sees is partial.
    p = np.array([0.05, 0.0, 0.3, 0.3, 0.0, 0.35])
    assert decide(p) == (2, pytest.approx(0.6))
    assert decide(np.array([0.0, 0.0, 0.0, 0.0, 0.2, 0.8]))[0] == 5


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
