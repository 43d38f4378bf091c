"""Turning evidence into a grade: score 0-5 on the scale of GRADING.md, verdict, checklist, feedback.

The score is not set by hand-tuned caps: the evidence becomes a feature vector (`features.py`) and a
model fitted on labelled answers by several writers (`fitted.py`, trained by tools/train_grader.py)
gives a probability for each score. The evidence still explains the grade: which key points the answer
states, the clause that contradicts the model answer, the misconception it makes, the card it answers
instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmquiz.grading import features, fitted, judges
from llmquiz.grading.evidence import Evidence, PointEvidence
from llmquiz.grading.result import Grade, Verdict
from llmquiz.grading.rubric import Rubric

# Readings of the evidence (the fitted model weighs them; these only shape each reading).
SEM_LOW, SEM_HIGH = 0.10, 0.50  # a key point's closeness to the best answer clause: starts to count, counts fully
RECALL_LOW, RECALL_HIGH = 0.10, 0.20  # mean closeness of the model answer's clauses: starts to count, counts fully
STATED = 0.5  # credit at which a key point is ticked as stated
SURE = 0.6  # probability of the shown verdict below which the learner is asked to judge
CLAIM_MADE = 0.6  # misconception strength at which it is named to the learner
SALAD = 0.6  # share of an answer's content in lists of terms from which it is a keyword salad


def _ramp(x: float, lo: float, hi: float) -> float:
    return max(0.0, min(1.0, (x - lo) / (hi - lo)))


@dataclass
class Readings:
    """How much of the rubric the answer states: per key point, and overall."""

    coverage: float
    lexical_coverage: float
    semantic_coverage: float
    closeness: float
    credits: list[float]


def readings(ev: Evidence) -> Readings:
    """Key-point credits (stated in words, or close in meaning in proportion to how much the answer
    says) and closeness to the model answer as a whole."""
    credits, lex, sem = [], [], []
    for p in ev.points:
        s = 0.0 if p.contradicted else _ramp(p.semantic, SEM_LOW, SEM_HIGH) * ev.density
        credits.append(max(p.lexical, s))
        lex.append(p.lexical)
        sem.append(s)
    n = max(1, len(credits))
    closeness = _ramp(ev.recall, RECALL_LOW, RECALL_HIGH) * ev.density * ev.numbers_stated
    return Readings(sum(credits) / n, sum(lex) / n, sum(sem) / n, closeness, credits)


def features_of(ev: Evidence) -> list[float]:
    """The fitted model's input for `ev` (see `features.NAMES`)."""
    r = readings(ev)
    return features.vector(ev, r.coverage, r.lexical_coverage, r.semantic_coverage, r.closeness)


def to_grade(rubric: Rubric, ev: Evidence, encoder_name: str = "minilm") -> Grade:
    """The `Grade` for `ev`: fitted score, verdict, checklist, feedback and the unsure flag."""
    judges.apply(ev, rubric, encoder_name, ev.parsed.sentences if ev.parsed else None)
    r = readings(ev)
    x = features.vector(ev, r.coverage, r.lexical_coverage, r.semantic_coverage, r.closeness)
    probs = fitted.model_for(encoder_name).probs(x)
    bounds = contract_bounds(ev)
    score, sure = fitted.decide(bounded(probs, bounds))
    verdict = Verdict.from_score(score)
    stated = [_stated(pe, cr) for pe, cr in zip(ev.points, r.credits, strict=True)]
    found = tuple(p.text for p, ok in zip(rubric.points, stated, strict=True) if ok)
    missed = tuple(p.text for p, ok in zip(rubric.points, stated, strict=True) if not ok)
    quotes = tuple(quote(pe, ev) for pe, ok in zip(ev.points, stated, strict=True) if ok)
    made = ev.claim is not None and ev.claim_strength >= CLAIM_MADE and verdict is not Verdict.CORRECT
    misconception = rubric.misconceptions[ev.claim] if made and ev.claim is not None else None
    reason = _reason(ev, r, verdict, misconception is not None)
    unsure = not ev.empty and sure < SURE
    details = {
        "probs": [round(float(p), 3) for p in probs],
        "sure": round(sure, 3),
        "expected": round(float(sum(k * float(p) for k, p in enumerate(probs))), 3),
        "reason": reason,
        "capped_by": bounds.rule if bounds.high < 5 else "",
        "floored_by": bounds.rule if bounds.low > 0 else "",
        "features": dict(zip(features.NAMES, (round(v, 3) for v in x), strict=True)),
        "coverage": round(r.coverage, 3),
        "lexical_coverage": round(r.lexical_coverage, 3),
        "semantic_coverage": round(r.semantic_coverage, 3),
        "similarity": round(ev.similarity, 3),
        "recall": round(ev.recall, 3),
        "closeness": round(r.closeness, 3),
        "density": round(ev.density, 3),
        "contradictions": [{"clause": v.clause, "why": v.why} for v in ev.contradictions],
        "polar_flip": ev.polar_flip,
        "agreements": len(ev.agreements),
        "misconception_signals": ev.claim_signals,
        "salad_share": round(ev.salad_share, 3),
        "answers_instead": None if ev.elsewhere is None else
        {"id": ev.elsewhere.id, "question": ev.elsewhere.question, "margin": ev.elsewhere.margin},
    }
    if ev.truncated:
        details["truncated"] = True
    details["encoder"] = encoder_name
    details["point_probs"] = [None if p.prob is None else round(p.prob, 3) for p in ev.points]
    false = [(p, t) for p, t in zip(ev.false_probs, ev.clause_texts, strict=False) if p > 0.5]
    details["false_claims"] = [t for _, t in sorted(false, key=lambda x: -x[0])]
    return Grade(score, verdict, found, missed, feedback(rubric, ev, reason, verdict, missed, misconception),
                 misconception, unsure, details, quotes)


