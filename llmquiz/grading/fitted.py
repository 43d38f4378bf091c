"""The fitted scorer: from an answer's feature vector to a probability for each score 0-5.

An ordinal (cumulative-logit) model: one learned direction through the standardised features gives a
latent grade `s`, and five ordered cut points turn it into P(score <= k) = sigmoid(cut_k - s). It is
fitted by `tools/train_grader.py` on labelled answers by several writers (see bench/data/README.md)
and shipped as a few hundred bytes of JSON per encoder in `grading/data/scorer.json`. Inference is
NumPy only. The features are those of `features.NAMES`, in that order; a weights file written for
other features is refused rather than misread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from llmquiz.grading.features import NAMES

SCORES = 6  # 0..5
WEIGHTS_FILE = "scorer.json"


@dataclass(frozen=True)
class ScoreModel:
    """Standardisation, the latent direction, an optional hidden layer and the cut points."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    cuts: tuple[float, ...]  # 5 increasing cut points between the 6 scores
    hidden: tuple[tuple[float, ...], ...] = ()  # rows: hidden units over the standardised features (+ bias)
    hidden_out: tuple[float, ...] = ()  # each hidden unit's weight in the latent grade

    def latent(self, x: Any) -> Any:
        """The latent grade of one feature vector or a matrix of them (rows)."""
        import numpy as np

        z = (np.asarray(x, dtype=np.float64) - np.asarray(self.mean)) / np.asarray(self.scale)
        s = z @ np.asarray(self.coef)
        if self.hidden:
            h = np.asarray(self.hidden)
            act = np.tanh(z @ h[:, :-1].T + h[:, -1])
            s = s + act @ np.asarray(self.hidden_out)
        return s

    def probs(self, x: Any) -> Any:
        """P(score = k) for k = 0..5, for one vector (shape (6,)) or a matrix (shape (n, 6))."""
        import numpy as np

        s = np.asarray(self.latent(x))
        cum = 1.0 / (1.0 + np.exp(-(np.asarray(self.cuts) - s[..., None])))  # P(score <= k), k = 0..4
        ones = np.ones((*s.shape, 1))
        cum = np.concatenate([cum, ones], axis=-1)
        return np.diff(cum, axis=-1, prepend=0.0)

    def to_dict(self) -> dict[str, Any]:
        return {"names": list(self.names), "mean": list(self.mean), "scale": list(self.scale),
                "coef": list(self.coef), "cuts": list(self.cuts),
                "hidden": [list(r) for r in self.hidden], "hidden_out": list(self.hidden_out)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScoreModel:
        names = tuple(d["names"])
        if names != NAMES:
            raise ValueError("the scorer weights were fitted on other features; run tools/train_grader.py")
        return cls(names, tuple(d["mean"]), tuple(d["scale"]), tuple(d["coef"]), tuple(d["cuts"]),
                   tuple(tuple(r) for r in d.get("hidden", [])), tuple(d.get("hidden_out", [])))


def weights_key(encoder_name: str) -> str:
    """Which shipped weights serve an encoder: its own, else MiniLM's for any other BERT-style encoder
    (features are measured above a background floor, so sentence encoders read alike)."""
    return "hashing" if encoder_name == "hashing" else "minilm"


@cache
def _file() -> dict[str, Any]:
    text = resources.files("llmquiz.grading").joinpath("data", WEIGHTS_FILE).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def model_for(encoder_name: str) -> ScoreModel:
    """The shipped `ScoreModel` for an encoder."""
    return ScoreModel.from_dict(_file()["models"][weights_key(encoder_name)])


def decide(p: Any) -> tuple[int, float]:
    """The score to show for score probabilities `p`, and how sure the verdict is.

    The verdict (wrong 0-1, partial 2-3, correct 4-5) with the most probability wins: agreeing on the
    verdict matters more to a learner than the exact point. Within it, the score with the smaller
    expected distance to the true one: a "wrong" with much of its probability on partial shows 1, not 0.
    On the training answers that keeps every verdict and puts 6 points more of the shown scores within
    one of the scorers' (hashing, cross-fitted judges: 80% to 86%).
    """
    groups = ((0, 1), (2, 3), (4, 5))
    mass = [float(p[a] + p[b]) for a, b in groups]
    g = max(range(3), key=lambda i: mass[i])
    a, b = groups[g]
    cost = [sum(float(p[k]) * abs(k - s) for k in range(SCORES)) for s in (a, b)]
    return (a if cost[0] <= cost[1] else b), mass[g]
