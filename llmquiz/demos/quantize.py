"""Symmetric absmax quantization of a weight matrix: per tensor, per output channel, per group.

Each block of weights shares one scale s = max|w| / qmax with qmax = 2^(bits-1) - 1; a weight is stored
as round(w / s), an integer in [-qmax, qmax], and read back as that integer times s, so the round-trip
error of any weight is at most s / 2. The smaller the block, the smaller its max|w| and so its error,
at the cost of storing more scales. The random matrix has rows of different scales and a few large
outliers, as real weights do. Leaves out: zero points (asymmetric), GPTQ/AWQ error compensation,
activation quantization, and NF4's non-uniform levels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmquiz.demos.numerics import r
from llmquiz.demos.result import Bars, DemoResult, Note, Table

SCALE_BYTES = 2  # scales are stored in fp16


def weights(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """A random weight matrix with uneven row scales and a few outliers (one per ~2,000 weights)."""
    w = rng.standard_normal((rows, cols)) * 0.02 * rng.lognormal(0.0, 0.5, size=(rows, 1))
    n_out = max(1, w.size // 2000)
    idx = rng.choice(w.size, size=n_out, replace=False)
    w.flat[idx] = w.flat[idx] * 12.0
    return w


def quantize(w: np.ndarray, bits: int, block: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(integers, scales, reconstruction) for blocks of `block` consecutive weights along each row.

    `block` = number of columns gives one scale per row (per channel); `block` = w.size one per tensor.

    Example:
        >>> q, s, back = quantize(np.array([[0.5, -1.0, 0.25, 0.0]]), 8, 4)
        >>> q.tolist(), s.tolist()
        ([[64, -127, 32, 0]], [[0.007874015748031496]])
    """
    qmax = 2 ** (bits - 1) - 1
    rows, cols = w.shape
    if block >= w.size:  # per tensor
        flat = w.reshape(1, 1, -1)
    else:
        groups = -(-cols // block)
        padded = np.zeros((rows, groups * block))
        padded[:, :cols] = w  # zero padding never changes a block's max|w|
        flat = padded.reshape(rows, groups, block)
    absmax = np.abs(flat).max(axis=-1, keepdims=True)
    scale = np.where(absmax > 0, absmax / qmax, 1.0)
    q = np.clip(np.round(flat / scale), -qmax, qmax)
    back = (q * scale).reshape(rows, -1)[:, :cols] if block < w.size else (q * scale).reshape(w.shape)
    ints = q.reshape(rows, -1)[:, :cols] if block < w.size else q.reshape(w.shape)
    return ints.astype(np.int64), scale.squeeze(-1), back


def _scheme(w: np.ndarray, bits: int, block: int, label: str) -> dict[str, Any]:
    _, scale, back = quantize(w, bits, block)
    err = np.abs(w - back)
    return {"scheme": label, "scales": int(scale.size), "block": int(min(block, w.size)),
            "mean_abs_error": float(err.mean()), "max_abs_error": float(err.max()),
            "error_bound": float(scale.max() / 2), "relative_error": float(np.linalg.norm(w - back)
                                                                           / np.linalg.norm(w)),
            "bytes": w.size * bits / 8 + scale.size * SCALE_BYTES}


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    bits, group, rows, cols, params_b = (args[k] for k in ("bits", "group_size", "rows", "cols", "params_b"))
    w = weights(rows, cols, rng)
    qmax = 2 ** (bits - 1) - 1
    schemes = [_scheme(w, bits, w.size, "per tensor"), _scheme(w, bits, cols, "per row"),
               _scheme(w, bits, min(group, cols), f"per group {min(group, cols)}")]
    fp16_bytes = w.size * 2
    table = tuple((s["scheme"], f"{s['scales']:,}", f"{s['mean_abs_error']:.2e}", f"{s['max_abs_error']:.2e}",
                   f"{s['error_bound']:.2e}", f"{100 * s['relative_error']:.2f}%", f"{s['bytes'] / 1024:,.1f}")
                  for s in schemes)
    memory = [(label, b, params_b * b / 8) for label, b in (("fp32", 32), ("fp16/bf16", 16), ("int8", 8),
                                                             ("int4", 4))]
    if bits not in (4, 8):
        memory.append((f"int{bits}", bits, params_b * bits / 8))
    sections = (
        Table(f"int{bits} round trip of a {rows}×{cols} matrix ({2 * qmax + 1} levels -{qmax}..{qmax}; fp16 = "
              f"{fp16_bytes / 1024:,.1f} KiB)",
              ("scheme", "scales", "mean |err|", "max |err|", "bound s/2", "rel. error", "KiB"), table,
              highlight=(2,)),
        Bars(f"weights-only memory of a {params_b:g}B-parameter model (GB = 1e9 bytes)",
             tuple(m[0] for m in memory), tuple(m[2] for m in memory), tuple(f"{m[2]:,.1f} GB" for m in memory)),
        Note("Every max |err| stays under its bound s/2. An outlier inflates the scale of its whole block, "
             "which is why smaller blocks (per row = per output channel, per group) lose less."),
    )
    chosen = schemes[2]
    data = {"bits": bits, "qmax": qmax, "levels": 2 * qmax + 1, "group_size": chosen["block"],
            "shape": [rows, cols], "schemes": [{k: (r(v, 8) if isinstance(v, float) else v) for k, v in
                                                s.items()} for s in schemes],
            "mean_abs_error": chosen["mean_abs_error"], "max_abs_error": chosen["max_abs_error"],
            "error_bound": chosen["error_bound"], "params_b": params_b, "model_gb": params_b * bits / 8,
            "model_gb_fp16": params_b * 2, "compression_vs_fp16": 16 / bits}
    return DemoResult(name, (
        f"int{bits} stores each weight as an integer in [-{qmax}, {qmax}] times a shared scale "
        "s = max|w| / qmax; the round-trip error is at most s/2.",
        f"Memory is bits/8 bytes per weight plus the scales: int{bits} is {16 / bits:g}× smaller than fp16."),
        data, sections, measured=("schemes", "mean_abs_error", "max_abs_error", "error_bound"))
