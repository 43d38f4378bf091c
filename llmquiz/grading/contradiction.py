"""Contradiction checks: negations, reversed directions and swapped roles, clause by clause.

Each answer clause is aligned with the reference clause (model answer, key points) that shares most of
its content words, counting "faster" and "slower" as the same topic. An aligned pair whose negation
parity differs, or where the answer says one side of an opposite pair ("increases", "encoder",
"bi-encoder") where the reference says the other, contradicts the reference. "not faster" against
"slower" is two flips and agrees, but only when the negation is within a few words of the reversed one
("it never checks results, it hallucinates more" still says "more"). Two things joined the other way
round by a one-way relation ("trades memory for compute" against "trades compute for memory") are a
reversal too. A clause that aligns best with a misconception's claim, with the same polarity, states
the misconception.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from llmquiz.grading import lexicon
from llmquiz.grading.match import same_word
from llmquiz.grading.parse import Clause, Parsed, is_function
from llmquiz.grading.subjects import Term, moved, subject, swapped_terms
from llmquiz.grading.text import has_digit, stem, stems, words

MIN_SHARED = 2  # content words two clauses must share to be about the same thing
MIN_ALIGN = 0.25  # and their cosine-style overlap (words common on the card weigh less)
NEG_SHARED = 3  # a flip by negation alone needs closer alignment: parity is a fragile signal
NEG_ALIGN = 0.5
NEG_ALIGN_OMITTED = 0.7
NUMBER_SHARED = 3  # a different number contradicts only in a closely aligned clause
NUMBER_ALIGN = 0.45
MARGIN = 0.02  # a flipped alignment must beat every agreeing one by this much
NEAR = 4  # words after a negation that it can turn around ("does not make it faster")
CLAIM_MARGIN = 0.02  # ... and a clause states a misconception when closer to it than to the model answer
# Ids of a comparison's items, above every lexicon pair id (WordNet brings thousands).
CONTRAST_KEYS = 1_000_000  # alignment keys
CONTRAST_SIDES = 2_000_000  # side tables


@dataclass(frozen=True)
class RefClause:
    """A clause of the reference side: its content stems, negation parity, and where it came from."""

    content: tuple[str, ...]
    negations: int
    source: str  # "answer", "point:<i>" or "claim:<i>"
    text: str = ""
    negated: frozenset[str] = frozenset()  # content stems within a negation's reach
    near: frozenset[str] = frozenset()  # ... within a few words of it ("not much faster")
    explicit: int = 0  # negations spelled out ("not", "never"), without implicit ones ("avoids")
    subject: tuple[str, str] = ("", "")  # (stem, word) of the named thing it opens on, if any
    sentence: frozenset[str] = frozenset()  # stems of its whole sentence
    inherited: bool = False  # its subject is its clause's or the previous clause's, not in its own words
    scales: tuple[tuple[str, frozenset[int]], ...] = ()  # figures its sentence writes with a scale ("15T")
    clause_text: str = ""  # its whole clause, before the cut at commas ("X, not Y")


@dataclass
class Verdict:
    """What one answer clause does relative to the reference."""

    sentence: int
    clause: str
    status: str  # "agrees", "contradicts", "claims" (a misconception) or "unaligned"
    source: str = ""
    why: str = ""
    parent: str = ""  # the whole clause this segment belongs to
    score: float = 0.0  # how closely it aligns with its source
    covers: float = 0.0  # share of the source's content words it states


def ref_clauses(texts: list[tuple[str, str]]) -> list[RefClause]:
    """Parse reference texts (source label, text) into comma-delimited segments of clauses."""
    from llmquiz.grading.parse import parse

    out: list[RefClause] = []
    for source, text in texts:
        previous = ("", "")  # "...; they power chat assistants" continues the sentence before the ";"
        for sent in parse(text).sentences:
            whole = frozenset(stems(sent.text))
            scales = tuple(_magnitudes(sent.text).items())
            for clause, seg, subj, inherited in with_subjects(sent.clauses, previous):
                out.append(RefClause(tuple(seg.content), _negations(seg), source, seg.text, _negated(seg),
                                     _negated(seg, NEAR), explicit_negations(seg.text), subj, whole, inherited,
                                     scales, clause.text))
                previous = subj if subj[0] else previous
    return out


_PRONOUN = re.compile(r"\s*(?:(?:and|but|so|while|whereas),?\s+)?(?:it|they)\b", re.IGNORECASE)


def with_subjects(clauses: list[Clause], previous: tuple[str, str] = ("", "")
                  ) -> list[tuple[Clause, Clause, tuple[str, str], bool]]:
    """Each comma segment of a sentence's clauses (after its clause) with its subject, and whether it
    inherits it: a segment after the first of its clause ("BERT is encoder-only, trained with masked
    LM") has its clause's, and a clause opening on "it" or "they" the previous clause's, `previous` for
    the first ("...; it needs fine-tuning")."""
    out: list[tuple[Clause, Clause, tuple[str, str], bool]] = []
    for c in clauses:
        segs = segments(c)
        lead = subject(segs[0].text) if segs else ("", "")
        inherited_lead = not lead[0] and bool(_PRONOUN.match(c.text)) and bool(previous[0])
        if inherited_lead:
            lead = previous
        for k, seg in enumerate(segs):
            own = subject(seg.text)
            # "..., at a learning rate of 1e-5" qualifies; "..., trained with MLM" says more of the subject.
            if own[0] or not lead[0] or (k > 0 and is_function((words(seg.text) or [''])[0])):
                out.append((c, seg, own, False))
            else:
                out.append((c, seg, lead, k > 0 or inherited_lead))
        previous = lead if lead[0] else previous
    return out


def segments(clause: Clause) -> list[Clause]:
    """A clause cut at its commas, each piece holding at least two content words (short ones merge on)."""
    from llmquiz.grading.parse import content_stems, negation_count

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


def explicit_negations(text: str) -> int:
    """Negations spelled out in `text` ("not", "never", "without"), not implied by a verb ("avoids")."""
    from llmquiz.grading.parse import explicit_negation_count

    return explicit_negation_count(words(text))


def _negated(clause: Clause, window: int | None = None) -> frozenset[str]:
    from llmquiz.grading.parse import negated_stems

    return negated_stems(words(clause.text), clause.stems, window) \
        if len(words(clause.text)) == len(clause.stems) else frozenset(clause.content)


def _key(stem: str, contrast: dict[str, int]) -> str:
    pid = contrast.get(stem)
    if pid is None:
        pid = lexicon.pair_ids().get(stem)
    return f"<pair{pid}>" if pid is not None else stem


def _overlap(a: tuple[str, ...], r: tuple[str, ...], contrast: dict[str, int],
             weight: dict[str, float] | None = None) -> tuple[int, float]:
    """Shared content words, and a cosine-style alignment where words common on the card count less."""
    ka = {_key(s, contrast) for s in a}
    kr = {_key(s, contrast) for s in r}
    w = weight or {}
    shared = 0
    mass = 0.0
    for x in ka:
        if x in kr or (not x.startswith("<") and any(not y.startswith("<") and same_word(y, x) for y in kr)):
            shared += 1
            mass += w.get(x, 1.0)
    norm = math.sqrt(sum(w.get(x, 1.0) for x in ka) * sum(w.get(y, 1.0) for y in kr))
    return shared, mass / norm if norm else 0.0


def word_weights(refs: list[RefClause], contrast_sets: list[dict[str, int]]) -> dict[str, float]:
    """1/sqrt(1 + n) for a word in n reference clauses: "model" in every clause aligns nothing."""
    contrast = {t: CONTRAST_KEYS + i for i, g in enumerate(contrast_sets) for t in g}
    df: dict[str, int] = {}
    for r in refs:
        for k in {_key(s, contrast) for s in r.content}:
            df[k] = df.get(k, 0) + 1
    return {k: 1.0 / math.sqrt(n) for k, n in df.items() if n > 1}


_NEGATING_PREFIXES = ("un", "in", "im", "non", "dis", "ir", "il")
# Hyphens are joined, so these compounds would read as negations ("in-context" against "context").
_NOT_NEGATED = frozenset(stem(w) for w in ("incontext", "inplace", "inmemory", "inline", "input", "inbound",
                                             "income", "index", "inside", "inset", "intext", "infield"))
_PREFIX_PAIRS = (("over", "under"), ("pre", "post"))


def _prefix_side(st: str, others: tuple[str, ...]) -> tuple[str, int] | None:
    """("trust", 1) for "untrust" when the other clause says "trust"; ("train", 0) for "overtrain"."""
    for a, b in _PREFIX_PAIRS:
        for side, pre in enumerate((a, b)):
            if st.startswith(pre) and len(st) > len(pre) + 3:
                return st[len(pre):], side
    for pre in _NEGATING_PREFIXES:
        if st.startswith(pre) and len(st) > len(pre) + 3 and st[len(pre):] in others and st not in _NOT_NEGATED:
            return st[len(pre):], 1
    if any(o == pre + st and o not in _NOT_NEGATED for o in others for pre in _NEGATING_PREFIXES):
        return st, 0
    return None


def _sides(stems_: tuple[str, ...], contrast_sets: list[dict[str, int]],
           others: tuple[str, ...] = ()) -> dict[int | str, set[int]]:
    """Which side of each opposite pair a clause takes: {pair id: {0}, {1} or {0, 1}}."""
    out: dict[int | str, set[int]] = {}
    table = lexicon.sides()
    for st in stems_:
        for pid, side in table.get(st, ()):
            out.setdefault(pid, set()).add(side)
        pre = _prefix_side(st, others)
        if pre is not None:
            out.setdefault(f"prefix:{pre[0]}", set()).add(pre[1])
        # A compared item is its own side even when the lexicon pairs it too ("greedy" is also the
        # opposite of "random"); `_flips` counts the same words once.
        for g, group in enumerate(contrast_sets):
            if st in group:  # each item of a compared set is its own side
                out.setdefault(CONTRAST_SIDES + g, set()).add(group[st])
    return out


ANCHOR = 3  # content words either side of a reversed word that say what it is about


def _around(stems_: tuple[str, ...], targets: list[str], at: int | None = None) -> tuple[set[str], set[str]]:
    """The content words within ANCHOR before and after the target words (or only the one at `at`)."""
    left: set[str] = set()
    right: set[str] = set()
    for i, x in enumerate(stems_):
        if x in targets and at in (None, i):
            left.update(stems_[max(0, i - ANCHOR): i])
            right.update(stems_[i + 1: i + 1 + ANCHOR])
    return left - set(targets), right - set(targets)


def _common(x: set[str], y: set[str]) -> int:
    return sum(1 for u in x if any(same_word(u, v) for v in y))


def _anchored(a: tuple[str, ...], wa: list[str], r: tuple[str, ...], wr: list[str]) -> bool:
    """Whether the reversed words are about the same thing: some content word near one is near the other
    ("sequences get shorter" against "sequences get longer")."""
    return _common(set().union(*_around(a, wa)), set().union(*_around(r, wr))) > 0


# Relations whose converse swaps the two things and the word: "A before B" = "B after A".
_RELATIONAL = frozenset(stem(w) for w in (
    "before", "after", "precede", "follow", "earlier", "later", "above", "below", "lessthan", "greaterthan",
    "atmost", "atleast", "smaller", "larger", "greater", "less", "fewer", "more", "higher", "lower", "bigger",
    "older", "newer", "parent", "child"))


def _converse(a: tuple[str, ...], wa: list[str], r: tuple[str, ...], wr: list[str],
              at_a: int | None = None, at_r: int | None = None) -> bool:
    """Whether opposite relation words join the same two things the other way round: what precedes the
    word in one clause follows it in the other ("left child less than the node" against "node greater
    than the left child")."""
    if not (set(wa) | set(wr)) & _RELATIONAL:
        return False
    (la, ra), (lr, rr) = _around(a, wa, at_a), _around(r, wr, at_r)
    return _common(la, rr) + _common(ra, lr) > _common(la, lr) + _common(ra, rr)


def _converse_each(a: tuple[str, ...], r: tuple[str, ...], pid: int, contrast_sets: list[dict[str, int]]) -> bool:
    """`_converse` for each use of a relational pair where two clauses use it in a different order: every
    use that differs joins the same two things the other way round."""
    ia = [(i, s) for i, x in enumerate(a) for s in _sequence((x,), pid, contrast_sets)]
    ir = [(i, s) for i, x in enumerate(r) for s in _sequence((x,), pid, contrast_sets)]
    if len(ia) != len(ir) or not ({a[i] for i, _ in ia} | {r[i] for i, _ in ir}) & _RELATIONAL:
        return False
    differing = [(i, j) for (i, sa), (j, sr) in zip(ia, ir, strict=True) if sa != sr]
    return bool(differing) and all(_converse(a, [a[i]], r, [r[j]], i, j) for i, j in differing)


def _number_contexts(stems_: tuple[str, ...]) -> set[str]:
    """The words right after each number ("20 tokens per parameter" -> token): what it counts.

    A number inside a name ("GPT-4 became multimodal") has no counted word in common with another.
    """
    out: set[str] = set()
    for i, x in enumerate(stems_):
        if has_digit(x):
            out.update(y for y in stems_[i + 1 : i + 3] if not has_digit(y))
    return out


def _bound_numbers(stems_: tuple[str, ...], reach: int = 1) -> dict[str, str]:
    """{word: number} for the `reach` words after each number ("46.7b total"); a word after two
    different numbers is left out (it binds neither). The word before a number binds it too loosely
    ("embeddings to 2-D") to count."""
    out: dict[str, str] = {}
    clash: set[str] = set()
    for i, x in enumerate(stems_):
        if not has_digit(x):
            continue
        for y in stems_[i + 1: i + 1 + reach]:
            if has_digit(y):
                break
            if out.get(y, x) != x:
                clash.add(y)
            out[y] = x
    return {w: n for w, n in out.items() if w not in clash}


_SCALES = {"k": 3, "thousand": 3, "m": 6, "million": 6, "b": 9, "bn": 9, "billion": 9, "t": 12, "trillion": 12}
_SCALED = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(" + "|".join(sorted(_SCALES, key=len, reverse=True)) + r")\b")
_SCALE_WORD = r"(?:thousand|million|billion|trillion)s?"
# "millions of GPU-hours", "billions to trillions of parameters": the scale words and what they count.
_COUNTED = re.compile(rf"\b({_SCALE_WORD}(?:\s+(?:to|or|and)\s+{_SCALE_WORD})*)\s+of\s+([a-z][a-z\-]*)")
_SCALE_NAMES = {3: "thousand", 6: "million", 9: "billion", 12: "trillion"}


@functools.lru_cache(maxsize=4096)
def _magnitudes(text: str) -> dict[str, frozenset[int]]:
    """{figure: its powers of ten} for the figures `text` writes with a scale ("15T", "300 billion"),
    {"of <stem>": ...} for what scale words count ("millions of GPU-hours"), and {"": ...} for every
    scale word."""
    from llmquiz.grading.text import fold

    folded = fold(text)
    out: dict[str, set[int]] = {}
    for figure, scale in _SCALED.findall(folded):
        out.setdefault(figure, set()).add(_SCALES[scale])
    # "millions of GPU-hours": a scale word counts the word after it.
    for scales, counted in _COUNTED.findall(folded):
        for scale in re.findall(r"[a-z]+", scales):
            if scale.rstrip("s") in _SCALES:
                out.setdefault(f"of {stem(counted)}", set()).add(_SCALES[scale.rstrip("s")])
    # Every scale word, whatever it counts ("... vs Transformers with billions+").
    for scale in re.findall(rf"\b{_SCALE_WORD}", folded):
        out.setdefault("", set()).add(_SCALES[scale.rstrip("s")])
    return {k: frozenset(v) for k, v in out.items()}


def _rescaled(a_text: str, r: RefClause) -> str:
    """Why the answer gives a figure of the model answer at another scale ("15 billion" for "15T"), or "".

    Not when the scale is the one the clause's whole sentence gives elsewhere: "billions of parameters"
    against "millions of parameters" for classic models in a sentence that gives LLMs billions."""
    ma, mr, sentence = _magnitudes(a_text), _magnitudes(r.text), dict(r.scales)
    for figure, powers in ma.items():
        ref = mr.get(figure)
        # A scale word counting something ("millions of parameters") may count it elsewhere in the
        # sentence without saying so again: "millions of parameters vs billions".
        elsewhere = sentence.get("" if figure.startswith("of ") else figure, frozenset())
        if figure and ref and not powers & ref and not powers & elsewhere:
            if figure.startswith("of "):
                return f"{_SCALE_NAMES[min(powers)]}s where the model answer says {_SCALE_NAMES[min(ref)]}s"
            return (f"{figure} {_SCALE_NAMES[min(powers)]} where the model answer says "
                    f"{figure} {_SCALE_NAMES[min(ref)]}")
    return ""


def _same_number(ref: str, said: str) -> bool:
    """Whether a number said gives the figure of `ref`: "47b" rounds 46.7B, and "10%" is "10 points"
    (the unit is not the figure)."""
    return same_word(ref, said) or ref.rstrip("%") == said.rstrip("%")


def _numbers_rebound(a: tuple[str, ...], r: tuple[str, ...], sentence: frozenset[str] = frozenset()) -> str:
    """Why the answer binds numbers the model answer states (in `r` or its `sentence`) to each other's
    words, or ""."""
    ba, br = _bound_numbers(a), _bound_numbers(r)
    for w, x in ba.items():
        y = next((n for v, n in br.items() if same_word(v, w)), None)
        if y is not None and not _same_number(y, x) and y in a and (x in r or x in sentence):
            return f"{x} {w} where the model answer says {y} {w}"
    return ""


def _sequence(stems_: tuple[str, ...], pid: int, contrast_sets: list[dict[str, int]]) -> list[int]:
    """The sides of pair `pid` in the order a clause uses them."""
    out = []
    for x in stems_:
        if pid >= CONTRAST_SIDES:
            group = contrast_sets[pid - CONTRAST_SIDES]
            if x in group:
                out.append(group[x])
        else:
            out += [side for p, side in lexicon.sides().get(x, ()) if p == pid][:1]
    return out


def _pair_words(stems_: tuple[str, ...], pid: int, contrast_sets: list[dict[str, int]]) -> list[str]:
    if pid >= CONTRAST_SIDES:
        return [x for x in stems_ if x in contrast_sets[pid - CONTRAST_SIDES]]
    return [x for x in stems_ if any(p == pid for p, _ in lexicon.sides().get(x, ()))]


@functools.lru_cache(maxsize=4096)
def _pair_uses(text: str) -> tuple[tuple[int, int, str, str], ...]:
    """(pair id, side, next word, word) for each word of a lexicon pair in `text` that is followed
    directly by a content word outside its pair ("less sample-efficient")."""
    from llmquiz.grading.parse import is_content

    table = lexicon.sides()
    ws = words(text)
    sts = [stem(w) for w in ws]
    out = []
    for i in range(len(ws) - 1):
        head = sts[i + 1]
        if not is_content(ws[i + 1], head) or has_digit(head):
            continue
        for pid, side in table.get(sts[i], ()):
            if all(p != pid for p, _ in table.get(head, ())):
                out.append((pid, side, head, sts[i]))
    return tuple(out)


def _local_flip(a_text: str, r_text: str, pid: int,
                sentence: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """(answer word, model-answer word) when the answer puts one side of pair `pid` right before the
    word the model answer qualifies with the other side ("less sample-efficient" against "more
    sample-efficient"), and the model answer's sentence does not say the answer's version (its two
    words) elsewhere ("a small head cluster ..., while tail clusters ...")."""
    ua = [(s, h, w) for p, s, h, w in _pair_uses(a_text) if p == pid]
    ur = [(s, h, w) for p, s, h, w in _pair_uses(r_text) if p == pid]
    for side, head, word in ua:
        if any(s == side and same_word(head, h) for s, h, _ in ur) or {word, head} <= sentence:
            continue
        other = next((w for s, h, w in ur if s != side and same_word(head, h)), None)
        if other is not None:
            return word, other
    return None


def _one_each(side_a: set[int], side_r: set[int] | None) -> bool:
    """Whether two clauses take one side each of a pair, and not the same one."""
    return side_r is not None and len(side_a) == len(side_r) == 1 and side_a != side_r


def _flips(a: tuple[str, ...], neg_a: int, r: RefClause, contrast_sets: list[dict[str, int]],
           shared: int, score: float, swap: bool = False,
           negated_a: frozenset[str] | None = None, a_text: str = "", reaches: bool = True) -> tuple[bool, str]:
    """Whether an answer clause contradicts a reference clause it is aligned with, and why.

    An odd number of reversals contradicts: a reversed direction, unless a negation or a second
    reversal turns it back ("not faster" = "slower"). A negation alone needs close alignment.
    """
    directions = scales = items = 0
    used: set[str] = set()
    dir_r: set[str] = set()
    why = ""
    sa, sr = _sides(a, contrast_sets, r.content), _sides(r.content, contrast_sets, a)
    for pid, side_a in sa.items():
        side_r = sr.get(pid)
        if not side_r:
            continue
        one_each = _one_each(side_a, side_r)
        if isinstance(pid, str):  # a prefix pair: "overtrained" / "undertrained", "trusted" / "untrusted"
            if one_each and shared >= NUMBER_SHARED:
                directions += 1
                why = why or f"the opposite of '{pid.split(':', 1)[1]}'"
            continue
        # "large heads give small logits" against "large heads give large logits": same words in order.
        seq_a, seq_r = _sequence(a, pid, contrast_sets), _sequence(r.content, pid, contrast_sets)
        in_order = pid < CONTRAST_SIDES and len(seq_a) == len(seq_r) > 1 and seq_a != seq_r and len(side_r) == 1
        if one_each and pid < CONTRAST_SIDES and len(seq_a) > 1 and len(seq_r) > 1:
            continue  # "the first in is the first out" says what "the last in is the last out" says
        # Both sides in one clause ("less sample-efficient, so it needs more tokens") hide a reversal
        # unless each use is read with the word it qualifies.
        # Not against a misconception's claim: a claim is a paraphrase, and its own wording is loose.
        local = None if one_each or in_order or not isinstance(pid, int) or pid >= CONTRAST_SIDES \
            or r.source.startswith("claim") or not a_text else _local_flip(a_text, r.text, pid, r.sentence)
        if one_each or in_order or local:
            wa, wr = ([local[0]], [local[1]]) if local else \
                (_pair_words(a, pid, contrast_sets), _pair_words(r.content, pid, contrast_sets))
            if used & set(wa):
                continue  # the same words reversed under another pair ("increase" is a scale too)
            if pid < CONTRAST_SIDES and not _anchored(a, wa, r.content, wr):
                continue  # "splits a large problem" does not reverse "smaller subproblems"
            if pid < CONTRAST_SIDES and (one_each or local) and _converse(a, wa, r.content, wr):
                continue  # "the node is greater than its left child" = "the left child is smaller than the node"
            if in_order and _converse_each(a, r.content, pid, contrast_sets):
                continue  # "left less than the root, right greater than it" = "left < parent < right"
            used.update(wa)
            dir_r.update(wr)
            directions += 1
            scales += isinstance(pid, int) and pid in lexicon.scale_pairs()
            items += any(x in group for group in contrast_sets for x in wa)
            if wa and wr and not why:
                i = next((k for k, (x, y) in enumerate(zip(seq_a, seq_r, strict=True)) if x != y), 0) if in_order else 0
                why = f"'{wa[min(i, len(wa) - 1)]}' where the model answer says '{wr[min(i, len(wr) - 1)]}'"
    # A different number where the model answer states one: "1 token per parameter" vs "20".
    na = {x for x in a if has_digit(x)}
    nr = {x for x in r.content if has_digit(x)}
    if (na and nr and not any(_same_number(y, x) for x in na for y in nr) and shared >= NUMBER_SHARED
            and score >= NUMBER_ALIGN and _number_contexts(a) & _number_contexts(r.content)):
        directions += 1
        why = why or f"{sorted(na)[0]} where the model answer says {sorted(nr)[0]}"
    # The same figure at another scale: "15 billion tokens" against "15T tokens" is off a thousandfold.
    scaled = _rescaled(a_text, r) if a_text and r.text else ""
    if scaled:
        directions += 1
        why = why or scaled
    # The same numbers bound to each other's words: "12.9B total, 46.7B active" against "46.7B total,
    # 12.9B active". Each number alone is one the model answer states, so the rule above misses it.
    rebound = _numbers_rebound(_quantities(a_text) if a_text else a, _quantities(r.text) if r.text else r.content,
                               r.sentence) if shared >= NUMBER_SHARED else ""
    if rebound:
        directions += 1
        why = why or rebound
    roles = _roles_swapped(a_text, r.text) if a_text else None
    if roles:
        directions += 1
        why = why or roles
    negation = neg_a % 2 != r.negations % 2
    if swap:
        return True, "the two sides of 'rather than' are swapped"
    # Reversals on a scale ("below 1", "high", "large") can pair with a reversed consequence and agree:
    # "T < 1 sharpens" = "T > 1 flattens". Otherwise two reversals are two errors, and only a negation
    # turns a single one back ("not faster" = "slower").
    # A negation turns a reversal back only when its reach covers the reversed words: "it never checks
    # real results, so it hallucinates more" still says "more" where the model answer says "reduces".
    if directions and negation and negated_a is not None and used and shared >= NEG_SHARED:
        reach_a = bool(neg_a % 2) and bool(used & negated_a)
        reach_r = bool(r.negations % 2) and bool(dir_r & r.near)
        if not reach_a and not reach_r:
            negation = False
    if directions and (directions + negation) % 2:
        return True, why
    # ... except that the other compared item with the other property agrees: "native models fuse
    # early" against "bolted-on models fuse late".
    if directions >= 2 and not scales and not items:
        return True, why
    # Negation alone is judged only against the model answer itself (key points are terse summaries,
    # often conditionals: "Without scaling, softmax saturates"), and never against a bare condition.
    conditional = re.match(r"\s*(without|unless|if not|absent)\b", r.text.lower()) is not None
    # Leaving out a negation the model answer has needs closer alignment than adding one: answers
    # often restate the positive half of a clause whose negation sits elsewhere.
    needed = NEG_ALIGN if neg_a % 2 else NEG_ALIGN_OMITTED
    # The negation must reach words the other clause states: "keeps the softmax from saturating so
    # gradients stay healthy" says nothing negative about "gradients stay healthy".
    # Only checked where the model answer has the negation: an answer's own "not" is a flip wherever it sits.
    about_same = bool(neg_a % 2) or not r.negated or any(same_word(x, y) for x in r.negated for y in a)
    # ... and the answer's own negation must reach something the reference says somewhere: "an array has
    # one element a string doesn't have" denies nothing it states.
    about_same = about_same and (reaches or not neg_a % 2)
    # "if it is not static" sets a condition rather than denying anything.
    hedged = bool(_CONDITION.match(a_text.lower())) or _negation_in_condition(a_text)
    # Implicit negations ("to avoid a call", "omitting the base case") restate as often as they reverse,
    # so a flip by negation alone needs a spelled-out one on one side only.
    explicit = explicit_negations(a_text) % 2 != r.explicit % 2 if a_text else True
    if (negation and explicit and not directions and shared >= NEG_SHARED and score >= needed and about_same
            and not r.source.startswith("point") and not conditional and not hedged):
        return True, "a negation the model answer does not have" if neg_a % 2 else \
            "it leaves out a negation the model answer has"
    return False, ""


_CONDITION = re.compile(r"\s*(if|when|whenever|unless|once)\b")
# Inside a clause "once" is as often "one time" as a condition ("it runs once, not per token").
_CONDITION_WORDS = frozenset(("if", "when", "whenever", "unless"))


def _negation_in_condition(text: str) -> bool:
    """Whether every negation of `text` sits in a condition it sets: "only fine-tune if prompting can't
    get there" denies nothing the model answer states."""
    from llmquiz.grading.parse import is_negation

    ws = words(text)
    at = [i for i in range(len(ws)) if is_negation(ws, i)]
    cond = next((i for i, w in enumerate(ws) if w in _CONDITION_WORDS), None)
    return bool(at) and cond is not None and at[0] > cond


_RATHER = re.compile(r"\b(rather than|instead of|as opposed to|not)\b")


def _halves(text: str) -> tuple[set[str], set[str]] | None:
    """(stated, rejected) content stems of a clause with "rather than"/"instead of", else None."""
    from llmquiz.grading.parse import content_stems

    m = _RATHER.search(text.lower())
    if not m or (m.group(1) == "not" and not re.search(r",\s*not\b|\bnot\b.*\bbut\b", text.lower())):
        return None
    before, after = text[: m.start()], text[m.end():]
    if m.group(1) == "not" and " but " in after.lower():  # "not X but Y": Y is stated, X rejected
        rejected, stated = after.lower().split(" but ", 1)
        return set(content_stems(before + " " + stated)), set(content_stems(rejected))
    # Each half ends at a comma: "votes rather than searching a tree, cheaper than ToT" rejects the search,
    # not the price.
    return set(content_stems(before.rstrip(" ,").rsplit(",", 1)[-1])), set(content_stems(after.split(",", 1)[0]))


# One-way relations between two things: "trades compute for memory", "maps text to tokens".
_ROLE_WORDS = frozenset(("for", "to", "into", "onto", "over", "than", "from", "leadsto"))
ROLE_GAP = 3  # words at most between the two things and the relation word


_MORE_LESS = frozenset(("more", "less", "fewer", "better", "worse"))
_NOT_COMPARATIVE = frozenset(("rather", "other", "either", "whether", "neither"))  # "-er", but not compared


def _comparative(ws: list[str], i: int) -> int:
    """How many words before position `i` make a comparative ("faster", "more expensive"), or 0."""
    if i >= 1 and (ws[i - 1] in _MORE_LESS or (len(ws[i - 1]) > 4 and ws[i - 1].endswith("er")
                                               and ws[i - 1] not in _NOT_COMPARATIVE)):
        return 1
    if i >= 2 and ws[i - 2] in ("more", "less"):
        return 2
    return 0


def _roles(text: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(first, second) content stems joined by a one-way relation word: {pair: (relation, words as
    written)}. With "than" the relation is the comparative ("grow the model faster than the data")."""
    from llmquiz.grading.parse import is_content

    ws = words(text)
    sts = [stem(w) for w in ws]
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for i, w in enumerate(ws):
        if w not in _ROLE_WORDS:
            continue
        relation, end = w, i
        if w == "than":
            k = _comparative(ws, i)
            if k:
                relation, end = f"{' '.join(ws[i - k:i])} than", i - k
        left = [j for j in range(max(0, end - ROLE_GAP), end) if is_content(ws[j], sts[j])]
        right = [j for j in range(i + 1, min(len(ws), i + 1 + ROLE_GAP)) if is_content(ws[j], sts[j])]
        # A comparison's first thing may sit before its verb: "declining is rewarded more than answering".
        for j in (left if relation.endswith(" than") else left[-1:]) if right else ():
            out.setdefault((sts[j], sts[right[0]]), (relation, f"{ws[j]} {relation} {ws[right[0]]}"))
    return out


def _roles_swapped(a_text: str, r_text: str) -> str:
    """Why, when the answer joins two things the model answer joins the other way round ("trades memory
    for compute" against "trades compute for memory"), else ""."""
    ra, rr = _roles(a_text), _roles(r_text)
    for (x, y), (relation, said) in ra.items():
        other = rr.get((y, x))
        if x != y and other and other[0] == relation and (x, y) not in rr:
            return f"'{said}' where the model answer says '{other[1]}'"
    return ""


def _swapped(a_text: str, r_text: str) -> bool:
    """True when both clauses prefer one thing over another, but opposite ones."""
    ha, hr = _halves(a_text), _halves(r_text)
    if ha is None and hr is None:
        return False
    if ha is None or hr is None:
        return False
    # Only what is set against what counts; the shared subject ("generated code is judged") does not.
    crossed = len(ha[0] & hr[1]) + len(ha[1] & hr[0])
    straight = len(ha[1] & hr[1])
    return crossed >= 2 and crossed > straight


_COMPARISON = re.compile(
    r"\b(differen\w*|compare\w*|comparison|vs\.?|versus|between|separates?|distinguish\w*|contrast|"
    r"rather than|instead of|each|which|when do you use)\b", re.IGNORECASE)


def contrast_terms(question: str, reference: str) -> list[dict[str, int]]:
    """Items a comparison question sets against each other ("bi-encoder" vs "cross-encoder").

    Each item is the run of content words next to "and", "or", "vs", "from", "between" or a comma;
    an item is represented by its words that no other item shares ("batch inference" -> batch).

    Example:
        >>> contrast_terms("Compare RoPE and ALiBi.", "RoPE rotates; ALiBi adds a bias.")
        [{'rope': 0, 'alibi': 1}]
    """
    if not _COMPARISON.search(question):
        return []
    from llmquiz.grading.parse import content_stems

    ref = set(stems(reference))
    generic = {"model", "one", "method", "approach", "compar", "differ", "differen", "each", "us", "when",
               "which", "what", "how", "why", "way", "llm", "option", "kind", "typ"}
    parts = re.split(r"\s*(?:,|;|\band\b|\bor\b|\bvs\.?|\bversus\b|\bfrom\b|\bbetween\b|\bto\b|-\s|"
                     r"\binstead of\b|\brather than\b)\s*",
                     re.sub(r"[?!.:()]", " , ", question), flags=re.IGNORECASE)
    items: list[list[str]] = []
    for part in parts:
        words_ = [w for w in content_stems(part) if w not in generic]
        if 1 <= len(words_) <= 3 and all(w in ref for w in words_[-1:]):
            items.append(words_[-2:])
    group: dict[str, int] = {}
    for i, item in enumerate(items):
        others = {w for j, other in enumerate(items) if j != i for w in other}
        for w in item:
            if w not in others:
                group.setdefault(w, i)
    return [group] if 2 <= len(set(group.values())) <= 6 else []


def _items(stems_: tuple[str, ...] | list[str], contrast_sets: list[dict[str, int]]) -> set[tuple[int, int]]:
    return {(g, group[x]) for x in stems_ for g, group in enumerate(contrast_sets) if x in group}


def _about_other_item(a: tuple[str, ...], r: RefClause, refs: list[RefClause], contrast_sets: list[dict[str, int]],
                      weight: dict[str, float] | None) -> bool:
    """Whether an answer clause that names one compared item ("the definition holds the body") really
    says what the model answer says of the other: its remaining words must align with the other
    item's clause, and better than with any clause about its own item.
    """
    names = {x for group in contrast_sets for x in group}
    rest = tuple(x for x in a if x not in names)
    shared, score = _overlap(rest, tuple(x for x in r.content if x not in names), {}, weight)
    if shared < MIN_SHARED:
        return False
    own = _items(a, contrast_sets)
    best_own = max((_overlap(rest, tuple(x for x in o.content if x not in names), {}, weight)[1]
                    for o in refs if not o.source.startswith("claim") and _items(o.content, contrast_sets) & own),
                   default=0.0)
    return score > best_own + MARGIN


def check(answer: Parsed, refs: list[RefClause], contrast_sets: list[dict[str, int]],
          weight: dict[str, float] | None = None, known: dict[str, Term] | None = None) -> list[Verdict]:
    """Judge every comma segment of every clause of `answer` against the reference and the claims, and
    every sentence for the things the question asks about (`known`, from `subjects.terms`) it swaps."""
    contrast = {t: CONTRAST_KEYS + i for i, g in enumerate(contrast_sets) for t in g}
    model = [r for r in refs if r.source == "answer"]

    def align(a: tuple[str, ...], r: tuple[str, ...]) -> tuple[int, float]:
        return _overlap(a, r, contrast, weight)

    out: list[Verdict] = []
    for si, sent in enumerate(answer.sentences):
        rebutted = calls_a_myth(sent.text)
        for whole, clause, subj, inherited in with_subjects(sent.clauses):
            v = _judge(si, whole.text, clause, refs, contrast, contrast_sets, weight, whole.content, rebutted)
            swap = moved(clause.text, clause.content, whole.text, model, align, subj if inherited else None) \
                if v.status in ("agrees", "unaligned") else None
            if swap is not None:
                ref, why, score = swap
                v = Verdict(si, clause.text, "contradicts", ref.source, why, parent=whole.text, score=score)
            out.append(v)
    # A whole sentence about one asked-about thing in the words the model answer keeps for another: one
    # contradiction, on its first clause that none of the checks above convicted.
    for si, sent in enumerate(answer.sentences if known else ()):
        why = swapped_terms([x for c in sent.clauses for x in c.content], known or {})
        first = next((k for k, v in enumerate(out) if v.sentence == si and v.status in ("agrees", "unaligned")), None)
        if why and first is not None:
            v = out[first]
            out[first] = Verdict(si, v.clause, "contradicts", "answer", why, parent=v.parent, score=v.score)
    # Numbers the model answer states, each bound to the other's words: "10% become [MASK], 80% a random
    # token" against "80% become [MASK], 10% a random token". One contradiction, on the clause that binds
    # the first of them.
    sentences = [t for t in _ref_sentences(model) if has_digit(t)]
    for si, sent in enumerate(answer.sentences if sentences else ()):
        if not has_digit(sent.text):
            continue
        why = next((w for r in sentences if (w := _crossed_numbers(sent.text, r))), "")
        number = why.split(" ", 1)[0]
        at = next((k for k, v in enumerate(out) if v.sentence == si and v.status in ("agrees", "unaligned")
                   and number in stems(v.clause)), None)
        if why and at is not None and not any(v.sentence == si and v.status == "contradicts" for v in out):
            v = out[at]
            out[at] = Verdict(si, v.clause, "contradicts", "answer", why, parent=v.parent, score=v.score)
    return out


def calls_a_myth(text: str) -> bool:
    """Whether `text` calls something a myth or a misconception, setting a claim up to knock it down."""
    return any(w in lexicon.REBUTTALS for w in words(text))


def _ref_sentences(model: list[RefClause]) -> list[str]:
    """The model answer's sentences, each its clauses' text joined in order."""
    out: list[str] = []
    last: frozenset[str] | None = None
    for r in model:
        if out and r.sentence == last:
            out[-1] += ", " + r.text
        else:
            out.append(r.text)
        last = r.sentence
    return out


_NAMED = re.compile(r"\b([A-Za-z]+)-?\d[\w.]*")  # "FP16", "GPT-4", "H100": names, not quantities


@functools.lru_cache(maxsize=4096)
def _quantities(text: str) -> tuple[str, ...]:
    """Content stems of `text` with the numbers inside names ("FP16", "GPT-4") left out: "FP32 to FP16"
    binds no number to "fp"."""
    from llmquiz.grading.parse import content_stems

    return tuple(content_stems(_NAMED.sub(r"\1", text)))


def _crossed_numbers(a_text: str, r_text: str) -> str:
    """Why, when an answer sentence binds two numbers to each other's words in a model-answer sentence
    ("10% become [MASK], 80% a random token" against "80% become [MASK], 10% a random token"), else ""."""
    # Two words after each number: "80% become [MASK]" binds "mask" to 80.
    ba, br = _bound_numbers(_quantities(a_text), 2), _bound_numbers(_quantities(r_text), 2)
    for w, x in ba.items():
        y = br.get(w)
        if y is None or _same_number(y, x):
            continue
        # ... and the other way round: a word the model answer binds to x, the answer binds to y.
        if any(n == x and ba.get(v) == y for v, n in br.items()):
            written = next((u for u in words(a_text) if stem(u) == w), w)
            return f"{x} for '{written}' where the model answer says {y}"
    return ""


LIST_ITEM = 3  # content words at most in a comma segment read as an item of a list


def _both_sides(whole: tuple[str, ...], r: RefClause, contrast_sets: list[dict[str, int]]) -> bool:
    """Whether a clause names both sides of a pair the reference clause takes one side of: "input
    filtering, prompt rules, output filtering" lists both, it reverses neither."""
    sw, sr = _sides(whole, contrast_sets, r.content), _sides(r.content, contrast_sets, whole)
    return any(len(sides) > 1 and pid in sr for pid, sides in sw.items())


def _said_elsewhere(a: tuple[str, ...], r: RefClause, refs: list[RefClause],
                    contrast_sets: list[dict[str, int]]) -> bool:
    """Whether the words `a` reverses against `r` are the model answer's own words, about the same thing,
    in another of its clauses: "split the array in half" against "splits the array into two, ..., then
    merges the arrays" says what the first clause says, not the opposite of the last."""
    sa, sr = _sides(a, contrast_sets, r.content), _sides(r.content, contrast_sets, a)
    reversed_ = [w for pid, side in sa.items() if isinstance(pid, int) and sr.get(pid) and side != sr[pid]
                 for w in _pair_words(a, pid, contrast_sets)]
    if not reversed_:
        return False
    # About the other clause: it shares more of the answer's words than `r` does besides the reversal.
    # A swapped role shares more with `r` ("the decoder reads the input" against "the encoder reads the
    # input" and "the decoder writes the output").
    def align(b: tuple[str, ...], skip: list[str]) -> float:  # words in common, cosine-style, exact words
        common = sum(1 for x in set(a) if x not in skip and any(same_word(x, y) for y in b))
        return common / math.sqrt(len(set(a)) * max(1, len(set(b))))

    with_r = align(r.content, reversed_)
    for other in refs:
        if other.text == r.text or other.source.startswith("claim"):
            continue
        if all(any(same_word(w, y) for y in other.content) for w in reversed_) and align(other.content, []) > with_r:
            return True
    return False


def _denies(clause: Clause, r: RefClause) -> bool:
    """Whether a clause of the other polarity than a claim denies it: a spelled-out negation on either
    side reaches words the two share. "BERT doesn't use it" denies "BERT also uses a causal mask", and
    "you can predict a big run from small ones" denies "small runs predict nothing". A claim is loosely
    worded, so an implied negation ("preventing", "skip") or one that reaches other words says nothing."""
    a = tuple(clause.content)
    if explicit_negations(clause.text) % 2 == r.explicit % 2:
        return False
    # A negation with a reversed word agrees: "you don't need a format" makes "the format is optional".
    sr = _sides(r.content, [])
    if any(_one_each(side, sr.get(pid)) for pid, side in _sides(a, []).items()):
        return False
    return any(same_word(x, y) for x in _negated(clause) | _object_negated(clause.text) for y in r.content) or \
        any(same_word(x, y) for x in r.negated | _object_negated(r.text) for y in a)


_OBJECT_NEGATION = re.compile(r"\b([a-z]+)\s+(?:nothing|none|nobody)\b")


def _object_negated(text: str) -> frozenset[str]:
    """The verb a negative object turns around: "predict" in "small runs predict nothing"."""
    return frozenset(stem(m.group(1)) for m in _OBJECT_NEGATION.finditer(text.lower()))


def _judge(si: int, parent: str, clause: Clause, refs: list[RefClause], contrast: dict[str, int],
           contrast_sets: list[dict[str, int]], weight: dict[str, float] | None = None,
           whole: list[str] | tuple[str, ...] = (), rebutted: bool = False) -> Verdict:
    a = tuple(clause.content)
    if len(a) < 2:
        return Verdict(si, clause.text, "unaligned", parent=parent)
    neg_a = _negations(clause)
    negated_a = _negated(clause, NEAR)
    reaches = not neg_a % 2 or any(same_word(y, x) for x in negated_a for r in refs for y in r.content)
    best = {"agree": (0.0, ""), "flip": (0.0, ""), "claim": (0.0, ""), "unclaim": (0.0, "")}
    why_flip = ""
    claim_covers = 0.0
    # A question or a "whether" clause raises a claim without making it, and a sentence that calls
    # something a myth or a misconception sets it up to knock it down.
    hypothetical = rebutted or bool(re.search(r"\bwhether\b|\?", clause.text + parent))
    for r in refs:
        shared, score = _overlap(a, r.content, contrast, weight)
        if shared < MIN_SHARED or score < MIN_ALIGN:
            continue
        # "Y rather than X" against "X, not Y": the model answer's halves span the commas its segments
        # are cut at.
        swap = _swapped(clause.text, r.clause_text or r.text)
        flipped, why = _flips(a, neg_a, r, contrast_sets, shared, score, swap, negated_a, clause.text, reaches)
        if flipped and len(set(a)) <= LIST_ITEM and len(whole) > len(a) and _both_sides(tuple(whole), r, contrast_sets):
            flipped = False
        if flipped and _said_elsewhere(a, r, refs, contrast_sets):
            continue
        if flipped and contrast_sets and not _flips(a, neg_a, r, [], shared, score, swap, negated_a, clause.text)[0]:
            flipped = _about_other_item(a, r, refs, contrast_sets, weight)
        if not flipped and neg_a % 2 != r.negations % 2 and (not r.source.startswith("claim")
                                                             or _denies(clause, r)):
            continue  # polarity differs, too loosely aligned to call it a contradiction: no evidence either way
        is_claim = r.source.startswith("claim")
        if is_claim and hypothetical:
            continue
        kind = ("unclaim" if flipped else "claim") if is_claim else ("flip" if flipped else "agree")
        if score > best[kind][0]:
            best[kind] = (score, r.source)
            if kind == "flip":
                why_flip = why
            if kind == "claim":
                claim_covers = shared / max(1, len(set(r.content)))
    agree, flip, claim = best["agree"][0], best["flip"][0], best["claim"][0]
    if claim > max(agree, flip) + CLAIM_MARGIN:
        return Verdict(si, clause.text, "claims", best["claim"][1], parent=parent, score=claim,
                       covers=claim_covers)
    if flip > agree + MARGIN:
        return Verdict(si, clause.text, "contradicts", best["flip"][1], why_flip, parent=parent, score=flip)
    if agree > 0:
        return Verdict(si, clause.text, "agrees", best["agree"][1], parent=parent)
    return Verdict(si, clause.text, "unaligned", parent=parent)
