"""Gathering the evidence about one answer: coverage, similarity, contradictions, misconceptions, salad.

`gather` reads the answer once and returns an `Evidence` record of numbers and findings; `scorer.py`
turns it into a grade. Keeping the two apart lets the benchmark inspect every signal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from llmquiz.grading import lexicon, neighbours
from llmquiz.grading.contradiction import Verdict, calls_a_myth, check
from llmquiz.grading.match import Hit, find_alias, same_word, term_share
from llmquiz.grading.neighbours import Neighbour
from llmquiz.grading.parse import Parsed, parse
from llmquiz.grading.profile import Encoder, Profile
from llmquiz.grading.salad import fragment_runs, is_bare, is_salad
from llmquiz.grading.text import MAX_CHARS, fold, has_digit, stray_numbers

MAX_ENCODED = 24  # answer clauses sent to the encoder
MAX_CLAUSES = 60  # answer clauses checked for contradictions
DENSITY_SHARE = 0.9  # credit by meaning scales with the answer's content words up to 90% of the model answer's
TERM_SHARE = 0.6  # a derived point is stated when this share of its terms occur in one sentence
UNSAID_SHARE = 0.5  # credit by meaning for a number or name point whose number or name goes unsaid
CLAIM_RESTATED = 0.7  # alignment with every word of a misconception's claim that counts as stating it
MAX_WORDS = 64  # distinct answer words embedded one by one for the word-level reading
MEANING_ALONE = 0.35  # how much closer to a claim than to the whole rubric a clause must be to make it


@dataclass
class PointEvidence:
    """How one key point fared."""

    lexical: float = 0.0  # 1 when an alias (or most terms) occurred in a sentence that counts
    semantic: float = 0.0  # closeness of the best answer sentence, above the background floor
    named_only: bool = False  # an alias occurred only in a list of terms
    contradicted: bool = False  # an alias occurred in a clause that says the opposite
    hit: Hit | None = None
    closeness: float = 0.0  # calibrated closeness of the closest answer clause, before the number rule
    share: float = 1.0  # the number rule's factor: 0 when a needed number or name is missing or different
    clause: str = ""  # the answer clause closest in meaning (quoted in the checklist)
    number_differs: bool = False  # its phrasing occurs beside a figure the card never gives
    word_recall: float = 0.0  # mean over the point's words of the closest answer word in meaning
    prob: float | None = None  # the judge's probability that the answer states this point


@dataclass
class Evidence:
    """Everything measured about one answer."""

    empty: bool = False
    idk: bool = False
    words: int = 0
    truncated: bool = False
    salad_share: float = 0.0  # share of content words in sentences that only list terms
    bare: bool = False  # the whole answer is a short bag of terms
    points: list[PointEvidence] = field(default_factory=list)
    similarity: float = 0.0  # whole answer to model answer, above the background floor
    raw_cosine: float = 0.0
    question_similarity: float = 0.0  # how close the answer is to merely restating the question
    clauses: list[Verdict] = field(default_factory=list)
    claim: int | None = None  # index of the misconception the answer makes
    claim_strength: float = 0.0  # 0-1: how sure
    claim_signals: list[str] = field(default_factory=list)
    claim_semantic: list[float] = field(default_factory=list)
    reference_semantic: float = 0.0
    clause_recall: list[float] = field(default_factory=list)
    recall: float = 0.0  # mean over model-answer clauses of the closest answer clause, above the floor
    polar_flip: str = ""  # "yes" where the model answer says "no" to a yes/no question, or the reverse
    numbers_stated: float = 1.0  # share of number or name key points whose number or name is stated
    density: float = 0.0  # answer content words that count, relative to 90% of the model answer's (0-1)
    elsewhere: Neighbour | None = None  # another deck card the answer fits far better than this one
    # Each answer clause with its closest model-answer clause, for the learned false-claim judge.
    clause_texts: list[str] = field(default_factory=list)
    clause_scalars: list[list[float]] = field(default_factory=list)
    false_probs: list[float] = field(default_factory=list)  # the judge's probability that each clause is false
    parsed: Parsed | None = field(default=None, repr=False)  # the answer, read once

    @property
    def contradictions(self) -> list[Verdict]:
        return [c for c in self.clauses if c.status == "contradicts"]

    @property
    def agreements(self) -> list[Verdict]:
        return [c for c in self.clauses if c.status == "agrees"]


def is_idk(answer: str, parsed: Parsed) -> bool:
    """True when the answer says "I don't know" and little else.

    "pass", "skip" or "no idea" count only as a whole sentence: "one forward pass" is an answer.

    Example:
        >>> is_idk("No idea, sorry.", parse("No idea, sorry.")), is_idk("skip connections", parse("skip connections"))
        (True, False)
    """
    if parsed.content_words > 12:
        return False
    text = fold(answer).replace("’", "'")
    flat = " " + " ".join(re.findall(r"[a-z']+|\?", text)) + " "
    if any(f" {p} " in flat for p in lexicon.IDK_PHRASES):
        return True
    for segment in re.split(r"[.,;:!()\n]+|\s-\s", text):
        ws = [w for w in segment.split() if w not in lexicon.IDK_FILLERS]
        # A lone "?" or "..." is a non-answer only as the whole answer: "In main..?" is a guess.
        if ws and " ".join(ws) in lexicon.IDK_WHOLE and any(c.isalpha() for c in segment):
            return True
    return text.strip() in lexicon.IDK_WHOLE


# Questions whose answer is a number or a name: leaving it out leaves out the answer.
_ASKS_NUMBER = re.compile(
    r"\b(how (many|much|long|large|big|often)|what (size|number|value|year|percentage|ratio)|which (number|year))\b",
    re.I)
_YES_NO_QUESTION = re.compile(r"^\s*(is|are|can|could|should|does|do|did|will|would|has|have|must|may)\b", re.I)
_YES = frozenset(("yes", "yeah", "yep", "absolutely", "definitely"))
_POLAR = re.compile(
    r"^\s*(yes|yeah|yep|absolutely|definitely|no|nope|not really|never)\b(?!\s+(single|one|matter|longer|more|less))",
    re.I)


def polar_flip(question: str, reference: str, answer: str) -> str:
    """Why, when a yes/no question gets the opposite yes or no from the one the model answer opens with.

    Example:
        >>> polar_flip("Is zero hallucination achievable?", "No. It is probabilistic.", "Yes, with RAG.")
        "'yes' where the model answer says 'no'"
    """
    if not _YES_NO_QUESTION.match(question or ""):
        return ""
    r, a = _POLAR.match(reference or ""), _POLAR.match(answer or "")
    if not r or not a:
        return ""
    said, ref = ("yes" if m.group(1).lower() in _YES else "no" for m in (a, r))
    return f"'{said}' where the model answer says '{ref}'" if said != ref else ""


def _calibrate(cos: Any, floor: Any) -> Any:
    return (cos - floor) / (1.0 - floor + 1e-6)


def gather(profile: Profile, answer: str, encoder: Encoder) -> Evidence:
    """Measure `answer` against a prepared rubric."""
    import numpy as np

    ev = Evidence()
    ev.truncated = len(answer) > MAX_CHARS
    parsed = parse(answer)
    ev.parsed = parsed
    ev.words = parsed.content_words
    rubric = profile.rubric
    if not parsed.sentences:
        ev.empty = True
        ev.points = [PointEvidence() for _ in rubric.points]
        return ev
    ev.idk = is_idk(answer, parsed)
    enum = rubric.enumeration
    for s in parsed.sentences:
        s.salad = is_salad(s.text, enum)
    for i in fragment_runs([s.text for s in parsed.sentences], enum):
        parsed.sentences[i].salad = True
    ev.bare = is_bare(answer, enum)
    if ev.bare:
        for s in parsed.sentences:
            s.salad = True
    total = max(1, parsed.content_words)
    ev.salad_share = sum(s.content for s in parsed.sentences if s.salad) / total

    # Contradictions, clause by clause (capped for pasted walls of text).
    limited = Parsed(parsed.text, parsed.sentences)
    if sum(len(s.clauses) for s in parsed.sentences) > MAX_CLAUSES:
        keep, n = [], 0
        for s in parsed.sentences:
            n += len(s.clauses)
            if n > MAX_CLAUSES:
                break
            keep.append(s)
        limited = Parsed(parsed.text, keep)
    ev.clauses = [v for v in check(limited, profile.refs, profile.contrast, profile.weights, profile.terms)
                  if not parsed.sentences[v.sentence].salad]
    ev.polar_flip = polar_flip(rubric.question, rubric.reference, answer)
    bad_clauses = {(v.sentence, v.parent) for v in ev.clauses if v.status in ("contradicts", "claims")}
    contradicting = {(v.sentence, v.parent) for v in ev.clauses if v.status == "contradicts"}
    counting = {i for i, s in enumerate(parsed.sentences) if not s.salad}
    ref_words = max(1, profile.reference_words)
    ev.density = min(1.0, sum(parsed.sentences[i].content for i in counting) / (DENSITY_SHARE * ref_words))

    # Lexical coverage.
    for k, point in enumerate(rubric.points):
        pe = PointEvidence()
        hit = None
        for alias in profile.aliases[k]:
            hit = find_alias(alias, parsed.sentences, counting)
            if hit is not None:
                break
        if hit is None and point.terms:
            best = 0.0
            for si in counting:
                share, used = term_share(point.terms, parsed.sentences[si])
                if share > best:
                    best, hit = share, Hit("terms", si, tuple(used))
            pe.lexical = min(1.0, best / TERM_SHARE) if best >= 0.34 else 0.0
            if pe.lexical < 1.0:
                hit = None if pe.lexical == 0 else hit
        elif hit is not None:
            pe.lexical = 1.0
        if hit is not None:
            sent = parsed.sentences[hit.sentence]
            clause_ids = {sent.toks[p].clause for p in hit.positions if p < len(sent.toks)}
            texts = {sent.clauses[c].text for c in clause_ids if c < len(sent.clauses)}
            if any((hit.sentence, t) in bad_clauses for t in texts):
                pe.contradicted = True
                pe.lexical = 0.0
            elif any(has_digit(n) for n in profile.point_exact[k]) and stray_numbers(sent.text, profile.figures):
                # The point's phrasing is there, but next to a figure the card never gives ("from 25
                # layers up to 80" for 12 to 80): a number changed, so the point is not stated.
                pe.lexical = 0.0
                pe.number_differs = True
            pe.hit = hit
        elif any(find_alias(a, parsed.sentences) for a in profile.aliases[k]):
            pe.named_only = True
        ev.points.append(pe)

    # Meaning: embed the clauses that count and compare them with the rubric. Clauses, not sentences:
    # a paraphrase matches the model answer clause by clause. A sentence's vector is the mean of its
    # clauses', the answer's the mean of all.
    units: list[tuple[int, str, int]] = []  # (sentence, clause text, content words)
    for i in sorted(counting):
        for cl in parsed.sentences[i].clauses:
            # Clauses that make a misconception's claim are embedded too (the misconception check
            # reads them) but earn no credit below.
            if cl.content and (i, cl.text) not in contradicting:
                units.append((i, cl.text, len(cl.content)))
    if not units:  # salad-only or fully contradicted: still embed, for the misconception check
        units = [(i, s.text, max(1, s.content)) for i, s in enumerate(parsed.sentences)]
    units = units[:MAX_ENCODED]
    vecs = np.asarray(encoder.encode([u[1] for u in units]), dtype=np.float32)
    vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    weights = np.array([u[2] for u in units], dtype=np.float32)
    whole = (vecs * weights[:, None]).sum(axis=0)
    whole /= max(float(np.linalg.norm(whole)), 1e-12)
    good = [k for k, u in enumerate(units) if u[0] in counting and (u[0], u[1]) not in bad_clauses]
    ev.raw_cosine = float(whole @ profile.model_vec)
    ev.similarity = float(_calibrate(ev.raw_cosine, profile.model_floor)) if good else 0.0
    ev.question_similarity = float(whole @ profile.question_vec)
    if good:
        g = vecs[good]
        per_clause = _calibrate((g @ profile.sent_vecs.T).max(axis=0), profile.sent_topic_floor)
        ev.recall = float(per_clause.mean())
        ev.clause_recall = [float(x) for x in per_clause]
        if len(profile.point_vecs):
            cal = _calibrate((g @ profile.point_vecs.T).max(axis=0), profile.point_topic_floor)
            said = {t.stem for s in parsed.sentences for t in s.toks}
            other_numbers = any(has_digit(w) for w in said)
            asks_number = bool(_ASKS_NUMBER.search(profile.rubric.question))
            stated = []
            for k, pe in enumerate(ev.points):
                # Embeddings do not read digits, and a name has no paraphrase: a point that is a number
                # or a name ("8 KV heads", "Paris") needs the number or the name itself. Left unsaid it
                # earns half, unless the question asks for it or the answer states other numbers instead.
                needed = profile.point_exact[k]
                if pe.number_differs:
                    share = 0.0
                elif not needed or pe.lexical >= 1.0 or any(same_word(n, w) for n in needed for w in said):
                    share = 1.0
                elif asks_number or other_numbers:
                    share = 0.0
                else:
                    share = UNSAID_SHARE
                pe.semantic = float(cal[k]) * share
                pe.closeness, pe.share = float(cal[k]), share
                if needed:
                    stated.append(share)
            ev.numbers_stated = sum(stated) / len(stated) if stated else 1.0
    use = [u[0] for u in units]
    _word_recall(ev, profile, parsed, encoder)
    _judge_readings(ev, profile, parsed, units, vecs, good, contradicting, bad_clauses, encoder)

    # Misconceptions: an alias of the claim, a clause aligned with the claim, or a sentence closer in
    # meaning to the claim than to anything in the model answer.
    _misconceptions(ev, profile, parsed, counting, vecs, use)
    if not ev.idk:
        ev.elsewhere = neighbours.library().elsewhere(rubric, answer[:MAX_CHARS])
    return ev


def _word_recall(ev: Evidence, profile: Profile, parsed: Parsed, encoder: Encoder) -> None:
    """Per key point, how well the answer's words cover the point's words one by one: the mean over the
    point's content words of the closest answer word in meaning (the cosine of the two words' vectors).
    A paraphrase that swaps single words ("spread" for "variance") keeps it high where the closeness of
    whole clauses falls. The point judge reads it; on the training answers, grouped cross-validation by
    card, the judge's AUC is 0.913 with it and 0.905 without (MiniLM), 0.911 and 0.904 (hashing)."""
    import numpy as np

    from llmquiz.grading.parse import is_function
    from llmquiz.grading.text import words

    said = [t.surface for s in parsed.sentences for t in s.toks if not t.function and len(t.surface) > 1]
    said = list(dict.fromkeys(said))[:MAX_WORDS]
    if not said or not ev.points:
        return
    wanted = [[w for w in words(" ".join((pt.text, *pt.aliases[:1]))) if len(w) > 1 and not is_function(w)]
              for pt in profile.rubric.points]
    vocab = list(dict.fromkeys(said + [w for ws in wanted for w in ws]))
    vecs = np.asarray(encoder.encode(vocab), dtype=np.float32)
    vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    at = {w: i for i, w in enumerate(vocab)}
    answer = vecs[[at[w] for w in said]]
    for pe, ws in zip(ev.points, wanted, strict=True):
        if ws:
            pe.word_recall = float((vecs[[at[w] for w in ws]] @ answer.T).max(axis=1).mean())


