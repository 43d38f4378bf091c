"""KV-cache memory: 2 (K and V) × layers × kv_heads × head_dim × seq_len × batch × bytes per value.

Compares multi-head attention (every query head has its own K/V), grouped-query attention (query heads
share `kv_heads` K/V heads) and multi-query attention (one K/V head). Leaves out: paged allocation
overhead, sliding-window and latent-compressed (MLA) caches.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmquiz.demos.result import Bars, DemoResult, Note, Table

GIB = 1024**3


def cache_bytes(layers: int, kv_heads: int, head_dim: int, seq_len: int, batch: int, bytes_per: float) -> float:
    """Bytes of K and V cached for every layer, KV head, position and sequence.

    Example:
        >>> cache_bytes(32, 8, 128, 8192, 1, 2) / 2**30   # Llama-3-8B, 8K tokens, bf16
        1.0
    """
    return 2 * layers * kv_heads * head_dim * seq_len * batch * bytes_per


def _human(n: float) -> str:
    for unit, size in (("GiB", GIB), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:,.2f} {unit}"
    return f"{n:,.0f} B"


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    from llmquiz.errors import UsageError

    layers, heads, kv_heads, head_dim, seq_len, batch, nbytes = (
        args[k] for k in ("layers", "heads", "kv_heads", "head_dim", "seq_len", "batch", "bytes"))
    if kv_heads > heads:
        raise UsageError(f"--kv-heads {kv_heads} is more than --heads {heads}; GQA shares K/V heads among "
                         "query heads, so kv_heads ≤ heads.")
    total = cache_bytes(layers, kv_heads, head_dim, seq_len, batch, nbytes)
    mha = cache_bytes(layers, heads, head_dim, seq_len, batch, nbytes)
    mqa = cache_bytes(layers, 1, head_dim, seq_len, batch, nbytes)
    per_token = cache_bytes(layers, kv_heads, head_dim, 1, 1, nbytes)
    kind = "MHA" if kv_heads == heads else ("MQA" if kv_heads == 1 else "GQA")
    formula = f"2 × {layers} × {kv_heads} × {head_dim} × {seq_len:,} × {batch} × {nbytes:g} B"
    rows = (
        (f"MHA ({heads} K/V heads)", f"{mha:,.0f}", _human(mha), "1×"),
        (f"GQA ({kv_heads} K/V heads)", f"{total:,.0f}", _human(total), f"{heads / kv_heads:g}× smaller"),
        ("MQA (1 K/V head)", f"{mqa:,.0f}", _human(mqa), f"{heads:g}× smaller"),
    )
    sections = (
        Table(f"KV cache = {formula}", ("attention", "bytes", "size", "vs MHA"), rows,
              highlight=(0 if kind == "MHA" else 2 if kind == "MQA" else 1,)),
        Bars("cache size", ("MHA", "GQA", "MQA"), (mha, total, mqa), (_human(mha), _human(total), _human(mqa))),
        Note(f"Per token: {_human(per_token)} = {per_token:,.0f} B ({kind}); it grows linearly with seq_len and "
             "batch, and it is read in full at every decoding step."),
    )
    total, mha, mqa, per_token = (int(x) if float(x).is_integer() else x for x in (total, mha, mqa, per_token))
    data = {"layers": layers, "heads": heads, "kv_heads": kv_heads, "head_dim": head_dim, "seq_len": seq_len,
            "batch": batch, "bytes_per_value": nbytes, "attention": kind,
            "bytes": total, "gib": total / GIB, "mha_bytes": mha, "mha_gib": mha / GIB, "mqa_bytes": mqa,
            "per_token_bytes": per_token, "saving_vs_mha": heads / kv_heads}
    return DemoResult(name, (
        "Each decoded token keeps its keys and values at every layer so later tokens need not recompute them.",
        "Memory = 2 × layers × kv_heads × head_dim × seq_len × batch × bytes; GQA/MQA shrink it by sharing "
        "K/V heads."), data, sections)
