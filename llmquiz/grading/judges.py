"""Learned judgments where hand-written rules fell short: does the answer state this key point, and is
this clause of it false?

Both are logistic regressions over a handful of readings and their pairwise products (a quadratic
model: "close in meaning" counts for more when no negation differs), fitted by tools/train_grader.py on
labelled answers (bench/data/README.md):
- the point judge reads a key point with the answer clause closest to it in meaning: whether an alias or
  most of the point's terms occur (and whether only in a list), how close the clause is, how closely the
  answer's words match the point's one by one, whether a number or name the point needs is said, and
  whether the clause's negations agree with the point's;
- the false-claim judge reads each answer clause with the model-answer clause closest to it: closeness to
  it and to the card's misconceptions, whether the contradiction rules flag it, a negation the model
  answer's clause lacks (or the reverse), and a number the model answer never gives.
An earlier version also read the two sentence vectors element by element (768 inputs with MiniLM); on
cards and writers it had not seen it did worse than the readings alone (point AUC 0.85 against 0.88,
grouped cross-validation on the training answers), because it learnt the training cards' vocabulary.
Their probabilities become features of the fitted scorer and decide the checklist's ticks. Inference is
NumPy only, and the same for every encoder.
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
                 "hit_negation_differs", "number_differs", "word_recall")
CLAUSE_SCALARS = ("reference", "misconception", "misconception_margin", "rule_contradicts", "rule_claims",
                  "negation_differs", "unknown_number")


@dataclass(frozen=True)
class Judge:
    """A logistic regression over standardised readings and their pairwise products (`expand`)."""

    mean: tuple[float, ...]  # of every expanded input
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    bias: float

    def prob(self, scalars: Any) -> Any:
        """P(yes) for rows of readings, shape (n, s)."""
        import numpy as np

        z = ((expand(scalars) - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef)
        return 1.0 / (1.0 + np.exp(-(z + self.bias)))

    def to_dict(self) -> dict[str, Any]:
        return {"mean": list(self.mean), "scale": list(self.scale), "coef": list(self.coef), "bias": self.bias}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Judge:
        return cls(tuple(d["mean"]), tuple(d["scale"]), tuple(d["coef"]), float(d["bias"]))


def expand(scalars: Any) -> Any:
    """Readings (n, s) with every product of two of them appended (squares included): (n, s + s(s+1)/2)."""
    import numpy as np

    x = np.asarray(scalars, dtype=np.float64).reshape(len(scalars), -1)
    return np.hstack([x] + [x[:, i : i + 1] * x[:, i:] for i in range(x.shape[1])])


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
    # Closeness below the background floor all means "unrelated": clipped at 0, so the quadratic model
    # cannot turn back up far below it (a clause at -2.8 had read as stating the point: "no idea", 0.73).
    return [pe.lexical, float(pe.named_only), float(pe.contradicted), max(pe.closeness, 0.0), pe.share, density,
            float(clause_neg != point_neg), float(hit_neg != point_neg), float(pe.share == 0.0), pe.word_recall]


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
        for p, pr in zip(ev.points, point.prob(scal), strict=True):
            p.prob = float(pr)
    if ev.clause_scalars:
        ev.false_probs = [float(x) for x in false.prob(ev.clause_scalars)]
