"""Text normalisation for matching: symbols to words, sentences, tokens, stems and typo tolerance.

Everything the grader compares goes through `tokens`, so an answer and an alias are normalised the same
way: case, punctuation, math symbols and their spoken forms (`√`, "sqrt", "square root of"), plurals and
word endings, and hyphen or space variants ("pre-training", "pretraining", "pre training").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Work is capped so a pasted 100 kB answer grades as fast as a long real one.
MAX_CHARS = 6000

# Symbols and spoken forms folded to one word each, before tokenising. Order matters: longer first.
_SYMBOLS: tuple[tuple[str, str], ...] = (
    ("√", " sqrt "), ("∛", " cuberoot "), ("²", " squared "), ("³", " cubed "),
    ("≈", " approx "), ("≃", " approx "), ("~=", " approx "), ("∼", " approx "), ("~", " approx "),
    ("→", " leadsto "), ("⟶", " leadsto "), ("⇒", " leadsto "), ("=>", " leadsto "), ("->", " leadsto "),
    ("-->", " leadsto "), ("←", " from "), ("<-", " from "),
    ("≤", " atmost "), ("<=", " atmost "), ("≥", " atleast "), (">=", " atleast "),
    ("≠", " notequal "), ("!=", " notequal "), ("==", " equal "), ("=", " equal "),
    ("<", " lessthan "), (">", " greaterthan "), ("∝", " proportional "),
    ("∑", " sum "), ("Σ", " sum "), ("∏", " product "), ("Π", " product "), ("∞", " infinity "),
    ("∇", " gradient "), ("∂", " partial "), ("×", " times "), ("·", " dot "), ("⊙", " elementwise "),
    ("±", " plusminus "), ("…", " "), ("–", " - "), ("—", " - "), ("‐", "-"), ("−", "-"),
    ("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'),
    ("α", " alpha "), ("β", " beta "), ("γ", " gamma "), ("δ", " delta "), ("ε", " epsilon "),
    ("θ", " theta "), ("λ", " lambda "), ("μ", " mu "), ("π", " pi "), ("σ", " sigma "),
    ("τ", " tau "), ("η", " eta "), ("ϵ", " epsilon "), ("ω", " omega "), ("φ", " phi "),
)
_SYMBOL_RE = re.compile("|".join(re.escape(s) for s, _ in sorted(_SYMBOLS, key=lambda p: -len(p[0]))))
_SYMBOL_MAP = dict(_SYMBOLS)

# Spoken forms and ASCII spellings of the same symbols, folded after lower-casing.
_SPOKEN: tuple[tuple[str, str], ...] = (
    (r"\bsquare[- ]roots? of\b", " sqrt "), (r"\bsquare[- ]roots?\b", " sqrt "), (r"\broot of\b", " sqrt "),
    (r"\bsqrt\s*\(", " sqrt ("),
    (r"\*\*\s*2\b", " squared "), (r"\^\s*2\b", " squared "), (r"\bto the power of (2|two)\b", " squared "),
    (r"\bapproximately\b", " approx "), (r"\bapprox\.", " approx "), (r"\broughly\b", " approx "),
    (r"\bsummation\b", " sum "), (r"\bsum of\b", " sum "),
    (r"\bproportional to\b", " proportional "),
    (r"\bleads to\b", " leadsto "), (r"\bresults in\b", " leadsto "),
    (r"\bless than or equal to\b", " atmost "), (r"\bgreater than or equal to\b", " atleast "),
    (r"\bless than\b", " lessthan "), (r"\bsmaller than\b", " lessthan "),
    (r"\bgreater than\b", " greaterthan "), (r"\bbigger than\b", " greaterthan "),
    (r"\bequals?\b", " equal "), (r"\bis equal to\b", " equal "),
    (r"\bcan ?not\b", " can not "), (r"\bwon't\b", " will not "), (r"\bcan't\b", " can not "),
    (r"n't\b", " not "),
    # The apostrophe is often left out when typing fast: "doesnt", "dont", "cant".
    (r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should|must)nt\b", r" \1 not "),
    (r"\bcant\b", " can not "), (r"\bwont\b", " will not "),
    # ... and "doesn't" is often misspelled.
    (r"\b(?:dosent|dosnt|doesent|doenst|doesnot)\b", " does not "),
    (r"\bi\.e\.", " ie "), (r"\be\.g\.", " eg "), (r"\betc\.", " etc "), (r"\bvs\.", " vs "),
    (r"\bminus infinity\b", " - infinity "), (r"\binf\b", " infinity "),
)
_SPOKEN_RE = [(re.compile(p), r) for p, r in _SPOKEN]

_NUMBER_WORDS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                 "eight": "8", "nine": "9", "ten": "10", "twice": "2x", "half": "0.5", "zero": "0"}

# Tokens: numbers (with decimals, exponents, units glued on like "2x" or "70b") or words.
_TOKEN = re.compile(r"\d+(?:\.\d+)?(?:e-?\d+)?[a-z%]*|[a-z]+(?:'[a-z]+)?")
# Sentence ends: . ! ? ; or newline, but not a decimal point.
_SENTENCE_END = re.compile(r"(?<!\d)[.!?;]+(?=\s|$)|(?<=\d)[.!?;]+(?=\s+[A-Z(\"']|$)|\n+|(?<=[a-z)])[;]")
# Clause breaks inside a sentence, where negation and direction are scoped.
_CLAUSE_BREAK = re.compile(
    r",\s*(?=(?:and|but|so|while|whereas|which|because|since|although|though|then|or)\b)"
    r"|\b(?:but|whereas|while|although|though|however|because|so that)\b|[:;]"
    r"|,\s*(?=[a-z]+ (?:is|are|makes?|does)\b)",
)

# Prefixes written as a word, a hyphen or nothing: "pre training" = "pre-training" = "pretraining".
_PREFIXES = frozenset(("pre", "post", "multi", "self", "non", "sub", "cross", "fine", "auto", "bi",
                       "semi", "mis", "un", "inter", "intra", "hyper", "meta", "mini", "micro", "macro"))
# Quantities that are prefixes of one word only: "few shot" is "few-shot", "few updates" stays two words.
_PREFIX_OF = {"few": ("shot", "shots")}
# A hyphen between letters joins the parts: "in-context" = "incontext", "top-k" = "topk".
_HYPHEN = re.compile(r"(?<=[a-z])-(?=[a-z])")


def fold(text: str) -> str:
    """Lower-case, fold Unicode and replace symbols and their spoken forms with one word each.

    Example:
        >>> fold("Scale by √d_k ≈ 8")
        'scale by  sqrt d_k  approx  8'
    """
    # Symbols first: NFKC would turn "²" into a plain "2".
    text = _SYMBOL_RE.sub(lambda m: _SYMBOL_MAP[m.group(0)], text[:MAX_CHARS])
    text = unicodedata.normalize("NFKC", text)
    text = text.lower()
    for pattern, repl in _SPOKEN_RE:
        text = pattern.sub(repl, text)
    text = _HYPHEN.sub("", text)
    # Accents dropped so "naïve" matches "naive"; other scripts are kept as they are.
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return text


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Fold plurals and common endings: "saturates", "saturating", "saturation" -> "saturat".

    Deliberately aggressive (prefix-like stems); words with digits are left alone.

    Example:
        >>> stem("gradients"), stem("saturation"), stem("retrieval")
        ('gradient', 'saturat', 'retriev')
    """
    w = word.replace("'", "")
    if w in _IRREGULAR_STEMS:
        return _IRREGULAR_STEMS[w]
    if len(w) <= 3 or any(c.isdigit() for c in w):
        return w
    for suffix, repl, keep in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= keep:
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) >= 4 and w[-1] == w[-2] and w[-1] in "bdgmnprt":  # running -> runn -> run
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("y") and w[-2] not in "aeiou":
        w = w[:-1] + "i"
    return w


