"""Learned judgments where hand-written rules fell short: does the answer state this key point, and is
this clause of it false?

Both are logistic regressions, fitted by tools/train_grader.py on labelled answers (bench/data/README.md):
- the point judge reads a key point with the answer clause closest to it in meaning: whether an alias or
  most of the point's terms occur (and whether only in a list), how close the clause is, whether a number
  or name the point needs is said, whether the clause's negations agree with the point's, and, with a
  sentence encoder, the element-wise product and distance of the two vectors (the classic pair features
  of sentence-pair classifiers);
- the false-claim judge reads each answer clause with the model-answer clause closest to it: closeness to
  it and to the card's misconceptions, whether the contradiction rules flag it, a negation the model
  answer's clause lacks (or the reverse), a number the model answer never gives, and the same pair vectors.
Their probabilities become features of the fitted scorer and decide the checklist's ticks. Inference is
NumPy only; with the hashing encoder the judges read the scalar readings alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmquiz.grading.evidence import Evidence, PointEvidence
    from llmquiz.grading.rubric import Rubric

JUDGES_FILE = "judges.json"
POINT_SCALARS = ("lexical", "named_only", "contradicted", "closeness", "share", "density", "negation_differs",
                 "hit_negation_differs", "number_differs")
CLAUSE_SCALARS = ("reference", "misconception", "misconception_margin", "rule_contradicts", "rule_claims",
                  "negation_differs", "unknown_number")


@dataclass(frozen=True)
class Judge:
    """A logistic regression over standardised scalars and, optionally, pair-vector features."""

    mean: tuple[float, ...]  # of every input: the scalars, then the pair features
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    bias: float
    pair_dim: int = 0  # length of the pair features (2 x encoder dim), 0 when unused

    def prob(self, scalars: Any, pairs: Any = None) -> Any:
        """P(yes) for rows of scalars (n, s) and, when `pair_dim`, their vector pairs (n, 2, d)."""
        import numpy as np

        x = inputs(scalars, pairs if self.pair_dim else None)
        z = ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef) + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict[str, Any]:
        return {"mean": list(self.mean), "scale": list(self.scale), "coef": list(self.coef), "bias": self.bias,
                "pair_dim": self.pair_dim}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Judge:
        return cls(tuple(d["mean"]), tuple(d["scale"]), tuple(d["coef"]), float(d["bias"]), int(d["pair_dim"]))


def inputs(scalars: Any, pairs: Any = None) -> Any:
    """A judge's raw input rows: the scalars, then the pair features when `pairs` is given."""
    import numpy as np

    x = np.asarray(scalars, dtype=np.float64).reshape(len(scalars), -1)
    return np.hstack([x, pair_features(pairs)]) if pairs is not None else x


def pair_features(pairs: Any) -> Any:
    """[u * v, |u - v|] for each (u, v) pair of unit vectors: shape (n, 2d)."""
    import numpy as np

    p = np.asarray(pairs, dtype=np.float64)
    if p.ndim != 3 or not len(p):
        return np.zeros((0, 0))
    u, v = p[:, 0, :], p[:, 1, :]
    return np.hstack([u * v, np.abs(u - v)])


def point_scalars(pe: PointEvidence, point_text: str, density: float, sentences: Any = None) -> list[float]:
    """The point judge's scalar readings of one key point (in the order of `POINT_SCALARS`)."""
    from llmquiz.grading.parse import explicit_negation_count
    from llmquiz.grading.text import words

    point_neg = explicit_negation_count(words(point_text)) % 2
    clause_neg = explicit_negation_count(words(pe.clause)) % 2 if pe.clause else point_neg
    hit_neg = point_neg
    if pe.hit is not None and sentences is not None and pe.hit.sentence < len(sentences):
        sent = sentences[pe.hit.sentence]
        cids = {sent.toks[p].clause for p in pe.hit.positions if p < len(sent.toks)}
        hit_neg = sum(sent.clauses[c].negations for c in cids if c < len(sent.clauses)) % 2
    return [pe.lexical, float(pe.named_only), float(pe.contradicted), pe.closeness, pe.share, density,
            float(clause_neg != point_neg), float(hit_neg != point_neg), float(pe.share == 0.0)]


@cache
def _file() -> dict[str, Any]:
    try:
        text = resources.files("llmquiz.grading").joinpath("data", JUDGES_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return json.loads(text)


@cache
def judges_for(encoder_name: str) -> tuple[Judge, Judge] | None:
    """The shipped (point judge, false-claim judge) for an encoder, or None before any are fitted."""
    from llmquiz.grading.fitted import weights_key

    models = _file().get("models", {}).get(weights_key(encoder_name))
    if not models:
        return None
    return Judge.from_dict(models["point"]), Judge.from_dict(models["false"])


def apply(ev: Evidence, rubric: Rubric, encoder_name: str, sentences: Any = None) -> None:
    """Set each key point's `prob` and the answer clauses' `false_probs` from the shipped judges."""
    judges = judges_for(encoder_name)
    if judges is None or ev.empty:
        return
    point, false = judges
    if ev.points:
        scal = [point_scalars(p, pt.text, ev.density, sentences) for p, pt in zip(ev.points, rubric.points,
                                                                                   strict=True)]
        pairs = [p.pair for p in ev.points] if point.pair_dim else None
        if pairs is not None and any(p is None for p in pairs):
            probs = [0.0] * len(ev.points)  # nothing of the answer counts (salad or contradicted throughout)
        else:
            probs = [float(x) for x in point.prob(scal, pairs)]
        for p, pr in zip(ev.points, probs, strict=True):
            p.prob = pr
    if ev.clause_scalars:
        ev.false_probs = [float(x) for x in false.prob(ev.clause_scalars,
                                                        ev.clause_pairs if false.pair_dim else None)]
