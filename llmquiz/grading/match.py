"""Lexical matching of aliases against an answer: phrases, `a & b` parts, typos, compounds.

An alias phrase matches a run of answer tokens when each alias word equals an answer word after
normalisation (same stem, a typo within the length-scaled budget, a stem-fragment prefix such as
"saturat"), skipping determiners; "pre training" matches "pretraining" and "key value" matches
"key-value" or "keyvalue". Numbers must be equal: "8" never matches "9".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from llmquiz.grading import lexicon
from llmquiz.grading.parse import SKIPPABLE, Sentence, Tok, is_function
from llmquiz.grading.text import close, fold, has_digit, raw_words, rounds_to, stem


@dataclass(frozen=True)
class Word:
    """One alias word: stem and surface form."""

    stem: str
    surface: str


Phrase = tuple[Word, ...]


@dataclass(frozen=True)
class Alias:
    """A compiled alias: every part must occur in one sentence."""

    text: str
    parts: tuple[Phrase, ...]


@dataclass(frozen=True)
class Hit:
    """Where an alias matched: the sentence, and the token positions of each part."""

    alias: str
    sentence: int
    positions: tuple[int, ...]


# After a one-letter word, these make it a symbol rather than the article: "A is zero", "a = 0".
_AFTER_SYMBOL = lexicon.AUXILIARIES | lexicon.RELATION_SYMBOLS | {"and", "or", "times", "dot", "matrix"}


def _kept(ws: list[str], i: int) -> bool:
    """Whether word `i` counts in matching: determiners do not, unless "a" names a symbol ("A is zero")."""
    w = ws[i]
    if w not in SKIPPABLE:
        return True
    if w != "a":
        return False
    nxt = ws[i + 1] if i + 1 < len(ws) else ""
    return nxt == "" or nxt in _AFTER_SYMBOL or (len(nxt) == 1 and nxt.isalpha())


def _phrase(text: str) -> Phrase:
    from llmquiz.grading.text import _merge_prefixes  # same prefix joining as answers get

    ws = _merge_prefixes(raw_words(fold(text)))
    return tuple(Word(stem(w), w) for i, w in enumerate(ws) if _kept(ws, i))


@lru_cache(maxsize=16384)
def compile_alias(text: str) -> Alias | None:
    """Compile an alias (`"variance & d_k"` -> two phrases); None when it holds no word."""
    parts = tuple(p for p in (_phrase(part) for part in text.split("&")) if p)
    return Alias(text, parts) if parts else None


@lru_cache(maxsize=262144)
def same_word(alias_stem: str, answer_stem: str) -> bool:
    """True when an answer word states an alias word (stem, stem fragment or a small typo)."""
    if alias_stem == answer_stem:
        return True
    if has_digit(alias_stem) or has_digit(answer_stem):
        return rounds_to(alias_stem, answer_stem)
    if answer_stem in lexicon.opposites().get(alias_stem, ()):
        return False
    # An alias written as a stem fragment ("saturat", "hallucinat") covers every longer form.
    if len(alias_stem) >= 5 and answer_stem.startswith(alias_stem) and len(answer_stem) - len(alias_stem) <= 5:
        return True
    return close(alias_stem, answer_stem)


def _content(toks: list[Tok]) -> list[tuple[int, Tok]]:
    surfaces = [t.surface for t in toks]
    return [(i, t) for i, t in enumerate(toks) if _kept(surfaces, i)]


def _match_at(phrase: Phrase, toks: list[tuple[int, Tok]], start: int, exact: bool = False) -> list[int] | None:
    """Match `phrase` at `toks[start]`; returns the token positions used, or None."""
    used: list[int] = []
    j = 0  # alias word
    i = start  # answer token
    skipped = 0
    while j < len(phrase):
        if i >= len(toks):
            return None
        word = phrase[j]
        pos, tok = toks[i]
        if word.stem == tok.stem if exact else same_word(word.stem, tok.stem):
            used.append(pos)
            i, j = i + 1, j + 1
            continue
        # "key value" in the alias, "keyvalue" in the answer, or the other way round.
        if j + 1 < len(phrase) and stem(word.surface + phrase[j + 1].surface) == tok.stem:
            used.append(pos)
            i, j = i + 1, j + 2
            continue
        if i + 1 < len(toks) and stem(tok.surface + toks[i + 1][1].surface) == word.stem:
            used += [pos, toks[i + 1][0]]
            i, j = i + 2, j + 1
            continue
        # A filler word inside the phrase ("dot products get much larger"), at most two.
        if j > 0 and skipped < 2 and tok.function and tok.surface not in lexicon.NEGATIONS:
            skipped += 1
            i += 1
            continue
        return None
    return used


def find_phrase(phrase: Phrase, toks: list[Tok], exact: bool = False) -> list[int] | None:
    """Token positions of the first occurrence of `phrase` in `toks`, or None.

    `exact`: every word must have the same stem (no typo, no stem fragment), for misconception aliases,
    where a near miss ("lowe" for "lower") would accuse a correct answer.
    """
    content = _content(toks)
    first = phrase[0].stem
    for start, (_, tok) in enumerate(content):
        if not same_word(first, tok.stem) and not first.startswith(tok.stem[:2]):
            continue
        used = _match_at(phrase, content, start, exact)
        if used is not None:
            return used
    return None


def find_alias(alias: Alias, sentences: list[Sentence], allowed: set[int] | None = None,
               exact: bool = False) -> Hit | None:
    """The first sentence where every part of `alias` occurs (`exact`: see `find_phrase`), or None."""
    for si, sent in enumerate(sentences):
        if allowed is not None and si not in allowed:
            continue
        positions: list[int] = []
        for part in alias.parts:
            used = find_phrase(part, sent.toks, exact)
            if used is None:
                break
            positions += used
        else:
            return Hit(alias.text, si, tuple(positions))
    return None


def content_words(phrase_text: str) -> list[str]:
    """Content stems of a text, for term-share matching of derived key points."""
    return [stem(w) for w in raw_words(fold(phrase_text)) if not is_function(w)]


def term_share(terms: tuple[str, ...], sentence: Sentence) -> tuple[float, list[int]]:
    """Share of `terms` (stems) stated in one sentence, and the positions that stated them."""
    if not terms:
        return 0.0, []
    found = 0
    used: list[int] = []
    for term in terms:
        for i, tok in enumerate(sentence.toks):
            if not tok.function and same_word(term, tok.stem):
                found += 1
                used.append(i)
                break
    return found / len(terms), used