def _judge_readings(ev: Evidence, profile: Profile, parsed: Parsed, units: list[tuple[int, str, int]], vecs: Any,
                    good: list[int], contradicting: set[tuple[int, str]], bad: set[tuple[int, str]],
                    encoder: Encoder) -> None:
    """The readings the learned judges need (judges.py): each key point with the answer clause closest to
    it, and every answer clause (those the rules call contradicting too) with the closest model-answer
    clause, its closeness to the card's misconceptions, its negations and its numbers."""
    import numpy as np

    from llmquiz.grading.parse import explicit_negation_count
    from llmquiz.grading.text import words

    if good and len(profile.point_vecs):
        g = vecs[good]
        best = (g @ profile.point_vecs.T).argmax(axis=0)
        for k, pe in enumerate(ev.points):
            j = int(best[k])
            pe.clause = units[good[j]][1]
    # Clauses the rules call contradicting were left out of `units` (they earn no credit): embed them here.
    extra = [(i, cl.text) for i, s in enumerate(parsed.sentences) if not s.salad for cl in s.clauses
             if (i, cl.text) in contradicting][:MAX_ENCODED]
    texts = [u[1] for u in units] + [t for _, t in extra]
    keys = [(u[0], u[1]) for u in units] + extra
    if not texts or not len(profile.sent_vecs):
        return
    cv = vecs
    if extra:
        ex = np.asarray(encoder.encode([t for _, t in extra]), dtype=np.float32)
        ex = ex / np.maximum(np.linalg.norm(ex, axis=1, keepdims=True), 1e-12)
        cv = np.vstack([vecs, ex])
    ref = cv @ profile.sent_vecs.T  # (n, m)
    near = ref.argmax(axis=1)
    ref_cal = _calibrate(ref.max(axis=1), profile.sent_floor[near])
    claim_cal = np.zeros(len(texts))
    if len(profile.claim_vecs):
        claim_cal = _calibrate(cv @ profile.claim_vecs.T, profile.claim_floor[None, :]).max(axis=1)
    numbers = profile.reference_numbers
    for n, (key, text) in enumerate(zip(keys, texts, strict=True)):
        ws = words(text)
        neg = explicit_negation_count(ws) % 2 != profile.sent_negations[int(near[n])] % 2 \
            if profile.sent_negations else False
        digits = [w for w in ws if any(c.isdigit() for c in w)]
        ev.clause_texts.append(text)
        ev.clause_scalars.append([float(ref_cal[n]), float(claim_cal[n]), float(claim_cal[n] - ref_cal[n]),
                                  float(key in contradicting), float(key in bad and key not in contradicting),
                                  float(neg), float(bool(digits) and any(w not in numbers for w in digits))])


