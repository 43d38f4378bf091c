"""The hand-set grader, the default until 2026-12-07: evidence to a grade by set weights and caps.

The fitted grader (`scorer.py`: learned judges and an ordinal model) replaced it as the default because
it agrees with the scorers more often on answers nobody fitted on and passes fewer wrong answers as
correct (bench/README.md); this one stays for comparison, with `LLMQUIZ_GRADER=rules`.
The rules read like an interviewer's: credit for each key point stated (in words or in meaning),
credit for saying what the model answer says overall, nothing for terms merely listed, and a cap when
the answer contradicts the model answer or makes a known misconception.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmquiz.grading.evidence import Evidence
from llmquiz.grading.result import Grade, Verdict
from llmquiz.grading.rubric import Rubric
from llmquiz.grading.scorer import _ramp, _short, coverage_feedback, quote


@dataclass(frozen=True)
class Weights:
    """The few numbers of the combination (set by hand on the dev answers; see bench/grading.py).

    Closeness values are cosines calibrated against generic background sentences (0 = as close as a
    stranger's sentence, 1 = identical), so the same numbers serve every encoder.
    """

    sem_low: float = 0.10  # a key point's closeness to the best answer clause that starts to count
    sem_high: float = 0.50  # ... and that counts fully
    recall_low: float = 0.10  # mean closeness of the model answer's clauses to the answer that starts to count
    recall_high: float = 0.20  # ... and that counts fully
    contradiction_penalty: float = 0.5  # one contradicted clause
    contradiction_cap: float = 1.0  # two or more, or as many as agree: the answer says the opposite
    misconception_cap: float = 1.0  # a misconception made with confidence
    salad_cap: float = 1.0  # the answer is mostly a list of terms
    off_topic_cap: float = 1.4  # nothing of the model answer in words or in meaning
    unsupported_cap: float = 1.0  # partly right in meaning, yet no clause says what the model answer says


WEIGHTS = Weights()
ON_TOPIC = 0.5  # the least an answer on the card's topic scores: 1 after rounding
PARTIAL_LOW, PARTIAL_HIGH = 1.5, 3.5  # raw scores that round to a partial verdict (2 or 3)


@dataclass
class Combined:
    raw: float
    coverage: float
    lexical_coverage: float
    semantic_coverage: float
    closeness: float
    credits: list[float]
    capped_by: str = ""


def combine(ev: Evidence, w: Weights = WEIGHTS) -> Combined:
    """The continuous score (0-5) and its parts.

    Two readings of the same answer: key points (each stated in words, or close in meaning in
    proportion to how much the answer says), and how much of the model answer it restates in meaning.
    Either can carry the answer (a terse answer has the words, a paraphrase the meaning), so they
    combine as 1 - (1 - coverage)(1 - closeness). Then the caps: idk, salad, contradictions,
    misconceptions, off-topic, and partial credit with nothing of the model answer said.
    """
    credits, lex, sem = [], [], []
    for p in ev.points:
        s = 0.0 if p.contradicted else _ramp(p.semantic, w.sem_low, w.sem_high) * ev.density
        credits.append(max(p.lexical, s))
        lex.append(p.lexical)
        sem.append(s)
    n = max(1, len(credits))
    coverage = sum(credits) / n
    closeness = _ramp(ev.recall, w.recall_low, w.recall_high) * ev.density * ev.numbers_stated
    raw = 5.0 * (1.0 - (1.0 - coverage) * (1.0 - closeness))
    out = Combined(raw, coverage, sum(lex) / n, sum(sem) / n, closeness, credits)
    if ev.empty or ev.idk:
        out.raw, out.capped_by = 0.0, "idk"
        return out
    contra = len(ev.contradictions)
    # The opposite yes or no to a yes/no question is wrong whatever follows.
    if ev.polar_flip or contra >= 2 or (contra and contra >= len(ev.agreements)):
        out.raw, out.capped_by = min(out.raw, w.contradiction_cap), "contradiction"
    elif contra:
        out.raw -= w.contradiction_penalty
    if ev.claim is not None and ev.claim_strength >= 0.6:
        out.raw, out.capped_by = min(out.raw, w.misconception_cap), "misconception"
    elif ev.claim is not None:
        out.raw -= ev.claim_strength
    if ev.bare or ev.salad_share >= 0.6:
        out.raw, out.capped_by = min(out.raw, w.salad_cap), "salad"
    elif out.raw > w.off_topic_cap and (ev.elsewhere is not None
                                         or (closeness == 0 and out.lexical_coverage < 0.5)):
        # Nothing of the model answer in words or in meaning, or far more of another card's: an answer
        # to another question.
        out.raw, out.capped_by = w.off_topic_cap, "off-topic"
    # Partial credit is for part of the model answer said. An answer on its topic none of whose clauses
    # says any of it (fluent claims of its own, a misconception the card does not list) is not half right:
    # its closeness comes from the topic and the terms it names.
    elif not ev.agreements and PARTIAL_LOW <= out.raw < PARTIAL_HIGH:
        out.raw, out.capped_by = min(out.raw, w.unsupported_cap), "unsupported"
    # The bottom of the scale: 0 says nothing of the model answer, 1 is on its topic (closer to it than
    # a stranger's sentence is) but states none of it.
    if not out.capped_by and ev.similarity > 0:
        out.raw = max(out.raw, ON_TOPIC)
    # Full marks need the key points: an answer right in meaning that states few of them is correct
    # but incomplete (4); from half of them stated it can reach 5.
    out.raw = max(0.0, min(5.0, out.raw, 4.0 + coverage))
    return out


def to_grade(rubric: Rubric, ev: Evidence, w: Weights = WEIGHTS) -> Grade:
    """The `Grade` for `ev`: rounded score, verdict, rubric lists, feedback and the unsure flag."""
    c = combine(ev, w)
    score = round(c.raw + 1e-9)
    verdict = Verdict.from_score(score)
    found = tuple(p.text for p, cr in zip(rubric.points, c.credits, strict=True) if cr >= 0.5)
    missed = tuple(p.text for p, cr in zip(rubric.points, c.credits, strict=True) if cr < 0.5)
    quotes = tuple(quote(pe, ev) for pe, cr in zip(ev.points, c.credits, strict=True) if cr >= 0.5)
    misconception = rubric.misconceptions[ev.claim] if ev.claim is not None and ev.claim_strength >= 0.6 else None
    unsure = _unsure(ev, c, score)
    details = {
        "raw": round(c.raw, 3),
        "coverage": round(c.coverage, 3),
        "lexical_coverage": round(c.lexical_coverage, 3),
        "semantic_coverage": round(c.semantic_coverage, 3),
        "similarity": round(ev.similarity, 3),
        "recall": round(ev.recall, 3),
        "closeness": round(c.closeness, 3),
        "density": round(ev.density, 3),
        "contradictions": [{"clause": v.clause, "why": v.why} for v in ev.contradictions],
        "polar_flip": ev.polar_flip,
        "agreements": len(ev.agreements),
        "misconception_signals": ev.claim_signals,
        "salad_share": round(ev.salad_share, 3),
        "capped_by": c.capped_by,
        "answers_instead": None if ev.elsewhere is None else
        {"id": ev.elsewhere.id, "question": ev.elsewhere.question, "margin": ev.elsewhere.margin},
    }
    if ev.truncated:
        details["truncated"] = True
    return Grade(score, verdict, found, missed, feedback(rubric, ev, c, verdict, missed, misconception),
                 misconception, unsure, details, quotes)


def _unsure(ev: Evidence, c: Combined, score: int) -> bool:
    """The evidence disagrees, so the learner should judge: checked on the dev answers and deck samples,
    these flag about half the grader's mistakes and about one correct grade in nine.

    - the score sits near a verdict boundary (1.5 or 3.5);
    - the answer is close in meaning to the model answer but states few key points in words;
    - exactly one clause contradicts the model answer, not enough to call the answer wrong;
    - a clause resembles a misconception, not enough to call it made.
    """
    if ev.empty or ev.idk:
        return False
    if any(abs(c.raw - b) < 0.35 for b in (PARTIAL_LOW, PARTIAL_HIGH)):
        return True
    if c.closeness - c.lexical_coverage >= 0.6 and not c.capped_by:
        return True
    if len(ev.contradictions) == 1 and not c.capped_by:
        return True
    return ev.claim is not None and ev.claim_strength < 0.6


def feedback(rubric: Rubric, ev: Evidence, c: Combined, verdict: Verdict, missed: tuple[str, ...],
             misconception: object) -> str:
    """One sentence for the learner."""
    if ev.empty:
        return "No answer given; read the model answer and try again next time."
    if ev.idk:
        return "No answer yet; read the model answer and try again next time."
    if c.capped_by == "salad":
        return "You named terms without saying how they relate; explain the mechanism in sentences."
    if c.capped_by == "off-topic" or (ev.elsewhere is not None and verdict is Verdict.WRONG
                                      and c.capped_by in ("", "unsupported")):
        key = _short(rubric.points[0].text) if rubric.points else "see the model answer"
        if ev.elsewhere is not None:
            return f"This answers another question ({_short(ev.elsewhere.question, 90)}); here the key idea is: {key}."
        return f"This does not answer the question; the key idea is: {key}."
    if c.capped_by == "unsupported":
        key = _short(rubric.points[0].text) if rubric.points else "see the model answer"
        return f"On topic, but none of your claims is one the model answer makes; the key idea is: {key}."
    if misconception is not None:
        corr = getattr(misconception, "correction", "") or "see the model answer"
        return f"That is a common misconception: {corr}"
    if ev.polar_flip:
        return f"Wrong way round: {ev.polar_flip}; read the model answer for why."
    if c.capped_by == "contradiction" or ev.contradictions:
        why = ev.contradictions[0].why if ev.contradictions else ""
        head = "Part of your answer says the opposite of the model answer"
        if c.capped_by == "contradiction":
            head = "Your answer says the opposite of the model answer"
        return f"{head}{f' ({why})' if why else ''}; check the direction of each claim."
    return coverage_feedback(rubric, verdict, missed)
