"""An answer read once into sentences, clauses and tokens, with the facts every check needs.

Parsing happens once per answer (and once per card for the model answer); the coverage, contradiction
and keyword-salad checks all read the same `Parsed` object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from llmquiz.grading import lexicon
from llmquiz.grading.text import clauses, sentences, stem, words

# Determiners dropped when matching phrases: "the label given the input" = "label given input".
SKIPPABLE = frozenset([
    "a", "an", "the", "its", "their", "his", "her", "our", "your", "my", "this", "these", "those", "some",
    "any"
])


@dataclass(frozen=True)
class Tok:
    """A word of the answer: its stem, its folded surface form, and whether it is a function word."""

    stem: str
    surface: str
    function: bool
    clause: int  # index of its clause within the sentence


@dataclass
class Clause:
    """The scope of a negation or a direction word: content stems and the negations in it."""

    text: str
    stems: list[str]
    content: list[str]
    negations: int
    sentence: int


@dataclass
class Sentence:
    """One sentence of an answer, its tokens, clauses, and whether it is a bare list of terms."""

    text: str
    toks: list[Tok]
    clauses: list[Clause]
    salad: bool = False
    content: int = 0  # number of content words


@dataclass
class Parsed:
    """An answer, read once."""

    text: str
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def content_words(self) -> int:
        return sum(s.content for s in self.sentences)

    def clauses(self) -> list[Clause]:
        return [c for s in self.sentences for c in s.clauses]


@lru_cache(maxsize=65536)
def is_function(word: str) -> bool:
    return word in lexicon.FUNCTION_WORDS or word in lexicon.RELATION_SYMBOLS


def is_content(word: str, stem_: str) -> bool:
    """A word that carries content; direction words count even when they are function words ("before")."""
    return not is_function(word) or stem_ in lexicon.sides()


def explicit_negation_count(surfaces: list[str]) -> int:
    """Negations spelled out ("not", "never", "without"); "no matter where" negates nothing."""
    return sum(1 for i in range(len(surfaces)) if is_negation(surfaces, i))


# "no more than two children" bounds a number, it denies nothing: it says "at most two".
_BOUNDS = frozenset(("more", "less", "fewer", "greater", "larger", "smaller", "bigger", "higher", "lower",
                     "longer", "shorter"))


def is_negation(surfaces: list[str], i: int) -> bool:
    """Whether `surfaces[i]` negates: "not", "never", "without", but not "no matter" or "no more than"."""
    w = surfaces[i]
    if w not in lexicon.NEGATIONS:
        return False
    after = surfaces[i + 1 : i + 3]
    if w == "no" and after[:1] == ["matter"]:
        return False
    return not (w in ("no", "not") and after[:1] and after[0] in _BOUNDS and after[1:] == ["than"])


def negation_count(surfaces: list[str], stems: list[str]) -> int:
    """Negation cues in a clause, explicit ("not", "without") and implicit ("prevents", "stops")."""
    return explicit_negation_count(surfaces) + sum(1 for s in stems if s in lexicon.IMPLICIT_NEGATIONS)


# Words that end a negation's reach inside a clause: "keeps the softmax from saturating so gradients
# stay healthy" negates the saturating, not the gradients.
_SCOPE_END = frozenset(("so", "and", "because", "since", "which", "then", "thus", "hence", "while", "but",
                        "therefore", "leadsto", "meaning", "whereas"))


def negated_stems(surfaces: list[str], stems: list[str], window: int | None = None) -> frozenset[str]:
    """Content stems within the reach of a negation cue ("not", "without", "prevents", "zero ...").

    Example:
        >>> ws = ["scaling", "keeps", "softmax", "from", "saturating", "so", "gradients", "stay", "healthy"]
        >>> sorted(negated_stems(ws, [stem(w) for w in ws]))
        ['saturat', 'softmax']
    """
    out: set[str] = set()
    live = False
    start = 0
    for i, (w, s) in enumerate(zip(surfaces, stems, strict=True)):
        if w in _SCOPE_END or (window is not None and i - start > window):
            live = False
        if w in _SCOPE_END:
            continue
        if is_negation(surfaces, i) or s in lexicon.IMPLICIT_NEGATIONS:
            live, start = True, i
        elif w in ("keeps", "keep", "kept", "keeping") and "from" in surfaces[i + 1 :]:
            # "keeps the model being trained from moving too far": the reach counts from "from".
            live, start = True, surfaces.index("from", i + 1)
        elif live and is_content(w, s):
            out.add(s)
    return frozenset(out)


def parse(text: str, *, max_sentences: int = 48) -> Parsed:
    """Split `text` into sentences and clauses of normalised tokens.

    Example:
        >>> p = parse("Scaling keeps softmax from saturating. variance, gradients")
        >>> [s.salad for s in p.sentences]
        [False, True]
    """
    from llmquiz.grading.salad import is_salad

    out = Parsed(text)
    for sent in sentences(text, limit=max_sentences):
        si = len(out.sentences)
        toks: list[Tok] = []
        cls: list[Clause] = []
        for ci, ctext in enumerate(clauses(sent)):
            ws = words(ctext)
            sts = [stem(w) for w in ws]
            for w, s in zip(ws, sts, strict=True):
                toks.append(Tok(s, w, is_function(w), ci))
            content = [s for w, s in zip(ws, sts, strict=True) if is_content(w, s)]
            cls.append(Clause(ctext, sts, content, negation_count(ws, sts), si))
        if not toks:
            continue
        sentence = Sentence(sent, toks, cls)
        sentence.content = sum(1 for t in toks if not t.function)
        sentence.salad = is_salad(sent)
        out.sentences.append(sentence)
    return out


def content_stems(text: str) -> list[str]:
    """The content words of `text` as stems, in order (function words left out)."""
    return [s for w in words(text) if is_content(w, s := stem(w))]
