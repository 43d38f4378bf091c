"""Per-card work done once: parsed reference, compiled aliases, and embeddings, cached.

Embedding a card's model answer, key points and misconceptions costs a few encoder calls; grading an
answer then needs only the answer's own sentences encoded. Profiles are kept in memory (an LRU) and,
for embeddings, on disk under `paths.cache_dir()/grading/`, keyed by the encoder's fingerprint and the
rubric's content hash, so an edited card or a refitted encoder never reuses stale vectors.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from llmquiz import outfile
from llmquiz.grading.contradiction import RefClause, contrast_terms, ref_clauses, word_weights
from llmquiz.grading.match import Alias, compile_alias
from llmquiz.grading.parse import content_stems, explicit_negation_count
from llmquiz.grading.rubric import Rubric
from llmquiz.grading.subjects import Term, terms
from llmquiz.grading.text import clauses, has_digit, numbers_in, sentences, stem, words, written_numbers

if TYPE_CHECKING:
    import numpy as np

MEMORY_PROFILES = 1024
# Profiles held in memory are bounded by their vectors' bytes too: a hashing-encoder profile holds about
# 0.4 MB (8,320-dim vectors), so 1,024 of them (a long `grade --batch` of new questions) took 400 MB.
MEMORY_BYTES = 64 * 2**20
MAX_REF_CLAUSES = 32
CACHE_VERSION = "3"

# Generic sentences, on and off topic, that any answer is about as close to as to a stranger's:
# similarities are measured above this floor, so encoders with different baselines read alike.
BACKGROUND = (
    "The weather was sunny and warm all weekend.",
    "She bought fresh bread at the bakery this morning.",
    "The football match ended in a draw after extra time.",
    "The train to the airport leaves every twenty minutes.",
    "The recipe needs two cups of flour and one egg.",
    "The stock market fell sharply after the announcement.",
    "Photosynthesis converts light energy into chemical energy in plants.",
    "A database index speeds up lookups at the cost of slower writes.",
    "A hash table maps keys to values using a hash function.",
    "Binary search finds an item in a sorted list in logarithmic time.",
    "Version control lets a team track changes to source code.",
    "Convolutional networks use shared filters to detect local patterns in images.",
    "Gradient descent updates the parameters in the direction that lowers the loss.",
    "Dropout randomly zeroes activations during training to reduce overfitting.",
    "Reinforcement learning trains an agent from rewards it receives.",
    "Batch normalisation normalises activations with mini-batch statistics.",
    "Large language models are trained on huge amounts of text from the internet.",
    "Neural networks learn patterns from data by adjusting their weights.",
    "It depends on the situation and on the data you have.",
    "I think it has something to do with how the model works.",
    "This is an important concept in machine learning and deep learning.",
    "Transformers, tokens, embeddings and attention are the key ideas.",
    "You should always test your system carefully before deploying it.",
    "The model produces an output for each input it receives.",
)
BG_TOP = 5  # the floor is the mean similarity to the closest few background sentences


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass
class Profile:
    """A rubric prepared for grading with one encoder."""

    rubric: Rubric
    aliases: list[list[Alias]]  # per point
    claim_aliases: list[list[Alias]]  # per misconception
    refs: list[RefClause]
    contrast: list[dict[str, int]]
    model_vec: Any  # (d,)
    sent_vecs: Any  # (m, d) model-answer clauses
    sent_floor: Any  # (m,)
    point_vecs: Any  # (k, d)
    claim_vecs: Any  # (c, d)
    question_vec: Any  # (d,)
    model_floor: float
    point_floor: Any  # (k,)
    sent_topic_floor: Any  # (m,) sent_floor raised toward the question's own closeness (see topic_floor)
    point_topic_floor: Any  # (k,)
    claim_floor: Any  # (c,)
    bg: Any = field(repr=False, default=None)  # (b, d) background vectors
    reference_words: int = 0  # content words of the model answer
    point_exact: list[set[str]] = field(default_factory=list)  # numbers or names a point needs said
    weights: dict[str, float] = field(default_factory=dict)  # alignment weight of words common on the card
    terms: dict[str, Term] = field(default_factory=dict)  # things the question asks about, for swaps
    sent_negations: list[int] = field(default_factory=list)  # spelled-out negations in each model-answer clause
    reference_numbers: frozenset[str] = frozenset()  # words with a digit in the model answer and key points
    figures: frozenset[str] = frozenset()  # figures written in the model answer, key points and aliases


# Closeness to the model answer's clauses counts from 30% of the way between the background floor and
# the question's own closeness; to a key point, from the question's closeness. Fully for both fails
# paraphrases; measured on the Mohler data and the dev answers (bench/README.md).
RECALL_TOPIC_SHARE = 0.3

_profiles: OrderedDict[tuple[str, str], Profile] = OrderedDict()
_held = {"bytes": 0}  # the vectors' bytes of the profiles in `_profiles`
_fingerprints: dict[int, tuple[Any, str]] = {}
_backgrounds: dict[str, Any] = {}


def fingerprint(encoder: Encoder) -> str:
    """A short id of what `encoder` computes: name, size and its vector for a probe sentence."""
    import numpy as np

    held = _fingerprints.get(id(encoder))
    if held is not None and held[0] is encoder:
        return held[1]
    probe = np.asarray(encoder.encode(["llmquiz grader probe: softmax attention variance"]), dtype=np.float32)
    digest = hashlib.sha1(np.round(probe, 4).tobytes()).hexdigest()[:12]
    fp = f"{encoder.name}-{encoder.dim}-{digest}"
    _fingerprints[id(encoder)] = (encoder, fp)
    return fp


def background(encoder: Encoder) -> Any:
    fp = fingerprint(encoder)
    if fp not in _backgrounds:
        _backgrounds[fp] = _normalise(encoder.encode(list(BACKGROUND)))
    return _backgrounds[fp]


def _normalise(m: Any) -> Any:
    import numpy as np

    m = np.asarray(m, dtype=np.float32)
    if m.ndim == 1:
        m = m[None, :]
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.maximum(norms, 1e-12)


def floor(vecs: Any, bg: Any) -> Any:
    """Per row of `vecs`: mean cosine with its closest background sentences."""
    import numpy as np

    if len(vecs) == 0:
        return np.zeros(0, dtype=np.float32)
    sims = vecs @ bg.T
    top = np.sort(sims, axis=1)[:, -BG_TOP:]
    return top.mean(axis=1)


def get(rubric: Rubric, encoder: Encoder, *, disk: bool = True) -> Profile:
    """The profile of `rubric` for `encoder`, from memory, disk, or computed now."""
    fp = fingerprint(encoder)
    key = (fp, rubric.key())
    prof = _profiles.get(key)
    if prof is not None:
        _profiles.move_to_end(key)
        return prof
    prof = _build(rubric, encoder, fp, disk)
    _profiles[key] = prof
    _held["bytes"] += _vector_bytes(prof)
    while len(_profiles) > 1 and (len(_profiles) > MEMORY_PROFILES or _held["bytes"] > MEMORY_BYTES):
        _, old = _profiles.popitem(last=False)
        _held["bytes"] -= _vector_bytes(old)
    return prof


def _vector_bytes(prof: Profile) -> int:
    """The bytes of a profile's own vectors (the background vectors are shared, so not counted)."""
    arrays = (prof.model_vec, prof.sent_vecs, prof.sent_floor, prof.point_vecs, prof.claim_vecs, prof.question_vec,
              prof.point_floor, prof.sent_topic_floor, prof.point_topic_floor, prof.claim_floor)
    return sum(int(getattr(a, "nbytes", 0)) for a in arrays)


