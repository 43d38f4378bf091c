"""Sentence embeddings and cosine similarity, with the sentence encoder the grader uses.

Each sentence becomes one vector; cosine similarity (the dot product of L2-normalised vectors) is high
for sentences that mean the same thing even when they share no words, and low for unrelated ones.
Leaves out: how the encoder was trained (contrastive pairs), vector indexes, and re-ranking.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmquiz.demos.numerics import letter_labels, r
from llmquiz.demos.result import DemoResult, Heatmap, Note, Table
from llmquiz.errors import ModelError


def _encoder() -> Any:
    try:
        from llmquiz.grading.encoders import get_encoder
    except ImportError as exc:
        raise ModelError("The sentence encoder is not available in this install; reinstall llmquiz.") from exc
    return get_encoder()


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarity of the rows of `vectors` (normalised here, whatever the input)."""
    v = np.asarray(vectors, dtype=np.float64)
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return v @ v.T


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    sentences = args["sentences"]
    encoder = _encoder()
    vectors = np.asarray(encoder.encode(sentences))
    sim = cosine_matrix(vectors)
    labels = letter_labels(len(sentences))
    off = sim - 2 * np.eye(len(sentences))  # exclude each sentence's similarity with itself
    i, j = np.unravel_index(int(np.argmax(off)), off.shape)
    a, b = sorted((int(i), int(j)))
    lo_i, lo_j = np.unravel_index(int(np.argmin(sim)), sim.shape)
    sections = (
        Table("sentences", ("", "sentence"), tuple((lab, s) for lab, s in zip(labels, sentences, strict=True))),
        Heatmap(f"cosine similarity ({vectors.shape[1]}-dimensional vectors from the "
                f"{getattr(encoder, 'name', 'sentence')} encoder)", tuple(labels), tuple(labels),
                tuple(tuple(float(max(0.0, x)) for x in row) for row in sim)),
        Table("pairs, most similar first", ("pair", "cosine"),
              tuple((f"{labels[p]}–{labels[q]}", f"{sim[p, q]:.3f}") for p, q in
                    sorted(((p, q) for p in range(len(labels)) for q in range(p + 1, len(labels))),
                           key=lambda pq: -sim[pq]))),
        Note(f"Closest: {labels[a]} and {labels[b]} ({sim[a, b]:.2f}); furthest: {labels[lo_i]} and "
             f"{labels[lo_j]} ({sim[lo_i, lo_j]:.2f}). Negative cosines are drawn as 0."),
    )
    data = {"encoder": str(getattr(encoder, "name", "")), "sentences": list(sentences), "labels": labels,
            "dim": int(vectors.shape[1]),
            "similarity": [[r(x) for x in row] for row in sim], "nearest_pair": [labels[a], labels[b]],
            "nearest_cosine": r(sim[a, b])}
    return DemoResult(name, (
        "An embedding model maps a whole sentence to one vector; similar meanings land close together.",
        "Cosine similarity = dot product of unit vectors: 1 same direction, 0 unrelated. Retrieval ranks "
        "documents by it."), data, sections)