_IRREGULAR_STEMS = {"use": "us", "uses": "us", "used": "us", "using": "us", "data": "data",
                    "was": "was", "has": "has", "does": "does", "less": "less", "this": "this"}

# (suffix, replacement, minimum stem length), first match wins.
_SUFFIXES: tuple[tuple[str, str, int], ...] = (
    ("izations", "iz", 3), ("isations", "iz", 3), ("ization", "iz", 3), ("isation", "iz", 3),
    ("ational", "at", 3), ("ations", "at", 3), ("ation", "at", 3), ("atively", "at", 3),
    ("ative", "at", 3), ("ately", "at", 3), ("ating", "at", 3), ("ated", "at", 3), ("ates", "at", 3),
    ("ator", "at", 3), ("ators", "at", 3),
    ("izing", "iz", 3), ("ising", "iz", 3), ("ized", "iz", 3), ("ised", "iz", 3), ("izes", "iz", 3),
    ("ises", "iz", 4), ("izer", "iz", 3), ("iser", "iz", 3), ("izers", "iz", 3), ("ize", "iz", 3),
    ("ise", "iz", 4),
    ("fulness", "", 3), ("iveness", "", 3), ("ness", "", 3), ("ments", "", 5), ("ment", "", 5),
    ("ities", "", 4), ("ity", "", 4), ("ically", "ic", 3), ("ical", "ic", 3), ("ively", "", 3),
    ("ive", "", 4), ("ably", "", 4), ("ibly", "", 4), ("able", "", 4), ("ible", "", 4), ("ingly", "", 3),
    ("ings", "", 3), ("ing", "", 3), ("edly", "", 3),
    ("ied", "i", 2), ("ies", "i", 2), ("sses", "ss", 2), ("ches", "ch", 2), ("shes", "sh", 2),
    ("xes", "x", 2), ("zes", "z", 3), ("eed", "eed", 1), ("ed", "", 2), ("ly", "", 4), ("als", "", 5), ("al", "", 5),
    ("ss", "ss", 2), ("ias", "ias", 1), ("us", "us", 2), ("is", "is", 2), ("es", "e", 3), ("s", "", 3),
)