@dataclass(frozen=True)
class Bounds:
    """The scores GRADING.md allows whatever the fitted model says, and the rule that sets them."""

    low: int = 0
    high: int = 5
    rule: str = ""


def contract_bounds(ev: Evidence) -> Bounds:
    """Rules the contract says always hold, read from evidence that is rarely wrong about them. On the
    training answers the fitted model already grades nearly every answer they fire on as they say, but
    such answers are rare there or sit at its edges, so it weighs them too little on an answer unlike
    its training:

    - nothing said: 0;
    - an answer to another deck card: 0, however true (the scorers called 98% of those wrong);
    - terms without a claim relating them: at most 1 (98%);
    - the opposite yes or no to a yes/no question: at most 1;
    - every key point stated in the card's own phrasings, in a claim, with nothing contradicting the
      model answer, no misconception and no clause the false-claim judge calls false: 5 ("every key
      point is there, nothing false"; "Paris, on the Seine" had scored 3). Of 276 such training
      answers the scorers called 234 correct (193 of them 5); the model said correct for 274.

    A cap for a changed figure ("9 KV heads" for 8: at most 3) was tried and dropped: it moved 6 card
    answers and 37 model-answer-only answers of the training set off the scorers' verdict for 1 and 11
    it put right; figures an answer adds are often true ones the card does not give.
    """
    if ev.empty:
        return Bounds(0, 0, "idk")
    if ev.elsewhere is not None:
        return Bounds(0, 0, "off-topic")
    if ev.bare or ev.salad_share >= SALAD:
        return Bounds(0, 1, "salad")
    if ev.polar_flip:
        return Bounds(0, 1, "polar-flip")
    stated = bool(ev.points) and all(p.lexical >= 1.0 and not p.named_only and not p.contradicted
                                     for p in ev.points)
    clean = (not ev.contradictions and (ev.claim is None or ev.claim_strength < CLAIM_MADE)
             and all(f <= 0.5 for f in ev.false_probs))
    if stated and clean and not ev.idk:
        return Bounds(5, 5, "every-point")
    return Bounds()


def bounded(probs: Any, bounds: Bounds) -> Any:
    """Score probabilities with the mass outside the bounds moved onto the nearest allowed score, so the
    verdict and the score within it are chosen among the scores the contract allows."""
    if bounds.low == 0 and bounds.high >= len(probs) - 1:
        return probs
    out = probs.copy()
    out[bounds.high] += float(out[bounds.high + 1 :].sum())
    out[bounds.high + 1 :] = 0.0
    out[bounds.low] += float(out[: bounds.low].sum())
    out[: bounds.low] = 0.0
    return out


def _stated(pe: PointEvidence, credit: float) -> bool:
    """A point is ticked when the point judge says the answer states it (when the judges are shipped),
    else when its credit reaches `STATED`: a tick the answer did not earn costs more trust than a miss.
    A point whose number or name is missing or different is never ticked, whatever the judge says:
    "8" is not "9" (GRADING.md), and the judge reads that only as one input among several."""
    if pe.number_differs or pe.share == 0.0:
        return False
    if pe.prob is not None:
        return pe.prob >= STATED and not pe.contradicted
    return credit >= STATED