def _texts(rubric: Rubric) -> tuple[list[str], list[int]]:
    model_clauses = [c for s in sentences(rubric.reference, limit=24) for c in clauses(s)][:MAX_REF_CLAUSES]
    groups = [
        [rubric.reference or rubric.question],
        model_clauses or [rubric.reference or rubric.question],
        [p.text for p in rubric.points],
        [m.claim for m in rubric.misconceptions],
        [rubric.question or rubric.reference],
    ]
    return [t for g in groups for t in g], [len(g) for g in groups]


def _cache_file(fp: str, rubric: Rubric) -> Any:
    from llmquiz import paths

    return paths.cache_dir() / "grading" / f"v{CACHE_VERSION}-{fp}" / f"{rubric.key()}.npy"


def _embed(rubric: Rubric, encoder: Encoder, fp: str, disk: bool) -> Any:
    import numpy as np

    texts, _ = _texts(rubric)
    path = _cache_file(fp, rubric) if disk else None
    if path is not None:
        try:
            vecs = np.load(path)
            if vecs.shape == (len(texts), encoder.dim):
                return vecs
        except (OSError, ValueError):
            pass
    vecs = _normalise(encoder.encode(texts))
    if path is not None:
        with contextlib.suppress(OSError):  # a read-only cache only costs speed
            outfile.replace_file(path, lambda f: np.save(f, vecs))
    return vecs


