"""Byte-pair encoding, trained from scratch (minbpe-style): repeatedly merge the most frequent pair.

The text is first split GPT-style into chunks (a word with its leading space, digits, punctuation) so
merges never cross a word boundary; each chunk starts as its UTF-8 bytes (ids 0-255). Every merge
counts adjacent pairs over all chunks, mints id 256, 257, ... for the most frequent pair (ties: the pair
seen first) and replaces it everywhere. Training stops early when no pair occurs twice.
Leaves out: special tokens, regex details of real tokenizers, and byte-level fallback tricks.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np

from llmquiz.demos.numerics import show_token
from llmquiz.demos.result import DemoResult, Note, Spans, Table

_CHUNK = re.compile(r" ?[^\W\d_]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+")


def pair_counts(chunks: list[list[int]]) -> dict[tuple[int, int], int]:
    """How often each adjacent pair occurs, in order of first appearance."""
    counts: dict[tuple[int, int], int] = {}
    for ids in chunks:
        for pair in itertools.pairwise(ids):
            counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """`ids` with every non-overlapping occurrence of `pair` (left to right) replaced by `new_id`.

    Example:
        >>> merge([97, 97, 97, 98], (97, 97), 256)
        [256, 97, 98]
    """
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def train(text: str, merges: int) -> tuple[list[dict[str, Any]], list[list[int]], dict[int, bytes]]:
    """(merge steps, final chunk ids, vocabulary) after up to `merges` merges on `text`."""
    chunks = [list(c.encode("utf-8")) for c in _CHUNK.findall(text)]
    vocab = {i: bytes([i]) for i in range(256)}
    steps = []
    for step in range(merges):
        counts = pair_counts(chunks)
        if not counts:
            break
        pair = max(counts, key=counts.__getitem__)  # first-seen pair wins ties (dicts keep order)
        if counts[pair] < 2:
            break
        new_id = 256 + step
        vocab[new_id] = vocab[pair[0]] + vocab[pair[1]]
        chunks = [merge(ids, pair, new_id) for ids in chunks]
        steps.append({"step": step + 1, "pair": [_text(vocab[pair[0]]), _text(vocab[pair[1]])],
                      "token": _text(vocab[new_id]), "id": new_id, "count": counts[pair],
                      "length": sum(len(c) for c in chunks)})
    return steps, chunks, vocab


def _text(b: bytes) -> str:
    return b.decode("utf-8", errors="replace")


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    text, n = args["text"], args["merges"]
    steps, chunks, vocab = train(text, n)
    before = len(text.encode("utf-8"))
    tokens = [_text(vocab[i]) for ids in chunks for i in ids]
    rows = tuple((str(s["step"]), f"{show_token(s['pair'][0])} + {show_token(s['pair'][1])}",
                  show_token(s["token"]), str(s["id"]), str(s["count"]), str(s["length"])) for s in steps)
    sections: list[Any] = [
        Table(f"merges learned from {before} bytes", ("step", "pair", "new token", "id", "count", "tokens after"),
              rows),
        Spans(f"segmentation after {len(steps)} merges: {len(tokens)} tokens (from {before} bytes, "
              f"{before / len(tokens):.2f} bytes per token; vocabulary 256 + {len(steps)} = {256 + len(steps)})",
              tuple(tokens)),
    ]
    if len(steps) < n:
        sections.append(Note(f"Stopped after {len(steps)} merges: no pair occurs twice any more."))
    data = {"text": text, "merges_requested": n, "merges_done": len(steps), "merges": steps,
            "length_before": before, "length_after": len(tokens), "tokens": tokens,
            "vocab_size": 256 + len(steps), "bytes_per_token": round(before / len(tokens), 4)}
    return DemoResult(name, (
        "BPE starts from bytes and repeatedly merges the most frequent adjacent pair into a new token.",
        "Frequent words end up as one token and rare ones split into pieces, so nothing is ever out of "
        "vocabulary."), data, tuple(sections))
