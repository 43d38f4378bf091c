"""The default sentence encoder: hashed words and character n-grams, TF-IDF weighted, plus LSA.

It needs nothing downloaded. A text becomes three hashed bag-of-features vectors (content words,
content-word bigrams, and character 3-5-grams of each content word, which tolerate typos and word
endings), each TF-IDF weighted and normalised, then concatenated with an LSA projection (a truncated
SVD fitted on the decks' own text) that lets words which co-occur in the decks count as related.

Be honest about what it is: a lexical model with some topical smoothing. It scores "saturate" close to
"saturating", and "retrieval" close to "retrieved passages", but it cannot know that "cheap" means
"inexpensive" unless the decks say so. The pretrained MiniLM encoder is much better at paraphrase.

The fitted state (IDF and LSA components, about 4 MB) is cached under `cache_dir()/encoders/`, keyed on
a hash of the corpus and the settings; refitting on the shipped decks takes well under a second.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmquiz import outfile
from llmquiz.grading.encoders.blas import one_blas_thread

if TYPE_CHECKING:
    import numpy as np

VERSION = "1"  # bump when features or fitting change, so old cache files are not reused
BUCKETS = 1 << 13  # one hashed space for all blocks; a short answer has ~200 features, few collide
COMPONENTS = 128  # LSA dimensions (fewer when the corpus is small; the rest stay zero)
MAX_DOCS = 1000  # documents the fit reads at most (IDF and LSA barely change past this)
MAX_CHARS = 10_000  # characters of a text that count, so a pasted book encodes as fast as an answer
# Weights of the blocks in the final vector: word unigrams, word bigrams, character n-grams, LSA.
WEIGHTS = {"w": 1.0, "b": 0.25, "c": 1.5, "lsa": 1.5}
_NGRAMS = (3, 4, 5)
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each either else etc few for from further had
has have having he her here hers him his how i if in into is it its itself just let like may me might more
most much must my no nor not now of off on once only or other our ours out over own per same shall she
should so some such than that the their theirs them then there these they this those through thus to too
under until up upon us very via was we were what when where which while who whom whose why will with
would yet you your yours
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _fold(text: str) -> str:
    # Lowercase, strip accents, and keep a few symbols as words so "√d_k" and "sqrt(d_k)" meet.
    text = text.lower().replace("√", " sqrt ").replace("_", "")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _stem(word: str) -> str:
    # Only the regular plural: character n-grams already share stems like "saturat-".
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """The stemmed words of `text` that carry meaning (stopwords dropped)."""
    return [_stem(w) for w in _WORD.findall(_fold(text)) if w not in _STOPWORDS]


def _bucket(feature: str) -> int:
    """The feature's bucket plus one, negated for half the features (so 0 never occurs).

    crc32 is stable across processes (str hash is salted). The sign makes colliding features cancel on
    average instead of piling up.
    """
    h = zlib.crc32(feature.encode())
    slot = (h & (BUCKETS - 1)) + 1
    return slot if h & 0x80000000 else -slot


class HashingEncoder:
    """Hashed TF-IDF over words, bigrams and character n-grams, concatenated with an LSA projection.

    Example:
        >>> enc = HashingEncoder.from_decks()       # or HashingEncoder.fit(list_of_documents)
        >>> v = enc.encode(["softmax saturates", "the softmax saturation", "vector database"])
        >>> v @ v.T                                  # cosines: close forms score high
        array([[ 1.  ,  0.84, -0.01], ...
    """

    name = "hashing"
    description = "hashed words + character n-grams with TF-IDF and LSA (NumPy only, nothing to download)"
    dim = BUCKETS + COMPONENTS

    def __init__(self, idf: np.ndarray, components: np.ndarray, n_docs: int) -> None:
        self.idf = idf  # (BUCKETS,) float32
        self.components = components  # (BUCKETS, COMPONENTS) float32, zero columns when unused
        self.n_docs = n_docs
        self._word_features: dict[str, tuple[int, list[int]]] = {}

    # -- fitting ------------------------------------------------------------------------------------

    @classmethod
    def fit(cls, corpus: Sequence[str], *, cache: bool = True) -> HashingEncoder:
        """Fit IDF weights and LSA components on `corpus` (one string per document, e.g. per card).

        With `cache`, the fit is read from (or written to) `cache_dir()/encoders/` keyed on the corpus.
        """
        return cls._cached(_settings_hash(corpus) if cache else None, lambda: corpus)

    @classmethod
    def from_decks(cls, dirs: Iterable[Path] | None = None, *, cache: bool = True) -> HashingEncoder:
        """Fit on the decks' text (`deck_corpus`); the cache is keyed on the deck files' bytes, so a
        warm start reads no YAML at all."""
        files = deck_files(dirs)
        chunks = [str(p).encode() + b"\0" + p.read_bytes() for p in files if p.is_file()]
        return cls._cached(_settings_hash(chunks) if cache else None, lambda: deck_corpus(files))

    @classmethod
    def _cached(cls, key: str | None, corpus: Callable[[], Sequence[str]]) -> HashingEncoder:
        import numpy as np

        path = _cache_path(key) if key else None
        if path is not None and path.is_file():
            try:
                with np.load(path) as data:
                    return cls(data["idf"], data["components"], int(data["n_docs"]))
            except (OSError, ValueError, KeyError, EOFError):
                pass  # a damaged cache file is rebuilt below
        enc = cls(np.ones(BUCKETS, np.float32), np.zeros((BUCKETS, COMPONENTS), np.float32), 0)
        enc._fit(corpus())
        if path is not None:
            _save(path, enc)
        return enc

    def _fit(self, corpus: Sequence[str]) -> None:
        import numpy as np

        docs = [d for d in corpus if content_words(d)]
        if len(docs) > MAX_DOCS:
            # An evenly spaced sample keeps refits under a second on a huge user corpus.
            docs = [docs[i] for i in np.linspace(0, len(docs) - 1, MAX_DOCS).astype(int)]
        self.n_docs = n = len(docs)
        if n == 0:
            return
        counts = [self._counts(d) for d in docs]
        df = np.zeros(BUCKETS, np.float64)
        for block_counts in counts:
            slots = [k for c in block_counts for k in c]
            df[np.abs(np.array(slots, np.int64)) - 1] += 1  # once per document: fancy += does not repeat
        # Smoothed IDF; a feature the decks never use gets the highest weight, log(n + 1) + 1.
        self.idf = (np.log((n + 1) / (df + 1)) + 1).astype(np.float32)
        if n < 3:
            return
        x = np.stack([self._lexical(c) for c in counts])
        with one_blas_thread():
            self.components = _top_right_singular_vectors(x, min(COMPONENTS, n - 1))

    # -- encoding -----------------------------------------------------------------------------------

    def _features_of_word(self, word: str) -> tuple[int, list[int]]:
        hit = self._word_features.get(word)
        if hit is None:
            padded = f"<{word}>"
            grams = [padded[i : i + k] for k in _NGRAMS for i in range(len(padded) - k + 1)] or [padded]
            hit = (_bucket("w:" + word), [_bucket("c:" + g) for g in grams])
            if len(self._word_features) < 200_000:
                self._word_features[word] = hit
        return hit

    def _counts(self, text: str) -> tuple[Counter[int], Counter[int], Counter[int]]:
        words = content_words(text)
        unigrams: Counter[int] = Counter()
        chars: Counter[int] = Counter()
        for w in words:
            wb, cb = self._features_of_word(w)
            unigrams[wb] += 1
            chars.update(cb)
        bigrams = Counter(_bucket(f"b:{a} {b}") for a, b in pairwise(words))
        return unigrams, bigrams, chars

    def _lexical(self, counts: tuple[Counter[int], ...]) -> np.ndarray:
        # The sum of the three TF-IDF blocks, each L2-normalised and weighted first. Their features
        # hash apart, so the blocks are nearly orthogonal and a cosine is about the weighted mean of
        # the three blocks' cosines.
        import numpy as np

        out = np.zeros(BUCKETS, np.float32)
        for c, weight in zip(counts, (WEIGHTS["w"], WEIGHTS["b"], WEIGHTS["c"]), strict=True):
            if not c:
                continue
            signed = np.fromiter(c.keys(), np.int64, len(c))
            idx = np.abs(signed) - 1
            tf = 1.0 + np.log(np.fromiter(c.values(), np.float32, len(c)))  # sublinear term frequency
            values = np.sign(signed).astype(np.float32) * tf * self.idf[idx]
            block = np.zeros(BUCKETS, np.float32)
            np.add.at(block, idx, values)
            norm = float(np.linalg.norm(block))
            if norm > 0:
                out += block * (weight / norm)
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors (n, dim), one row per text.

        Only the first MAX_CHARS characters of a text count. A text with no content words ("", "it
        is") becomes one fixed constant vector, nearly orthogonal to every real text.
        """
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not one string")
        out = np.zeros((len(texts), self.dim), np.float32)
        if not len(texts):
            return out
        lexical = np.stack([self._lexical(self._counts(t[:MAX_CHARS])) for t in texts])
        lex_norm = np.linalg.norm(lexical, axis=1, keepdims=True)
        unit = lexical / np.maximum(lex_norm, 1e-12)
        out[:, :BUCKETS] = lexical
        # The LSA block: the unit lexical vector's coordinates in the decks' topic subspace. A text
        # far from every deck topic projects to ~0 here and is compared on its words alone.
        with one_blas_thread():
            out[:, BUCKETS:] = (unit @ self.components) * (WEIGHTS["lsa"] * lex_norm)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        out[empty] = 1.0  # no content words: a fixed direction, never NaN
        norms[empty] = math.sqrt(self.dim)
        return out / norms


def _top_right_singular_vectors(x: np.ndarray, k: int) -> np.ndarray:
    """The top-k right singular vectors of x (docs x features) as columns, zero-padded to COMPONENTS.

    Computed through the small docs x docs Gram matrix (at most MAX_DOCS square); signs are fixed
    (largest entry positive) so refits give identical vectors.
    """
    import numpy as np

    x64 = x.astype(np.float64)
    evals, evecs = np.linalg.eigh(x64 @ x64.T)
    top = np.argsort(evals)[::-1][:k]
    s = np.sqrt(np.maximum(evals[top], 0.0))
    keep = s > 1e-6 * max(float(s[0]), 1e-30)
    v = (x64.T @ evecs[:, top[keep]]) / s[keep]
    signs = np.sign(v[np.abs(v).argmax(axis=0), np.arange(v.shape[1])])
    out = np.zeros((x.shape[1], COMPONENTS), np.float32)
    out[:, : v.shape[1]] = v * signs
    return out


def _settings_hash(parts: Iterable[str | bytes]) -> str:
    # A short hash naming a corpus (or the files it comes from) together with the encoder's settings.
    h = hashlib.sha256(f"{VERSION}|{BUCKETS}|{COMPONENTS}|{sorted(WEIGHTS.items())}".encode())
    for part in parts:
        h.update(part.encode("utf-8", "replace") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:20]


def _cache_path(key: str) -> Path | None:
    from llmquiz.paths import cache_dir

    return cache_dir() / "encoders" / f"hashing-{key}.npz"


def _save(path: Path, enc: HashingEncoder) -> None:
    import numpy as np

    # Best effort: a read-only cache dir only costs a refit next time. Written under a temporary
    # name and renamed, so a concurrent reader never sees half a file.
    with contextlib.suppress(OSError):
        outfile.replace_file(path, lambda f: np.savez(f, idf=enc.idf, components=enc.components,
                                                      n_docs=np.int64(enc.n_docs)))


# -- the default corpus: the decks' own text --------------------------------------------------------

_SKIP_KEYS = frozenset({"id", "tags", "see_also", "demo", "predict", "difficulty", "reject"})


def _strings(node: Any) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in _SKIP_KEYS:
                yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def deck_files(dirs: Iterable[Path] | None = None) -> list[Path]:
    """The deck files in `dirs` (default: the shipped decks, then `LLMQUIZ_DECKS` folders)."""
    if dirs is None:
        from llmquiz.paths import shipped_decks_dir

        env = os.environ.get("LLMQUIZ_DECKS", "")
        dirs = [shipped_decks_dir(), *(Path(p) for p in env.split(os.pathsep) if p)]
    files: list[Path] = []
    for folder in map(Path, dirs):
        if folder.is_dir():
            files += sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        elif folder.is_file():
            files.append(folder)
    return files


def deck_cards(files: Iterable[Path] | None = None) -> Iterator[dict[str, Any]]:
    """The cards of the deck files, as the YAML mappings they are, read leniently.

    `files` defaults to `deck_files()`. Files that do not parse are skipped here; `llmquiz decks
    validate` is where their problems are reported.
    """
    from llmquiz.deck_yaml import YamlProblem, read

    for path in deck_files() if files is None else files:
        try:  # the deck loader's bounded reader: a stranger's alias bomb is refused, not expanded
            parsed = read(path.read_bytes())
        except (OSError, YamlProblem):
            continue
        deck = parsed.data if parsed is not None else None
        cards = deck.get("cards") if isinstance(deck, dict) else None
        yield from (card for card in (cards if isinstance(cards, list) else []) if isinstance(card, dict))


def deck_corpus(files: Iterable[Path] | None = None) -> list[str]:
    """One document per card (question, answer, key points, aliases, misconceptions, accepted answers)
    of `deck_cards(files)`."""
    return ["\n".join(_strings(card)) for card in deck_cards(files)]
