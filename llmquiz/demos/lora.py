"""LoRA: how few parameters a rank-r update trains, and why merging it costs nothing at inference.

A frozen weight W (d_out × d_in) is adapted by ΔW = (alpha / r) · B A with A (r × d_in) and B (d_out × r):
r · (d_in + d_out) trainable numbers instead of d_in · d_out. B starts at zero, so the adapted model
starts out identical to the base. After training, W' = W + (alpha / r) B A is one matrix of the same
shape: the merged layer gives the same outputs with no extra latency. Leaves out: dropout, which
modules to adapt, and QLoRA's 4-bit base.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmquiz.demos.numerics import r
from llmquiz.demos.result import Bars, DemoResult, Note, Table

_NUMERIC_CAP = 512  # the merge check runs on matrices at most this wide (the identity is shape-free)


def counts(d_in: int, d_out: int, rank: int, matrices: int = 1) -> dict[str, Any]:
    """Full vs LoRA trainable parameters for `matrices` weight matrices of shape d_out × d_in.

    Example:
        >>> counts(4096, 4096, 8)["lora_params"]
        65536
    """
    full = d_in * d_out * matrices
    lora = rank * (d_in + d_out) * matrices
    return {"full_params": full, "lora_params": lora, "fraction": lora / full,
            "reduction": full / lora}


def update_rank(b: np.ndarray, a: np.ndarray) -> int:
    """rank(B A) from two thin QR factorisations: B A = Q_b (R_b R_aᵀ) Q_aᵀ, so only an r × r matrix
    needs an SVD (a full SVD of the d_out × d_in product would take seconds)."""
    _, r_b = np.linalg.qr(b)
    _, r_a = np.linalg.qr(a.T)
    return int(np.linalg.matrix_rank(r_b @ r_a.T))


def merge_check(d_in: int, d_out: int, rank: int, alpha: float, rng: np.random.Generator) -> dict[str, Any]:
    """Outputs of the unmerged (W x + s·B(A x)) and merged ((W + s·BA) x) layers on random inputs."""
    d_in, d_out = min(d_in, _NUMERIC_CAP), min(d_out, _NUMERIC_CAP)
    rank = min(rank, d_in, d_out)
    scale = alpha / rank
    w = rng.standard_normal((d_out, d_in)) / np.sqrt(d_in)
    a = rng.standard_normal((rank, d_in)) / np.sqrt(d_in)  # A: random (Kaiming-like) init
    b_init = np.zeros((d_out, rank))  # B: zeros, so training starts from the base model
    b = rng.standard_normal((d_out, rank)) * 0.01  # B after some (pretend) training
    x = rng.standard_normal((d_in, 8))
    at_init = w @ x + scale * (b_init @ (a @ x))
    unmerged = w @ x + scale * (b @ (a @ x))
    merged = (w + scale * (b @ a)) @ x
    return {"shape": [d_out, d_in], "rank": rank, "init_max_abs_diff": float(np.abs(at_init - w @ x).max()),
            "merge_max_abs_diff": float(np.abs(merged - unmerged).max()),
            "update_rank": update_rank(b, a),
            "output_scale": float(np.abs(unmerged).max())}


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    d_in, d_out, rank, alpha, matrices = (args[k] for k in ("d_in", "d_out", "rank", "alpha", "matrices"))
    c = counts(d_in, d_out, rank, matrices)
    check = merge_check(d_in, d_out, rank, alpha, rng)
    rows = (
        ("full fine-tuning", f"d_in·d_out = {d_in}·{d_out}", f"{c['full_params']:,}", "100%"),
        ("LoRA", f"r·(d_in+d_out) = {rank}·({d_in}+{d_out})", f"{c['lora_params']:,}",
         f"{100 * c['fraction']:.3f}%"),
    )
    shape = f"{check['shape'][0]}×{check['shape'][1]}"
    sections = (
        Table(f"Trainable parameters ({matrices} matri{'x' if matrices == 1 else 'ces'} of {d_out}×{d_in})",
              ("", "formula", "parameters", "share"), rows, highlight=(1,)),
        Bars("trainable parameters", ("full", "LoRA"), (c["full_params"], c["lora_params"]),
             (f"{c['full_params']:,}", f"{c['lora_params']:,} ({c['reduction']:,.0f}× fewer)")),
        Table(f"Merging, checked numerically on a {shape} layer (alpha = {alpha:g}, scale alpha/r = "
              f"{alpha / check['rank']:g})", ("check", "max |difference|"), (
                  ("B = 0 at init: adapted output − base output", f"{check['init_max_abs_diff']:.1e}"),
                  ("(W + s·BA)x − (Wx + s·B(Ax))", f"{check['merge_max_abs_diff']:.1e}"),
              )),
        Note(f"The update s·BA has rank {check['update_rank']} (≤ r): it can only move W within an "
             f"r-dimensional subspace. Merged, it is a plain {shape} matrix again: no extra latency."),
    )
    data = {"d_in": d_in, "d_out": d_out, "rank": rank, "alpha": alpha, "matrices": matrices,
            "full_params": c["full_params"], "lora_params": c["lora_params"],
            "trainable_percent": r(100 * c["fraction"], 6), "reduction": r(c["reduction"], 2),
            "merge_check_shape": check["shape"], "merge_max_abs_diff": check["merge_max_abs_diff"],
            "init_max_abs_diff": check["init_max_abs_diff"], "update_rank": check["update_rank"]}
    return DemoResult(name, (
        "LoRA freezes W and trains a low-rank update BA: r·(d_in + d_out) numbers instead of d_in·d_out.",
        "B starts at zero so training starts from the base model; after training W + (alpha/r)·BA is merged "
        "into one matrix, so inference costs the same as the base model."), data, sections,
        measured=("merge_max_abs_diff", "init_max_abs_diff"))