def quote(pe: PointEvidence, ev: Evidence, limit: int = 90) -> str:
    """The words of the answer that state a point: the clause holding its phrasing, else the clause
    closest to it in meaning."""
    parts = [pe.clause]
    if pe.hit is not None and ev.parsed is not None and pe.hit.sentence < len(ev.parsed.sentences):
        sent = ev.parsed.sentences[pe.hit.sentence]
        cids = sorted({sent.toks[i].clause for i in pe.hit.positions if i < len(sent.toks)})
        parts = [sent.clauses[c].text for c in cids if c < len(sent.clauses)] or [sent.text]
    raw = ev.parsed.text if ev.parsed is not None else ""
    return _short(" … ".join(as_written(p.strip(), raw) for p in parts), limit)


def as_written(piece: str, answer: str) -> str:
    """The span of `answer` a normalised piece of it came from ("eg" back to "e.g."), matched on its
    letters and digits; the piece itself when it cannot be found."""
    if not piece or piece in answer:
        return piece
    where = [i for i, ch in enumerate(answer) if ch.isalnum()]
    flat = "".join(answer[i] for i in where).casefold()
    key = "".join(ch for ch in piece if ch.isalnum()).casefold()
    at = flat.find(key) if key and len(flat) == len(where) else -1
    return answer[where[at]: where[at + len(key) - 1] + 1] if at >= 0 else piece


def _reason(ev: Evidence, r: Readings, verdict: Verdict, misconception: bool) -> str:
    """The evidence that best explains a grade below correct, for the feedback and `--json`."""
    if ev.empty or (ev.idk and verdict is Verdict.WRONG):
        return "idk"
    if verdict is Verdict.CORRECT:
        return ""
    if ev.bare or ev.salad_share >= SALAD:
        return "salad"
    if ev.elsewhere is not None and verdict is Verdict.WRONG:
        return "off-topic"
    if misconception:
        return "misconception"
    if ev.polar_flip:
        return "polar-flip"
    if ev.contradictions:
        return "contradiction"
    if verdict is Verdict.WRONG and not ev.agreements and r.coverage < STATED:
        return "unsupported"
    return "incomplete"


def feedback(rubric: Rubric, ev: Evidence, reason: str, verdict: Verdict, missed: tuple[str, ...],
             misconception: object) -> str:
    """One sentence for the learner."""
    key = _short(rubric.points[0].text) if rubric.points else "see the model answer"
    if ev.empty:
        return "No answer given; read the model answer and try again next time."
    if reason == "idk":
        return "No answer yet; read the model answer and try again next time."
    if reason == "salad":
        return "You named terms without saying how they relate; explain the mechanism in sentences."
    if reason == "off-topic" and ev.elsewhere is not None:
        return f"This answers another question ({_short(ev.elsewhere.question, 90)}); here the key idea is: {key}."
    if reason == "misconception":
        corr = getattr(misconception, "correction", "") or "see the model answer"
        return f"That is a common misconception: {corr}"
    if reason == "polar-flip":
        return f"Wrong way round: {ev.polar_flip}; read the model answer for why."
    if reason == "contradiction":
        why = ev.contradictions[0].why if ev.contradictions else ""
        head = ("Your answer says the opposite of the model answer" if verdict is Verdict.WRONG
                else "Part of your answer says the opposite of the model answer")
        return f"{head}{f' ({why})' if why else ''}; check the direction of each claim."
    if reason == "unsupported":
        return f"None of your claims is one the model answer makes; the key idea is: {key}."
    return coverage_feedback(rubric, verdict, missed)


def coverage_feedback(rubric: Rubric, verdict: Verdict, missed: tuple[str, ...]) -> str:
    """The sentence for an answer judged by how many key points it states (no cap or false claim to name)."""
    n, k = len(rubric.points) - len(missed), len(rubric.points)
    if verdict is Verdict.CORRECT:
        return "Correct; all the key points are there." if not missed else \
            f"Correct; for a complete answer also mention: {_short(missed[0])}."
    if verdict is Verdict.PARTIAL:
        return f"Partly right ({n} of {k} key points); missing: {_short(missed[0]) if missed else 'detail'}."
    if n == 0:
        key = _short(rubric.points[0].text) if rubric.points else "see the model answer"
        return f"This misses the point; the key idea is: {key}."
    return f"Not enough yet ({n} of {k} key points); missing: {_short(missed[0]) if missed else 'detail'}."


def _short(text: str, limit: int = 120) -> str:
    text = text.strip().rstrip(".")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