def _negated_like(alias_text: str, clause_negations: int) -> bool:
    alias_neg = sum(1 for w in fold(alias_text).split() if w in lexicon.NEGATIONS)
    return (alias_neg % 2) != (clause_negations % 2)


def _rebuts(sentence: str, claim: str) -> bool:
    """Whether a sentence may deny a claim it resembles: a negation the claim has not (or the reverse),
    or a word that calls something false ("It's a myth that ...")."""
    from llmquiz.grading.parse import negation_count
    from llmquiz.grading.text import stem, words

    if calls_a_myth(sentence):
        return True
    ws, cw = words(sentence), words(claim)
    return negation_count(ws, [stem(w) for w in ws]) % 2 != negation_count(cw, [stem(w) for w in cw]) % 2


def _misconceptions(ev: Evidence, profile: Profile, parsed: Parsed, counting: set[int], vecs: Any,
                    use: list[int]) -> None:
    import numpy as np

    rubric = profile.rubric
    if not rubric.misconceptions:
        return
    scores = np.zeros(len(rubric.misconceptions), dtype=np.float32)
    signals: list[list[str]] = [[] for _ in rubric.misconceptions]
    for c, aliases in enumerate(profile.claim_aliases):
        for alias in aliases:
            hit = find_alias(alias, parsed.sentences, counting, exact=True)
            if hit is None:
                continue
            sent = parsed.sentences[hit.sentence]
            cid = sent.toks[hit.positions[0]].clause if hit.positions else 0
            if not _negated_like(alias.text, sent.clauses[min(cid, len(sent.clauses) - 1)].negations):
                scores[c] += 0.6
                signals[c].append(f"alias '{alias.text}'")
                break
    claimed: dict[int, set[str]] = {}
    closest: dict[int, float] = {}
    for v in ev.clauses:
        if v.status == "claims" and v.source.startswith("claim:"):
            c = int(v.source.split(":")[1])
            claimed.setdefault(c, set()).add(v.parent)
            closest[c] = max(closest.get(c, 0.0), v.score if v.covers >= 0.99 else 0.0)
    for c, parents in claimed.items():
        # Two clauses making the claim, or one restating it almost word for word, are enough.
        scores[c] += 0.6 if closest[c] >= CLAIM_RESTATED else 0.4 * min(2, len(parents))
        signals[c] += ["clause"] * len(parents)
    rows = [r for r, i in enumerate(use) if i in counting]  # units of sentences that count
    if rows and len(profile.claim_vecs):
        v = vecs[rows]
        claim_sim = _calibrate(v @ profile.claim_vecs.T, profile.claim_floor[None, :])  # (s, c)
        refs = np.vstack([profile.sent_vecs, profile.point_vecs]) if len(profile.point_vecs) else profile.sent_vecs
        floors = np.concatenate([profile.sent_floor, profile.point_floor])
        ref_sim = _calibrate(v @ refs.T, floors[None, :]).max(axis=1)  # (s,)
        ev.claim_semantic = [float(x) for x in claim_sim.max(axis=0)]
        ev.reference_semantic = float(ref_sim.max())
        for c in range(len(rubric.misconceptions)):
            r = int(claim_sim[:, c].argmax())
            margin = float(claim_sim[r, c] - ref_sim[r])
            if claim_sim[r, c] >= 0.45 and margin > 0.05:
                # Meaning alone convicts only far closer to the claim than to anything in the rubric, and
                # not from a clause that may deny it: embeddings barely see "not".
                alone = margin >= MEANING_ALONE and not _rebuts(parsed.sentences[use[rows[r]]].text,
                                                                rubric.misconceptions[c].claim)
                scores[c] += 0.6 if alone else min(0.5, 0.3 + margin)
                signals[c].append(f"meaning {claim_sim[r, c]:.2f}>{ref_sim[r]:.2f}")
    c = int(scores.argmax())
    if scores[c] > 0:
        ev.claim = c
        ev.claim_strength = float(min(1.0, scores[c]))
        ev.claim_signals = signals[c]


def named_terms(ev: Evidence) -> int:
    """Key points whose aliases occurred only in lists of terms."""
    return sum(1 for p in ev.points if p.named_only)


__all__ = ["Evidence", "PointEvidence", "gather", "named_terms", "same_word"]
