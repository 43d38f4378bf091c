"""Scaled dot-product attention, step by step: softmax(Q Kᵀ / √d_k) V, then with a causal mask.

Why √d_k: for random q, k with unit-variance entries, q·k has variance d_k, so its spread grows as √d_k
and an unscaled softmax saturates to one-hot (tiny gradients) as heads get wider. The scaling table
measures it: the std of the scores, the largest weight and the entropy, unscaled vs scaled, for
d = 4 … 1024. Last, the tiny model's real attention map for a prompt.
Leaves out: multiple heads' projections, dropout, and FlashAttention's tiled computation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmquiz.demos.numerics import r, show_token, softmax, tiny_model
from llmquiz.demos.result import DemoResult, Heatmap, Note, Table
from llmquiz.errors import DemoError, ModelError

_DIMS = (4, 16, 64, 256, 1024)
_KEYS, _TRIALS = 16, 200  # the scaling table: 200 random queries, each over 16 random keys
_MAP_TOKENS = 12  # the tiny model's attention map shows at most this many tokens


def attend(q: np.ndarray, k: np.ndarray, v: np.ndarray, *, causal: bool = False) -> dict[str, np.ndarray]:
    """Every intermediate of softmax(Q Kᵀ / √d_k) V for Q, K, V of shape (T, d_k).

    Example:
        >>> out = attend(np.eye(2), np.eye(2), np.array([[1.0], [3.0]]), causal=True)
        >>> out["weights"][0].tolist()   # the first token can only attend to itself
        [1.0, 0.0]
    """
    d_k = q.shape[-1]
    scores = q @ k.T
    scaled = scores / np.sqrt(d_k)
    if causal:
        # Token i may not look at j > i: a -inf score becomes a zero weight after the softmax.
        scaled = np.where(np.tri(len(q), len(k), dtype=bool), scaled, -np.inf)
    weights = softmax(scaled)
    return {"scores": scores, "scaled": scaled, "weights": weights, "output": weights @ v}


def saturation(dims: list[int], rng: np.random.Generator) -> list[dict[str, float]]:
    """For each d: score std, mean largest weight and mean entropy (bits), unscaled vs scaled."""
    rows = []
    for d in dims:
        q = rng.standard_normal((_TRIALS, 1, d))
        k = rng.standard_normal((_TRIALS, _KEYS, d))
        scores = (q * k).sum(-1)  # (trials, keys)
        row: dict[str, float] = {"d": d, "score_std": float(scores.std()),
                                 "score_std_scaled": float((scores / np.sqrt(d)).std())}
        for tag, s in (("unscaled", scores), ("scaled", scores / np.sqrt(d))):
            w = softmax(s)
            ent = -(np.where(w > 0, w * np.log2(np.where(w > 0, w, 1)), 0)).sum(-1)
            row[f"max_weight_{tag}"] = float(w.max(-1).mean())
            row[f"entropy_{tag}"] = float(ent.mean())
        rows.append(row)
    return rows


def _matrix_rows(m: np.ndarray, labels: list[str]) -> tuple[tuple[str, ...], ...]:
    return tuple((labels[i], *(("−∞" if np.isneginf(x) else f"{x:+.2f}") for x in m[i])) for i in range(len(m)))


def _model_map(prompt: str, layer: int, head: int) -> tuple[dict[str, Any] | None, str]:
    try:
        model = tiny_model()
    except ModelError as exc:
        return None, f"(No tiny-model attention map: {exc.message})"
    ids = model.encode(prompt, bos=True)[:_MAP_TOKENS]
    att = model.attention(ids)
    n_layers, n_heads = att.shape[0], att.shape[1]
    if not -n_layers <= layer < n_layers:
        raise DemoError(f"--layer {layer} is out of range: the tiny model has {n_layers} layers (0..{n_layers - 1}).")
    if head >= n_heads:
        raise DemoError(f"--head {head} is out of range: the tiny model has {n_heads} heads (0..{n_heads - 1}).")
    layer = layer % n_layers
    tokens = [show_token(model.token_text(i)) for i in ids]
    weights = att[layer, head]
    return {"tokens": tokens, "layer": layer, "head": head, "layers": n_layers, "heads": n_heads,
            "weights": [[r(x) for x in row] for row in weights]}, ""


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    d_k, seq = args["d_k"], args["seq"]
    q, k, v = (rng.standard_normal((seq, d_k)) for _ in range(3))
    plain = attend(q, k, v)
    masked = attend(q, k, v, causal=True)
    labels = [f"t{i}" for i in range(seq)]
    dims = sorted(set(_DIMS) | {d_k})
    table = saturation(dims, rng)
    at_dk = next(row for row in table if row["d"] == d_k)
    model_map, missing = _model_map(args["prompt"], args["layer"], args["head"])

    shown = min(d_k, 6)
    sections: list[Any] = [
        Table(f"1. Q (first {shown} of {d_k} dims; K and V are drawn the same way)", ("", *(f"q{j}" for j in
                                                                                      range(shown))),
              tuple((labels[i], *(f"{x:+.2f}" for x in q[i, :shown])) for i in range(seq))),
        Table(f"2. scores Q·Kᵀ / √{d_k} = Q·Kᵀ / {np.sqrt(d_k):.2f}", ("query", *labels),
              _matrix_rows(plain["scaled"], labels)),
        Heatmap("3. weights = softmax of each row (each row sums to 1)", tuple(labels), tuple(labels),
                tuple(tuple(float(x) for x in row) for row in plain["weights"])),
        Heatmap(f"4. causal mask: token i sees only tokens ≤ i (blank = −∞ before the softmax; "
                f"{int(np.count_nonzero(masked['weights']))} of {seq * seq} weights non-zero)", tuple(labels),
                tuple(labels), tuple(tuple(float(x) if j <= i else None for j, x in enumerate(row))
                                     for i, row in enumerate(masked["weights"]))),
        Table(f"why √d_k: {_TRIALS} random queries over {_KEYS} keys (max entropy log2({_KEYS}) = "
              f"{np.log2(_KEYS):.0f} bits)",
              ("d", "std(q·k)", "max weight", "entropy", "std scaled", "max weight", "entropy"),
              tuple((str(row["d"]), f"{row['score_std']:.1f}", f"{row['max_weight_unscaled']:.2f}",
                     f"{row['entropy_unscaled']:.2f}", f"{row['score_std_scaled']:.2f}",
                     f"{row['max_weight_scaled']:.2f}", f"{row['entropy_scaled']:.2f}") for row in table),
              highlight=(dims.index(d_k),)),
        Note("Unscaled, std(q·k) ≈ √d grows and the softmax turns one-hot (max weight → 1, entropy → 0): "
             "its gradients vanish. Dividing by √d_k keeps std ≈ 1 at every width."),
    ]
    if model_map:
        sections.append(Heatmap(f"the tiny model's attention: layer {model_map['layer']}, head "
                                f"{model_map['head']} (of {model_map['layers']} × {model_map['heads']})",
                                tuple(model_map["tokens"]), tuple(model_map["tokens"]),
                                tuple(tuple(x if j <= i else None for j, x in enumerate(row))
                                      for i, row in enumerate(model_map["weights"]))))
    else:
        sections.append(Note(missing))
    data = {"d_k": d_k, "seq": seq,
            **{key: [[r(x) for x in row] for row in val] for key, val in
               (("q", q), ("k", k), ("v", v), ("scores", plain["scores"]), ("weights", plain["weights"]),
                ("output", plain["output"]), ("causal_weights", masked["weights"]))},
            "causal_nonzero": int(np.count_nonzero(masked["weights"])),
            "score_std": r(at_dk["score_std"]), "score_std_scaled": r(at_dk["score_std_scaled"]),
            "max_weight_unscaled": r(at_dk["max_weight_unscaled"]),
            "max_weight_scaled": r(at_dk["max_weight_scaled"]),
            "scaling": [{key: (r(x) if isinstance(x, float) else x) for key, x in row.items()} for row in table],
            "model_attention": model_map}
    return DemoResult(name, (
        "Attention mixes value vectors with weights softmax(q·k / √d_k): each query scores every key, "
        "the softmax turns scores into weights summing to 1.",
        "Dividing by √d_k keeps the scores' spread near 1 however wide the heads are; a causal mask hides "
        "future tokens."), data, tuple(sections),
        measured=("score_std", "score_std_scaled", "max_weight_unscaled", "max_weight_scaled", "scaling"))
