"""Mixture of experts: a router picks top_k of `experts` FFNs per token; total vs active parameters.

The router is a seeded random linear layer over seeded random hidden states: gate logits = x W_r, each
token goes to its top_k experts, weighted by the softmax of those k logits. Every expert's parameters
must sit in memory (total), but a token only runs shared + top_k experts (active), which sets the FLOPs.
Leaves out: load-balancing losses, capacity limits and token dropping, shared experts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmquiz.demos.numerics import r, softmax
from llmquiz.demos.result import Bars, DemoResult, Note, Table
from llmquiz.errors import UsageError


def route(x: np.ndarray, w_router: np.ndarray, top_k: int) -> tuple[np.ndarray, np.ndarray]:
    """(chosen expert indices (tokens × top_k), gate weights (tokens × top_k)) for hidden states `x`."""
    logits = x @ w_router
    chosen = np.argsort(-logits, axis=1, kind="stable")[:, :top_k]
    gates = softmax(np.take_along_axis(logits, chosen, axis=1))  # renormalised over the chosen k
    return chosen, gates


def params(experts: int, top_k: int, expert_b: float, shared_b: float) -> tuple[float, float]:
    """(total, active) parameters in billions.

    Example:
        >>> params(8, 2, 5.63, 1.63)   # Mixtral 8x7B: ~46.7B total, ~12.9B active
        (46.67, 12.89)
    """
    return round(shared_b + experts * expert_b, 6), round(shared_b + top_k * expert_b, 6)


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    experts, top_k, tokens, d_model = (args[k] for k in ("experts", "top_k", "tokens", "d_model"))
    if top_k > experts:
        raise UsageError(f"--top-k {top_k} is more than --experts {experts}.")
    x = rng.standard_normal((tokens, d_model))
    w_router = rng.standard_normal((d_model, experts)) / np.sqrt(d_model)
    chosen, gates = route(x, w_router, top_k)
    load = np.bincount(chosen.ravel(), minlength=experts)
    fair = tokens * top_k / experts
    total, active = params(experts, top_k, args["expert_params_b"], args["shared_params_b"])
    shown = min(tokens, 8)
    sections = (
        Table(f"routing of the first {shown} of {tokens} tokens", ("token", "experts", "gate weights"),
              tuple((f"t{t}", ", ".join(f"E{e}" for e in chosen[t]), ", ".join(f"{g:.2f}" for g in gates[t]))
                    for t in range(shown))),
        Bars(f"load per expert ({tokens} tokens × top-{top_k} = {tokens * top_k} assignments; fair share "
             f"{fair:g})", tuple(f"E{e}" for e in range(experts)), tuple(float(v) for v in load),
             tuple(f"{v} ({v / fair:.2f}× fair)" for v in load)),
        Table("parameters (billions)", ("", "formula", "billions"), (
            ("total (in memory)", f"shared + experts × expert = {args['shared_params_b']:g} + {experts} × "
                                  f"{args['expert_params_b']:g}", f"{total:,.2f}"),
            ("active (per token)", f"shared + top_k × expert = {args['shared_params_b']:g} + {top_k} × "
                                   f"{args['expert_params_b']:g}", f"{active:,.2f}"),
        ), highlight=(1,)),
        Note(f"Active per token: {active:,.2f}B of {total:,.2f}B parameters ({100 * active / total:.1f}%)."
             if total else "No parameters given."),
        Note(f"Imbalance: the busiest expert gets {load.max() / fair:.2f}× its fair share. Without a balancing "
             "loss, a router can collapse onto a few experts."),
    )
    data = {"experts": experts, "top_k": top_k, "tokens": tokens, "assignments": int(load.sum()),
            "load": [int(v) for v in load], "max_load_ratio": r(load.max() / fair),
            "routes": [[int(e) for e in row] for row in chosen[:shown]],
            "gates": [[r(g) for g in row] for row in gates[:shown]],
            "total_params_b": total, "active_params_b": active, "active_fraction": r(active / total)
            if total else 0.0}
    return DemoResult(name, (
        f"A router sends each token to its top-{top_k} of {experts} experts, mixing their outputs by gate "
        "weights; the rest stay idle for that token.",
        "All experts must be in memory (total parameters) but each token only computes with the active ones."),
        data, sections, measured=("load", "max_load_ratio", "routes", "gates"))