def _build(rubric: Rubric, encoder: Encoder, fp: str, disk: bool) -> Profile:
    vecs = _embed(rubric, encoder, fp, disk)
    _, sizes = _texts(rubric)
    parts = []
    start = 0
    for n in sizes:
        parts.append(vecs[start : start + n])
        start += n
    model, sents, points, claims, question = parts
    bg = background(encoder)
    contrast = contrast_terms(rubric.question, rubric.reference)
    refs = ref_clauses([("answer", rubric.reference)]
                       + [(f"point:{i}", p.text) for i, p in enumerate(rubric.points)]
                       + [(f"claim:{i}", m.claim) for i, m in enumerate(rubric.misconceptions)])
    aliases = [[a for a in (compile_alias(t) for t in p.aliases) if a] for p in rubric.points]
    claim_aliases = [[a for a in (compile_alias(t) for t in m.aliases) if a] for m in rubric.misconceptions]
    sent_floor, point_floor = floor(sents, bg), floor(points, bg)
    return Profile(
        rubric=rubric, aliases=aliases, claim_aliases=claim_aliases, refs=refs,
        contrast=contrast,
        model_vec=model[0], sent_vecs=sents, sent_floor=sent_floor, point_vecs=points, claim_vecs=claims,
        question_vec=question[0],
        model_floor=float(floor(model, bg)[0]), point_floor=point_floor, claim_floor=floor(claims, bg),
        bg=bg, reference_words=len(content_stems(rubric.reference)),
        point_exact=[_numbers(p.aliases, p.text) or _names(p.aliases, p.text, rubric.reference)
                     for p in rubric.points],
        weights=word_weights(refs, contrast),
        terms=terms([r for r in refs if r.source == "answer"], rubric.question),
        sent_topic_floor=topic_floor(sents, question[0], sent_floor, RECALL_TOPIC_SHARE),
        point_topic_floor=topic_floor(points, question[0], point_floor, 1.0),
        sent_negations=[explicit_negation_count(words(t)) for t in _texts(rubric)[0][1:1 + len(sents)]],
        reference_numbers=frozenset(w for t in (rubric.reference, *(p.text for p in rubric.points))
                                    for w in words(t) if has_digit(w)),
        figures=frozenset(numbers_in(" ".join((rubric.reference, *(p.text for p in rubric.points),
                                               *(a for p in rubric.points for a in p.aliases))))),
    )


def topic_floor(vecs: Any, question: Any, base: Any, share: float) -> Any:
    """Floors for crediting closeness in meaning, raised by `share` of the way to the question's own
    closeness: an answer that only restates the question's topic is near the model answer too, so
    credit starts where it says more than the question did."""
    import numpy as np

    if not len(vecs):
        return base
    return base + share * np.maximum(0.0, vecs @ question - base)


def _numbers(aliases: tuple[str, ...], text: str) -> set[str]:
    """Numbers every alias of a point names (empty when some alias has none: then meaning may match).

    A point derived from the model answer (no aliases) needs only the numbers it writes in digits:
    "splits the array into two" is said as well by "divides it in half", "zeroes 10%" is not by
    "zeroes some".
    """
    if not aliases:
        return written_numbers(text)
    found = [{w for w in words(a) if has_digit(w)} for a in aliases]
    return set.union(*found) if found and all(found) else set()


_CAPITALISED = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]+)\b")


def _names(aliases: tuple[str, ...], text: str, reference: str) -> set[str]:
    """The names a point is made of, when every alias is a proper noun of the texts ("Paris", "Seine")."""
    # Each text on its own: joined, a capital that starts the second would read as a name.
    proper = {stem(m.lower()) for t in (text, reference) for m in _CAPITALISED.findall(t)}
    out: set[str] = set()
    for alias in aliases or (text,):
        ws = [stem(w) for w in words(alias)]
        if not 1 <= len(ws) <= 2 or not proper & set(ws):
            return set()
        out |= proper & set(ws)
    return out


def clear() -> None:
    """Forget every in-memory profile (tests use this to measure cold starts)."""
    _profiles.clear()
    _held["bytes"] = 0