@dataclass(frozen=True)
class Token:
    """One normalised word: its stem, its surface form, and where in the text it was."""

    stem: str
    surface: str
    index: int  # position among the text's tokens


def written_numbers(text: str) -> set[str]:
    """The numbers `text` writes in digits ("10%", "4096"), not those it spells out ("two", "half")."""
    return {w for w in _TOKEN.findall(fold(text)) if has_digit(w)}


def raw_words(folded: str) -> list[str]:
    """Words and numbers of already folded text, number words turned into digits."""
    return [_NUMBER_WORDS.get(w, w) for w in _TOKEN.findall(folded)]


def _merge_prefixes(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if (w in _PREFIXES and nxt.isalpha() and len(nxt) > 2) or nxt in _PREFIX_OF.get(w, ()):
            out.append(w + words[i + 1])
            i += 2
            continue
        out.append(w)
        i += 1
    return out


def words(text: str) -> list[str]:
    """Surface words of `text` after folding, with written-apart prefixes joined ("pre training")."""
    return _merge_prefixes(raw_words(fold(text)))


def stems(text: str) -> list[str]:
    """The stems of `text`, in order.

    Example:
        >>> stems("Pre-training LLMs")
        ['pretrain', 'llm']
    """
    return [stem(w) for w in words(text)]


_ABBREVIATION = re.compile(r"\b(e\.g|i\.e|etc|vs|approx|cf|resp|incl|esp)\.", re.IGNORECASE)


def _sentences_folded(text: str) -> list[str]:
    text = _ABBREVIATION.sub(lambda m: m.group(1).replace(".", ""), text[:MAX_CHARS])
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p and _TOKEN.search(p.lower())]


def sentences(text: str, limit: int = 64) -> list[str]:
    """Split `text` into sentences (at most `limit`), keeping decimals such as 0.5 intact.

    Example:
        >>> sentences("Use T=0.2 for code. Higher T is more random!")
        ['Use T=0.2 for code', 'Higher T is more random']
    """
    return _sentences_folded(text)[:limit]


def clauses(sentence: str) -> list[str]:
    """Split a sentence into clauses: the scope of a negation or a direction word."""
    parts = [p.strip(" ,") for p in _CLAUSE_BREAK.split(sentence)]
    return [p for p in parts if p and _TOKEN.search(p.lower())]


def has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)


_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?([a-z%]*)")
ROUNDING = 0.05  # a rounded number stays within this share of the exact one: "47B" for 46.7B, not "2x" for 1.5x


