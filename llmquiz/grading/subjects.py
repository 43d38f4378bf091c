"""Swapped subjects: what the model answer says of one thing, said of another.

"An LLM estimates P(word | previous n-1 words) from counts" against a model answer where an n-gram
model does that and an LLM learns dense representations. Every word of the predicate agrees, so a
clause-by-clause check that looks for negations and opposite words sees nothing; the reversal is in
whose predicate it is. The check is deliberately narrow, because paraphrases move words around freely:

- both clauses open on a named subject (a noun after a determiner, or a term such as "GPT-2");
- the answer's subject is the subject of another clause of the model answer;
- the predicate (the clause without its subject) fits the other clause closely, starts with the words
  that follow that clause's subject, and fits it clearly better than anything said of its own subject;
- neither subject appears where the other is used (a clause naming both compares, it does not swap).

A second check works by sentence, for the things the question asks about ("hyperparameter and learned
parameter", "encoder-only, decoder-only"): an answer sentence about one of them that says what the
model answer says only of another (`swapped_terms`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmquiz.grading.match import same_word
from llmquiz.grading.text import stems

if TYPE_CHECKING:
    from llmquiz.grading.contradiction import RefClause

SHARED = 3  # predicate words the answer clause shares with the clause it moved from
ALIGN = 0.45  # ... and their cosine-style alignment
MARGIN = 0.15  # how much better the predicate fits there than anywhere under its own subject
LEAD = 2  # the predicate's first words, one of which must follow the other subject ("sets", "estimates")
FOLLOW = 3  # ... within this many content words

_DETERMINERS = frozenset(("a", "an", "the", "its", "their", "this", "these", "those"))
_COPULAS = frozenset(("is", "are", "was", "were", "has", "have"))  # "Hyperparameters are ...": a subject
_OPENERS = frozenset(("and", "while", "whereas", "but", "so"))  # joiners a clause may start with
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'@\-]*")  # "recall@k" is one name


def subject(text: str) -> tuple[str, str]:
    """(stem, word) of the named thing a clause opens on, or ("", "") when it opens otherwise.

    Named: a word after a determiner ("the input holds"), or a term written as one ("GPT-2", "LLaMA",
    "n-gram"). A verb opening an instruction ("Cache K and V") or a number is not a subject.

    Example:
        >>> subject("and the system message sets the role")
        ('system', 'system')
    """
    from llmquiz.grading.parse import is_function

    ws = _WORD.findall(text)
    for i, w in enumerate(ws[:4]):
        low = w.lower()
        if low in _DETERMINERS or (i == 0 and low in _OPENERS):
            continue
        if is_function(low) or w[0].isdigit():
            return "", ""
        named = (i > 0 and ws[i - 1].lower() in _DETERMINERS) or "-" in w or "@" in w or any(c.isdigit() for c in w) \
            or sum(c.isupper() for c in w) > 1 or (i + 1 < len(ws) and ws[i + 1].lower() in _COPULAS)
        st = stems(w)  # "GPT-2" is two stems; the first names it
        return (st[0], w) if named and st else ("", "")
    return "", ""


def moved(text: str, content: Sequence[str], parent: str, refs: Sequence[RefClause],
          align: Callable[[tuple[str, ...], tuple[str, ...]], tuple[int, float]],
          inherited: tuple[str, str] | None = None) -> tuple[RefClause, str, float] | None:
    """The model-answer clause whose predicate the answer clause gives to another subject, why, and how
    closely the predicates align.

    `align(a, r)` returns the content words two clauses share and their alignment (0-1). `inherited` is
    the subject of a segment that does not name its own ("GPT is encoder-only, trained with MLM").
    """
    head, word = inherited or subject(text)
    if not head:
        return None
    own = [r for r in refs if r.subject[0] == head]
    if not own:
        return None
    body = _without(content, word)
    best: tuple[float, int, RefClause] | None = None
    for r in refs:
        shared, score = align(body, _without(r.content, r.subject[1]))
        if best is None or score > best[0]:
            best = (score, shared, r)
    if best is None:
        return None
    score, shared, r = best
    other, other_word = r.subject
    if not other or other == head or shared < SHARED or score < ALIGN:
        return None
    # The predicate starts where the other subject's predicate starts ("sets the role"), so the answer
    # did not just reuse a few of its words in a different statement.
    # A segment whose subject is its clause's starts its predicate at its first word.
    at = -1 if r.inherited else r.content.index(other) if other in r.content else None
    follows = _without(r.content[at + 1: at + 1 + FOLLOW + 1], other_word)[:FOLLOW] if at is not None else ()
    if not any(same_word(x, y) for x in body[:LEAD] for y in follows):
        return None
    # A clause or sentence that names both things compares them; it does not swap them.
    if any(same_word(head, y) for y in r.sentence) or any(same_word(other, y) for y in stems(parent or text)):
        return None
    fits_own = max(align(body, _without(o.content, word))[1] for o in own)
    if fits_own > score - MARGIN:
        return None
    return r, f"'{word}' where the model answer says '{other_word}'", score


def _without(content: Sequence[str], word: str) -> tuple[str, ...]:
    """`content` without the stems of its subject `word`: the predicate."""
    skip = set(stems(word)) if word else set()
    return tuple(s for s in content if s not in skip)


MIN_OTHER = 3  # words only the other term's sentences use, that an answer sentence must state
OTHER_SHARE = 0.4  # ... making up at least this share of its words
_GLOSS = re.compile(r"([A-Za-z][\w\-]*)\s*\(([^)]*)\)")  # "autoregressive (GPT-style)"


@dataclass(frozen=True)
class Term:
    """A thing the question asks about and the model answer makes statements of."""

    word: str  # as the model answer writes it
    sentences: tuple[frozenset[str], ...]  # content stems of each model-answer sentence about it


def terms(refs: Sequence[RefClause], question: str) -> dict[str, Term]:
    """The question's terms that are subjects of model-answer clauses, by stem, with their sentences.

    A sentence is about a term when it names it or one of its clauses has it as subject ("...; they
    power chat assistants"). A term the question glosses in brackets ("autoregressive (GPT-style)") is
    one thing: the gloss is not a second term.
    """
    asked = set(stems(question))
    for name, gloss in _GLOSS.findall(question):
        asked -= set(stems(gloss)) - set(stems(name))
    words: dict[frozenset[str], set[str]] = {}
    about: dict[frozenset[str], set[str]] = {}
    named: dict[str, str] = {}
    for r in refs:
        words.setdefault(r.sentence, set()).update(r.content)
        about.setdefault(r.sentence, set()).add(r.subject[0])
        if r.subject[0] and not r.inherited and any(same_word(r.subject[0], q) for q in asked):
            named.setdefault(*r.subject)
    out: dict[str, Term] = {}
    for st, word in named.items():
        sents = tuple(frozenset(ws | {st}) for key, ws in words.items()
                      if st in about[key] or any(same_word(st, x) for x in key))
        if sents:
            out[st] = Term(word, sents)
    return out


def swapped_terms(sentence: Sequence[str], known: dict[str, Term]) -> str:
    """Why an answer sentence (its content stems) says of one term what the model answer says only of
    another, or "".

    The sentence names one term and no other. Its words are compared with the words that only the
    model-answer sentences about each term use (sentences naming both are left out): it swaps the terms
    when it states at least MIN_OTHER of the other term's words, three times as many as of its own
    (counted from one), making up OTHER_SHARE of what it says. "Hyperparameters are the attention
    matrices and embeddings, set by gradient descent" against a model answer that says that of learned
    parameters.
    """
    said = set(sentence)
    named = [t for t in known if any(same_word(t, x) for x in said)]
    if len(named) != 1:  # several terms: a list or a comparison, not a swap
        return ""
    x = named[0]
    rest = said - set(known)
    for y in known:
        if y == x:
            continue
        only_x = [s for s in known[x].sentences if not any(same_word(y, w) for w in s)]
        only_y = [s for s in known[y].sentences if not any(same_word(x, w) for w in s)]
        if not only_x or not only_y:
            continue
        cx, cy = set().union(*only_x) - set(known), set().union(*only_y) - set(known)
        # Exact words: a stem fragment ("layer" in "layernorm") would count for both sides.
        own, other = len(rest & (cx - cy)), len(rest & (cy - cx))
        if other >= MIN_OTHER * (own + 1) and other >= OTHER_SHARE * len(rest):
            return f"'{known[x].word}' given what the model answer says of '{known[y].word}'"
    return ""
