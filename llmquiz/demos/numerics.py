"""Small numeric helpers the demos share: a stable softmax with temperature, entropy, token labels.

Also the one place the demos reach the tiny language model, so a missing model is one clear error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmquiz.errors import ModelError


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """softmax(logits / T) along the last axis, computed stably; T = 0 is greedy (one-hot argmax).

    Example:
        >>> softmax(np.array([2.0, 1.0, 0.0])).round(3)
        array([0.665, 0.245, 0.09 ])
    """
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        out = np.zeros_like(logits)
        np.put_along_axis(out, np.argmax(logits, axis=-1)[..., None], 1.0, axis=-1)
        return out
    z = logits / temperature
    z = z - np.max(z, axis=-1, keepdims=True)  # shifting by the max changes nothing but avoids overflow
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log(softmax(logits)) along the last axis, without forming tiny probabilities first."""
    logits = np.asarray(logits, dtype=np.float64)
    z = logits - np.max(logits, axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def entropy_bits(probs: np.ndarray) -> float:
    """Shannon entropy in bits; zero-probability outcomes contribute nothing."""
    p = np.asarray(probs, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0


def letter_labels(n: int) -> list[str]:
    """Names for hand-given logits: A, B, C, ... (t26, t27, ... past Z)."""
    return [chr(ord("A") + i) if i < 26 else f"t{i}" for i in range(n)]


def show_token(text: str) -> str:
    """A token as the learner should read it: leading spaces visible as ␣, newlines as ⏎."""
    return text.replace(" ", "␣").replace("\n", "⏎").replace("\t", "⇥") or "∅"


def r(x: float, digits: int = 4) -> float:
    """`x` rounded for JSON and tables (a Python float, never -0.0)."""
    return round(float(x), digits) + 0.0


def tiny_model() -> Any:
    """The tiny language model (loaded once per process); ModelError when it cannot be loaded."""
    try:
        from llmquiz.tinylm import load_model
    except ImportError as exc:
        raise ModelError("The tiny language model is not available in this install; "
                         "reinstall llmquiz, or pass --logits to the sampling demos.") from exc
    return load_model()