def rounds_to(exact: str, said: str) -> bool:
    """Whether the number `said` is `exact` rounded to fewer decimals, with the same unit ("13b", "12.9b").

    Example:
        >>> rounds_to("46.7b", "47b"), rounds_to("12.9b", "13b"), rounds_to("1.5x", "2x"), rounds_to("8", "9")
        (True, True, False, False)
    """
    from decimal import ROUND_HALF_UP, Decimal

    e, s = _NUMBER.fullmatch(exact), _NUMBER.fullmatch(said)
    if not e or not s or e.group(3) != s.group(3):
        return False
    places = len(s.group(2) or "")
    if len(e.group(2) or "") <= places:
        return False
    x = Decimal(f"{e.group(1)}.{e.group(2)}")
    y = Decimal(f"{s.group(1)}.{s.group(2)}" if s.group(2) else s.group(1))
    rounded = x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return rounded == y and abs(y - x) <= Decimal(str(ROUNDING)) * x


def max_typos(word: str) -> int:
    """Edits tolerated for a word of this length: none for short words and never for numbers."""
    if has_digit(word) or len(word) <= 4:
        return 0
    return 1 if len(word) <= 7 else 2


@lru_cache(maxsize=131072)
def close(a: str, b: str) -> bool:
    """True when `b` is `a` with a small typo (Damerau-Levenshtein, scaled to length, same first letter).

    Example:
        >>> close("gradient", "gradeint"), close("8", "9"), close("encoder", "decoder")
        (True, False, False)
    """
    if a == b:
        return True
    k = min(max_typos(a), max_typos(b))
    if k == 0 or a[0] != b[0] or abs(len(a) - len(b)) > k:
        return False
    return _damerau(a, b, k) <= k


def _damerau(a: str, b: str, k: int) -> int:
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > k:
            return k + 1
        prev2, prev = prev, cur
    return prev[-1]


# A figure as written: digits not glued to a word or a figure before them ("GPT-4", "FP16" are names;
# "3,072" is one number; "384-3,072" and "C/120" hold two), with an optional scale or unit letter after
# ("16M", "128K", "7B").
_FIGURE = re.compile(r"(?<![A-Za-z0-9_.,])(?<![A-Za-z]-)(\d+(?:,\d{3})*(?:\.\d+)?)([A-Za-z%]{0,2})(?![A-Za-z0-9])")
_TIMES = re.compile(r"(\d)\s*[x×]\s*(?=\d)")  # "1024x1024" is two figures
_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def numbers_in(text: str) -> set[str]:
    """The figures written in `text`, normalised ("4,096" -> "4096", "16M" -> "16m")."""
    text = _TIMES.sub(r"\1 x ", text)
    return {(m.group(1).replace(",", "") + m.group(2)).lower() for m in _FIGURE.finditer(text)}


def _values(figure: str) -> list[tuple[float, float]]:
    """A figure's possible values, its scale letter applied ("4k": 4,000 or 4,096; a unit letter is
    ignored), each with half a unit of its last written digit at that scale (how far a rounding of it
    may be off)."""
    m = re.match(r"(\d+)(?:\.(\d+))?([a-z%]*)$", figure)
    if not m:
        return []
    number = float(f"{m.group(1)}.{m.group(2) or 0}")
    half = 0.5 * 10.0 ** -len(m.group(2) or "")
    letter = m.group(3)[:1]
    # K and M are binary as often as decimal (a "4K" context is 4,096 tokens); B and T never are.
    scales = (_SCALE[letter], 2.0 ** (10 * " km".index(letter))) if letter in "km" and letter else \
        (_SCALE.get(letter, 1.0),)
    return [(number * sc, half * sc) for sc in scales]


def stray_numbers(text: str, known: set[str]) -> set[str]:
    """Figures in `text` that are none of `known`: not the same figure, nor the same number without its
    unit, nor a rounding of a known value or a known value's rounding within 5% ("4K" or "4.1K" for 4,096,
    "13B" for 12.9B; not "46.2B" for 46.7B, nor "1.25" for a "1")."""
    bare = {re.sub(r"[a-z%]+$", "", k) for k in known}
    values = [vh for k in known for vh in _values(k)]
    out = set()
    for n in numbers_in(text):
        if n in known or re.sub(r"[a-z%]+$", "", n) in bare:
            continue
        if any(abs(v - w) <= min(max(half, h) * 1.0001, 0.05 * max(v, w)) for v, half in _values(n) for w, h in values):
            continue
        out.add(n)
    return out
