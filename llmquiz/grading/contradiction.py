"""Contradiction checks: negations, reversed directions and swapped roles, clause by clause.

Each answer clause is aligned with the reference clause (model answer, key points) that shares most of
its content words, counting "faster" and "slower" as the same topic. An aligned pair whose negation
parity differs, or where the answer says one side of an opposite pair ("increases", "encoder",
"bi-encoder") where the reference says the other, contradicts the reference. "not faster" against
"slower" is two flips and agrees. A clause that aligns best with a misconception's claim, with the
same polarity, states the misconception.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from llmquiz.grading import lexicon
from llmquiz.grading.match import same_word
from llmquiz.grading.parse import Clause, Parsed
from llmquiz.grading.text import stems

MIN_SHARED = 2  # content words two clauses must share to be about the same thing
MIN_ALIGN = 0.3  # and their cosine-style overlap
NEG_SHARED = 3  # a flip by negation alone needs closer alignment: parity is a fragile signal
NEG_ALIGN = 0.5
MARGIN = 0.02  # a flipped alignment must beat every agreeing one by this much


@dataclass(frozen=True)
class RefClause:
    """A clause of the reference side: its content stems, negation parity, and where it came from."""

    content: tuple[str, ...]
    negations: int
    source: str  # "answer", "point:<i>" or "claim:<i>"
    text: str = ""


@dataclass
class Verdict:
    """What one answer clause does relative to the reference."""

    sentence: int
    clause: str
    status: str  # "agrees", "contradicts", "claims" (a misconception) or "unaligned"
    source: str = ""
    why: str = ""
    parent: str = ""  # the whole clause this segment belongs to


def ref_clauses(texts: list[tuple[str, str]]) -> list[RefClause]:
    """Parse reference texts (source label, text) into comma-delimited segments of clauses."""
    from llmquiz.grading.parse import parse

    out: list[RefClause] = []
    for source, text in texts:
        for c in parse(text).clauses():
            for seg in segments(c):
                out.append(RefClause(tuple(seg.content), _negations(seg), source, c.text))
    return out


def segments(clause: Clause) -> list[Clause]:
    """A clause cut at its commas, each piece holding at least two content words (short ones merge on)."""
    from llmquiz.grading.parse import content_stems, negation_count
    from llmquiz.grading.text import stem, words

    pieces = [p.strip() for p in clause.text.split(",")]
    out: list[Clause] = []
    carry = ""
    for p in pieces:
        text = f"{carry}, {p}" if carry else p
        if len(content_stems(text)) < 2:
            carry = text
            continue
        ws = words(text)
        sts = [stem(w) for w in ws]
        out.append(Clause(text, sts, content_stems(text), negation_count(ws, sts), clause.sentence))
        carry = ""
    if carry and out:
        last = out[-1]
        text = f"{last.text}, {carry}"
        ws = words(text)
        sts = [stem(w) for w in ws]
        out[-1] = Clause(text, sts, content_stems(text), negation_count(ws, sts), clause.sentence)
    return out or ([clause] if clause.content else [])


_KEEP_FROM = re.compile(r"\b(keeps?|kept|keeping|stops?|stopped|prevents?|prevented)\b.*\bfrom\b")


def _negations(clause: Clause) -> int:
    # "keeps the softmax from saturating" negates as "prevents" does.
    extra = 1 if _KEEP_FROM.search(clause.text.lower()) and not any(
        s in lexicon.IMPLICIT_NEGATIONS for s in clause.stems) else 0
    return clause.negations + extra


def _key(stem: str, contrast: dict[str, int]) -> str:
    pid = contrast.get(stem)
    if pid is None:
        pid = lexicon.pair_ids().get(stem)
    return f"<pair{pid}>" if pid is not None else stem


def _overlap(a: tuple[str, ...], r: tuple[str, ...], contrast: dict[str, int]) -> tuple[int, float]:
    ka = {_key(s, contrast) for s in a}
    kr = {_key(s, contrast) for s in r}
    shared = 0
    for x in ka:
        if x in kr or (not x.startswith("<") and any(not y.startswith("<") and same_word(y, x) for y in kr)):
            shared += 1
    return shared, shared / math.sqrt(len(ka) * len(kr)) if ka and kr else 0.0


def _sides(stems_: tuple[str, ...], contrast_sets: list[set[str]]) -> dict[int, set[int]]:
    """Which side of each opposite pair a clause takes: {pair id: {0}, {1} or {0, 1}}."""
    out: dict[int, set[int]] = {}
    table = lexicon.sides()
    for st in stems_:
        for pid, side in table.get(st, ()):
            out.setdefault(pid, set()).add(side)
        if st in table:
            continue  # a lexicon pair already; counting it twice would cancel the flip
        for g, group in enumerate(contrast_sets):
            if st in group:  # each term of a compared set is its own side
                out.setdefault(10_000 + g, set()).add(sorted(group).index(st))
    return out


def _pair_words(stems_: tuple[str, ...], pid: int, contrast_sets: list[set[str]]) -> list[str]:
    if pid >= 10_000:
        return [x for x in stems_ if x in contrast_sets[pid - 10_000]]
    return [x for x in stems_ if any(p == pid for p, _ in lexicon.sides().get(x, ()))]


def _flips(a: tuple[str, ...], neg_a: int, r: RefClause, contrast_sets: list[set[str]],
           shared: int, score: float, swap: bool = False) -> tuple[bool, str]:
    """Whether an answer clause contradicts a reference clause it is aligned with, and why.

    A reversed direction contradicts, unless a negation reverses it back ("not faster" = "slower");
    two reversed directions always do. A negation alone contradicts only with close alignment.
    """
    directions = 0
    why = ""
    sa, sr = _sides(a, contrast_sets), _sides(r.content, contrast_sets)
    for pid, side_a in sa.items():
        side_r = sr.get(pid)
        if side_r and len(side_a) == 1 and len(side_r) == 1 and side_a != side_r:
            directions += 1
            wa, wr = _pair_words(a, pid, contrast_sets), _pair_words(r.content, pid, contrast_sets)
            if wa and wr and not why:
                why = f"'{wa[0]}' where the model answer says '{wr[0]}'"
    negation = neg_a % 2 != r.negations % 2
    if swap:
        return True, "the two sides of 'rather than' are swapped"
    if directions >= 2 or (directions == 1 and not negation):
        return True, why
    if negation and not directions and shared >= NEG_SHARED and score >= NEG_ALIGN:
        return True, "a negation the model answer does not have" if neg_a % 2 else \
            "it leaves out a negation the model answer has"
    return False, ""


_RATHER = re.compile(r"\b(rather than|instead of|as opposed to|not)\b")


def _halves(text: str) -> tuple[set[str], set[str]] | None:
    """(stated, rejected) content stems of a clause with "rather than"/"instead of", else None."""
    from llmquiz.grading.parse import content_stems

    m = _RATHER.search(text.lower())
    if not m or m.group(1) == "not" and not re.search(r",\s*not\b|\bnot\b.*\bbut\b", text.lower()):
        return None
    before, after = text[: m.start()], text[m.end():]
    if m.group(1) == "not" and " but " in after.lower():  # "not X but Y": Y is stated, X rejected
        rejected, stated = after.lower().split(" but ", 1)
        return set(content_stems(before + " " + stated)), set(content_stems(rejected))
    return set(content_stems(before)), set(content_stems(after))


def _swapped(a_text: str, r_text: str) -> bool:
    """True when both clauses prefer one thing over another, but opposite ones."""
    ha, hr = _halves(a_text), _halves(r_text)
    if ha is None and hr is None:
        return False
    if ha is None or hr is None:
        return False
    crossed = len(ha[0] & hr[1]) + len(ha[1] & hr[0])
    straight = len(ha[0] & hr[0] - hr[1]) + len(ha[1] & hr[1] - hr[0])
    return crossed >= 2 and crossed > straight


def contrast_terms(question: str, reference: str) -> list[set[str]]:
    """Terms a comparison question sets against each other ("bi-encoder" vs "cross-encoder").

    Example:
        >>> contrast_terms("Compare RoPE and ALiBi.", "RoPE rotates; ALiBi adds a bias.")
        [{'rope', 'alibi'}]
    """
    if not re.search(r"\b(differen\w*|compare|comparison|vs\.?|versus|between|separates?|distinguish\w*|"
                     r"contrast|rather than|instead of)\b", question, re.IGNORECASE):
        return []
    ref = set(stems(reference))
    qs = stems(re.sub(r"[,/]", " and ", question))
    skip = lexicon.FUNCTION_WORDS | {"model", "one", "method", "approach", "compar", "differ", "differen"}
    terms: list[str] = []
    for i, w in enumerate(qs):
        if w not in {"and", "or", "vs", "versus", "from", "between"}:
            continue
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(qs) and qs[j] in skip:
                j += step
            if 0 <= j < len(qs) and qs[j] in ref and qs[j] not in skip and not qs[j].isdigit():
                terms.append(qs[j])
    group = set(terms)
    return [group] if len(group) >= 2 else []


def check(answer: Parsed, refs: list[RefClause], contrast_sets: list[set[str]]) -> list[Verdict]:
    """Judge every comma segment of every clause of `answer` against the reference and the claims."""
    contrast = {t: 1000 + i for i, g in enumerate(contrast_sets) for t in g}
    out: list[Verdict] = []
    for si, sent in enumerate(answer.sentences):
        for whole in sent.clauses:
            for clause in segments(whole):
                out.append(_judge(si, whole.text, clause, refs, contrast, contrast_sets))
    return out


def _judge(si: int, parent: str, clause: Clause, refs: list[RefClause], contrast: dict[str, int],
           contrast_sets: list[set[str]]) -> Verdict:
    a = tuple(clause.content)
    if len(a) < 2:
        return Verdict(si, clause.text, "unaligned", parent=parent)
    neg_a = _negations(clause)
    best = {"agree": (0.0, ""), "flip": (0.0, ""), "claim": (0.0, ""), "unclaim": (0.0, "")}
    why_flip = ""
    for r in refs:
        shared, score = _overlap(a, r.content, contrast)
        if shared < MIN_SHARED or score < MIN_ALIGN:
            continue
        flipped, why = _flips(a, neg_a, r, contrast_sets, shared, score, _swapped(parent, r.text))
        is_claim = r.source.startswith("claim")
        kind = ("unclaim" if flipped else "claim") if is_claim else ("flip" if flipped else "agree")
        if score > best[kind][0]:
            best[kind] = (score, r.source)
            if kind == "flip":
                why_flip = why
    agree, flip, claim = best["agree"][0], best["flip"][0], best["claim"][0]
    if claim > max(agree, flip) + MARGIN:
        return Verdict(si, clause.text, "claims", best["claim"][1], parent=parent)
    if flip > agree + MARGIN:
        return Verdict(si, clause.text, "contradicts", best["flip"][1], why_flip, parent=parent)
    if agree > 0:
        return Verdict(si, clause.text, "agrees", best["agree"][1], parent=parent)
    return Verdict(si, clause.text, "unaligned", parent=parent)
