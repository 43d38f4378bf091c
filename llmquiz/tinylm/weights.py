"""The weights file: one `.npz` holding the parameters, the vocabulary and a JSON metadata record.

Everything is a plain array (the metadata is UTF-8 JSON bytes), so loading never unpickles and
takes a few milliseconds. Writes go to a temporary file first and are renamed into place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from llmquiz.errors import ModelError
from llmquiz.tinylm.gpt import GPTConfig, Params, param_shapes
from llmquiz.tinylm.vocab import Vocab

FORMAT = "llmquiz-tinylm"
VERSION = 1


def save_weights(path: Path, cfg: GPTConfig, params: Params, vocab: Vocab, meta: dict[str, Any]) -> Path:
    """Write the model to `path` atomically; returns the path."""
    record = {"format": FORMAT, "version": VERSION, "config": cfg.to_dict(), **meta}
    arrays: dict[str, np.ndarray] = {f"param/{k}": np.asarray(v, dtype=np.float32) for k, v in params.items()}
    arrays |= vocab.to_arrays()
    arrays["meta"] = np.frombuffer(json.dumps(record, sort_keys=True).encode(), dtype=np.uint8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
    try:
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ModelError(f"Cannot write the model to {path} ({exc.strerror}); choose a writable --output.") from exc
    return path


def load_weights(path: Path) -> tuple[GPTConfig, Params, Vocab, dict[str, Any]]:
    """Read a weights file written by `save_weights`: (config, params, vocab, metadata)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            record = json.loads(z["meta"].tobytes().decode())
            if record.get("format") != FORMAT or record.get("version") != VERSION:
                raise ValueError(f"format {record.get('format')!r} version {record.get('version')!r}")
            cfg = GPTConfig(**record["config"])
            params = {k: z[f"param/{k}"] for k in param_shapes(cfg)}
            vocab = Vocab.from_arrays(z)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"Cannot load the tiny model from {path} ({exc}); delete the file or run "
                         "`llmquiz model train` to rebuild it.") from exc
    for name, shape in param_shapes(cfg).items():
        if params[name].shape != shape:
            raise ModelError(f"Tiny model file {path} is inconsistent ({name} has shape {params[name].shape}, "
                             f"expected {shape}); run `llmquiz model train` to rebuild it.")
    if len(vocab) != cfg.vocab_size:
        raise ModelError(f"Tiny model file {path} has {len(vocab)} tokens for a {cfg.vocab_size}-token model; "
                         "run `llmquiz model train` to rebuild it.")
    meta = {k: v for k, v in record.items() if k not in ("format", "version", "config")}
    return cfg, params, vocab, meta
