"""The evidence about one answer as a fixed vector of numbers, for the fitted scorer to read.

Every feature is a share, a closeness or a count capped at a small number: nothing measures the
answer's length in words or sentences, because a model fitted on a few writers learns their lengths
(an early probe lost Mohler from 0.52 to 0.14 that way). `density` is the one length-like signal, and
it is capped at the model answer's own content: it tells a bare term from a stated claim, not a long
answer from a short one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmquiz.grading.evidence import Evidence

NAMES: tuple[str, ...] = (
    "coverage",  # mean key-point credit (words or meaning)
    "lexical_coverage",  # share of key points stated in words
    "semantic_coverage",  # mean key-point credit by meaning
    "point_best",  # closeness of the best-stated key point
    "point_worst",  # ... and of the least-stated one
    "similarity",  # whole answer to the model answer, above the background floor
    "recall",  # mean over the model answer's clauses of the closest answer clause
    "closeness",  # recall ramped and scaled by density and numbers stated
    "density",  # content that counts, relative to the model answer's (0-1)
    "numbers_stated",  # share of number or name points whose number or name is said
    "question_echo",  # closeness to the question itself minus closeness to the model answer
    "contradicted",  # 1 when any clause contradicts the model answer
    "contradicted_2",  # 1 when two or more do
    "contra_share",  # contradicting clauses / (contradicting + agreeing)
    "agrees",  # agreeing clauses, capped at 3, over 3
    "points_contradicted",  # share of key points whose words sit in a contradicting clause
    "polar_flip",  # the opposite yes/no to a yes/no question
    "claim",  # how strongly a listed misconception is made (0-1)
    "claim_margin",  # closeness to the nearest misconception minus closeness to the rubric
    "salad",  # share of content in sentences that only list terms
    "bare",  # the whole answer is a short bag of terms
    "named_only",  # share of key points named only inside lists of terms
    "elsewhere",  # margin by which another card's model answer fits better (0 when none)
    "idk",  # "I don't know" or a question back, with little else
    "judge_coverage",  # mean over key points of the point judge's probability that the answer states it
    "judge_min",  # ... the least of them
    "judge_max",  # ... the greatest
    "judge_first",  # ... for the first key point, which on most cards is the core the question asks for
    "false_max",  # the false-claim judge's highest probability over the answer's clauses
    "false_share",  # share of the answer's clauses it calls false (probability above one half)
)


def vector(ev: Evidence, coverage: float, lexical: float, semantic: float, closeness: float) -> list[float]:
    """The feature vector of `ev` in the order of `NAMES` (plain floats, so it can be cached as JSON).

    `coverage`, `lexical`, `semantic` and `closeness` are the combined readings `scorer.combine` computes
    from the same evidence.
    """
    n_points = max(1, len(ev.points))
    sem = [p.semantic for p in ev.points] or [0.0]
    contra = len(ev.contradictions)
    agree = len(ev.agreements)
    claim_margin = 0.0
    if ev.claim_semantic:
        claim_margin = max(ev.claim_semantic) - ev.reference_semantic
    nothing = ev.empty  # "I don't know" stays a feature: a hedged answer that states a point is not one
    feats = {
        "coverage": coverage,
        "lexical_coverage": lexical,
        "semantic_coverage": semantic,
        "point_best": max(sem),
        "point_worst": min(sem),
        "similarity": ev.similarity,
        "recall": ev.recall,
        "closeness": closeness,
        "density": ev.density,
        "numbers_stated": ev.numbers_stated,
        "question_echo": ev.question_similarity - ev.raw_cosine,
        "contradicted": float(contra >= 1),
        "contradicted_2": float(contra >= 2),
        "contra_share": contra / (contra + agree) if contra + agree else 0.0,
        "agrees": min(agree, 3) / 3,
        "points_contradicted": sum(p.contradicted for p in ev.points) / n_points,
        "polar_flip": float(bool(ev.polar_flip)),
        "claim": ev.claim_strength if ev.claim is not None else 0.0,
        "claim_margin": claim_margin,
        "salad": ev.salad_share,
        "bare": float(ev.bare),
        "named_only": sum(p.named_only for p in ev.points) / n_points,
        "elsewhere": ev.elsewhere.margin if ev.elsewhere is not None else 0.0,
        "idk": float(nothing),
    }
    if nothing:  # nothing said: every other reading is noise from filler words
        feats = {k: (1.0 if k == "idk" else 0.0) for k in feats}
    base = [float(feats[k]) for k in NAMES[: len(NAMES) - len(JUDGED)]]
    return base + judged([p.prob or 0.0 for p in ev.points], ev.false_probs, nothing)


JUDGED = ("judge_coverage", "judge_min", "judge_max", "judge_first", "false_max", "false_share")


def judged(point_probs: list[float], false_probs: list[float], nothing: bool) -> list[float]:
    """The features read from the learned judges' probabilities (the last `JUDGED` of `NAMES`)."""
    if nothing:
        return [0.0] * len(JUDGED)
    probs = point_probs or [0.0]
    false = false_probs or [0.0]
    return [sum(probs) / len(probs), min(probs), max(probs), probs[0], max(false),
            sum(f > 0.5 for f in false) / len(false)]
