"""The keyword-salad check: a sentence that names terms without relating them earns nothing for them.

"variance sqrt d_k softmax gradients" names the right terms but states nothing. Real sentences, even
terse ones, hold structural words (determiners, prepositions, auxiliaries, pronouns, conjunctions) or
relation symbols (`->`, `=`, `<`); a list of terms has almost none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from llmquiz.grading import lexicon
from llmquiz.grading.text import fold, sentences

# Hyphenated compounds count as one term: "chain-of-thought" is a noun, not a phrase with "of".
_SALAD_TOKEN = re.compile(r"[a-z0-9@%.]+(?:-[a-z0-9@%.]+)*")

# Words that give a sentence structure. Adverbs and comparatives ("least", "very") do not: they fit
# inside a list of terms ("least privilege").
_STRUCTURAL = (lexicon.FUNCTION_WORDS | lexicon.AUXILIARIES | lexicon.RELATION_WORDS) - frozenset(
    [
        "least", "most", "more", "less", "very", "just", "only", "even", "still", "already", "again", "much",
        "many", "few", "fewer", "lot", "lots", "quite", "really", "basically", "actually", "simply", "mainly",
        "mostly", "often", "usually", "always", "sometimes", "also", "too", "vs", "versus", "ie", "eg", "etc",
        "no"
    ]
)

MIN_TERMS = 4  # shorter lists ("HumanEval, MBPP") are examples, not salad
MAX_STRUCTURE = 0.15  # structural words per content term below which a sentence is a list
BAG_RUN = 6  # this many bare terms in a row with nothing at all relating them is a bag of words
MAX_RUN = 7  # ... and this many is one even inside a sentence with a verb ("is system prompt ignore ...")
MIN_ITEMS = 6  # a comma list this long of bare items is a list of terms, unless a list was asked for
LIST_SHARE = 0.75  # share of a comma list's items that are bare terms
BARE_ITEM = 4  # words at most in a bare item
_ANNOTATED = re.compile(r"[():;=→<>]|->")

# Commas, brackets, colons and "+", "&", "x", "vs" end a run of terms.
_PIECE = re.compile(r"[a-z0-9@%.]+(?:-[a-z0-9@%.]+)*|[,()\[\]:;/+&~|]")
_BREAKS = frozenset(
    ",()[]:;/+&~|"
) | frozenset(["x", "vs", "versus", "plus", "minus", "times", "over", "per", "dot"])

# Questions that ask for a list: a comma-separated list of the right items answers them.
_ENUMERATION = re.compile(
    r"\b(name|list|enumerate)\b|\bdo you know\b|\bwhat (are|were) (the )?(\w+ ){0,3}"
    r"(components|parts|types|kinds|variants|methods|techniques|alternatives|options|approaches|"
    r"strategies|mitigations|metrics|steps|stages|ways|families|categories|examples|signals|causes|"
    r"reasons|elements|sources|benefits|advantages|disadvantages|limitations|drawbacks|tools|patterns|"
    r"properties|characteristics|operations|features)\b|\bwhat (variants|methods|techniques|kinds|types)\b",
    re.IGNORECASE,
)


# A second demand beside the list ("... and what each one teaches", "... and why it matters"): a bare
# list answers only half of such a question.
_EXPLAIN = re.compile(r"\b(each|why|how|when|what is|what does|explain|describe|compare)\b", re.IGNORECASE)


def is_enumeration(question: str) -> bool:
    """True when `question` asks for a list of things and nothing more ("What are the main PEFT methods?")."""
    return bool(_ENUMERATION.search(question or "")) and not _EXPLAIN.search(question or "")


@lru_cache(maxsize=1)
def _verb_forms() -> tuple[frozenset[str], frozenset[str]]:
    # (-s forms, unambiguous forms). An -s form is as often a plural noun ("tests"), so it counts
    # half; base forms ("cost", "test") are as often nouns and do not count; -ing neither.
    plural_like: set[str] = set()
    strong: set[str] = set(lexicon.IRREGULAR_VERBS)
    for base in lexicon.verb_base_forms():
        plural_like.update({base + "s", base + "es"})
        strong.update({base + "d", base + "ed"})
        if base.endswith("y"):
            plural_like.add(base[:-1] + "ies")
            strong.add(base[:-1] + "ied")
        if len(base) > 2 and base[-1] not in "aeiouwxy" and base[-2] in "aeiou" and base[-3] not in "aeiou":
            strong.add(base + base[-1] + "ed")  # stop -> stopped
    return frozenset(plural_like - strong), frozenset(strong)


@dataclass(frozen=True)
class Stats:
    """What the salad check counts in a piece of text."""

    content: int  # terms
    structure: float  # structural words and verb forms (an -s form counts half)
    strict: int  # structural words that only grammar puts there ("of", "the", "is", "because")
    verbs: float  # verb forms outside those
    relations: int  # relation symbols
    longest: int  # longest run of bare terms
    items: int  # top-level comma-separated items


_QUANTIFIERS = frozenset([
    "same", "each", "every", "all", "some", "any", "other", "another", "such", "own", "both", "either",
    "neither"
])


@lru_cache(maxsize=1)
def _base_forms() -> frozenset[str]:
    return frozenset(lexicon.verb_base_forms())


def salad_stats(sentence: str) -> Stats:
    """Count terms, structure, relations, runs of bare terms and list items in `sentence`."""
    s_forms, strong = _verb_forms()
    bases = _base_forms()
    content = relations = run = longest = depth = strict = 0
    structure = verbs = 0.0
    items = 1
    for piece in _PIECE.findall(fold(sentence[:2000])):  # a pasted wall of text is judged on its start
        t = piece.strip(".")
        if not t:
            continue
        if t in lexicon.RELATION_SYMBOLS:
            relations += 1
            run = 0
        elif t in _STRUCTURAL or t in strong:
            structure += 1
            if t in _STRUCTURAL and t not in _QUANTIFIERS:
                strict += 1
            else:
                verbs += 0.5 * t.endswith("ed")
            run = 0
        elif t in _BREAKS:
            run = 0
            depth += (t in "([") - (t in ")]")
            items += t == "," and depth <= 0
        elif t in lexicon.FUNCTION_WORDS:
            continue  # adverbs and comparatives: neither a term nor structure
        else:
            content += 1
            if t in s_forms:
                structure += 0.5
                verbs += 0.5
            if t in s_forms or t in bases:
                run = 0  # a verb relates the terms around it, even when it could be a noun
                continue
            run += 1
            longest = max(longest, run)
    return Stats(content, structure, strict, verbs, relations, longest, items)


@lru_cache(maxsize=8192)
def is_salad(sentence: str, enumeration: bool = False) -> bool:
    """True when `sentence` lists terms without relating them.

    `enumeration` says the question asks for a list, so a comma-separated list of items is an answer.
    Terse notes ("small budget limits drift; adapter per task") are not salad: only long runs of bare
    terms and long comma lists of bare items are.

    Example:
        >>> is_salad("variance sqrt d_k softmax gradients")
        True
        >>> is_salad("Variance grows with d_k, so the softmax saturates.")
        False
    """
    st = salad_stats(sentence)
    if st.content < MIN_TERMS:
        return False
    if st.longest >= MAX_RUN or (st.longest >= BAG_RUN and st.structure < 1 and not st.relations):
        return True
    if enumeration:
        return False
    if st.items >= MIN_ITEMS and st.structure / st.content < MAX_STRUCTURE and not st.relations:
        return True
    # Terse notes annotate their items ("latency (cache, batch)", "stage: what it does", "a -> b"); a
    # plain comma list does not.
    if _ANNOTATED.search(sentence):
        return False
    # A comma list whose items are mostly bare terms ("chain of thought, pass@k, exact match, ...") is
    # a list even when an item holds an "of" or a short clause.
    items, bare, head = bare_items(sentence)
    return head and bare >= MIN_ITEMS - 1 and bare >= LIST_SHARE * items


def bare_items(sentence: str) -> tuple[int, int, bool]:
    """(items, bare items, first item bare) of a comma list: a bare item is a short term with no verb.

    A list after a head clause ("The challenges are bias, leaks, ...") is a sentence, not a bag of terms.
    """
    s_forms, strong = _verb_forms()
    pieces = re.split(r",|\band\b(?=[^,]*$)", fold(sentence[:2000]).rstrip(". "))
    items = bare = 0
    head = False
    for piece in pieces:
        ws = [w.strip(".") for w in _SALAD_TOKEN.findall(piece)]
        ws = [w for w in ws if w]
        if not any(w not in lexicon.FUNCTION_WORDS and any(c.isalpha() for c in w) for w in ws):
            continue  # "then 0.85" lists numbers, not terms
        verb = any(w in strong or w in lexicon.AUXILIARIES or w in s_forms for w in ws)
        is_bare = len(ws) <= BARE_ITEM and not verb
        head = head if items else is_bare
        items += 1
        bare += is_bare
    return items, bare, head


def is_bare(text: str, enumeration: bool = False) -> bool:
    """True when a whole short answer is terms with nothing relating them: "thought action observation"."""
    if len(text) > 400 or len(sentences(text)) != 1 or any(c in text for c in ",;:()"):
        return False
    st = salad_stats(text)
    if st.relations or st.strict > 0.2 * st.content or st.verbs >= 1 or (st.strict and st.verbs) \
            or not 3 <= st.content <= 12:
        return False
    return not (enumeration and st.items >= 3)


def _fragment(sentence: str) -> bool:
    """A sentence that is a bare term or two ("Caching.", "Confidence scores."): no structure, no verb,
    and not an instruction ("Cache prompts.", whose first word is a verb)."""
    st = salad_stats(sentence)
    words = _SALAD_TOKEN.findall(fold(sentence))
    instruction = len(words) > 1 and words[0] in _base_forms()
    return 1 <= st.content <= BARE_ITEM and not (st.strict or st.verbs >= 1 or st.relations or instruction) \
        and st.items == 1 and not _ANNOTATED.search(sentence)


def fragment_runs(texts: list[str], enumeration: bool = False) -> set[int]:
    """Indices of sentences in runs of MIN_ITEMS - 1 or more bare fragments: "Latency. Caching. nprobe.
    Re-ranker. Streaming." is a list of terms written with full stops (or semicolons), which the
    sentence-by-sentence check cannot see. A list answers an enumeration question."""
    if enumeration:
        return set()
    out: set[int] = set()
    run: list[int] = []
    for i, text in enumerate([*texts, ""]):
        if text and _fragment(text):
            run.append(i)
            continue
        if len(run) >= MIN_ITEMS - 1:
            out.update(run)
        run = []
    return out
