"""Temperature, top-p (nucleus) and top-k over one next-token distribution.

The distribution is the tiny model's next-token logits after `--prompt`, or logits / probabilities
given by hand (`--logits 2,1,0.5`, `--probs 0.5,0.3,0.2`), whose tokens are named A, B, C, ...
What this leaves out: min-p, repetition penalties, and the order real samplers apply these in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from llmquiz.demos.numerics import entropy_bits, letter_labels, r, show_token, softmax, tiny_model
from llmquiz.demos.result import Bars, DemoResult, Note, Table
from llmquiz.errors import UsageError

_SHOWN = 10  # candidates listed when the distribution is the model's whole vocabulary
_BARS = 6  # tokens drawn in each temperature's bar chart


@dataclass(frozen=True)
class Source:
    """Where the logits came from, with a readable label per token."""

    origin: str  # "prompt", "logits" or "probs"
    prompt: str | None
    labels: list[str]
    logits: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.origin, "prompt": self.prompt, "vocab_size": len(self.labels)}


def load_source(args: dict[str, Any]) -> Source:
    """The logits the demo works on: hand-given logits or probabilities, else the tiny model's."""
    if args["logits"] is not None and args["probs"] is not None:
        raise UsageError("Give --logits or --probs, not both.")
    if args["logits"] is not None:
        logits = np.array(args["logits"], dtype=np.float64)
        return Source("logits", None, letter_labels(len(logits)), logits)
    if args["probs"] is not None:
        probs = np.array(args["probs"], dtype=np.float64)
        if probs.sum() <= 0:
            raise UsageError("--probs must contain at least one positive probability.")
        with np.errstate(divide="ignore"):
            logits = np.log(probs / probs.sum())  # zero probabilities become -inf logits: never sampled
        return Source("probs", None, letter_labels(len(logits)), logits)
    model = tiny_model()
    logits = np.asarray(model.next_logits(args["prompt"]), dtype=np.float64)
    labels = [show_token(model.token_text(i)) for i in range(len(logits))]
    return Source("prompt", args["prompt"], labels, logits)


def ranked(logits: np.ndarray) -> np.ndarray:
    """Token indices from most to least likely (ties keep the lower index first)."""
    return np.argsort(-logits, kind="stable")


def nucleus(probs: np.ndarray, p: float) -> np.ndarray:
    """Indices of the smallest set of most-likely tokens whose total probability reaches `p`.

    Example:
        >>> nucleus(np.array([0.1, 0.5, 0.4]), 0.8)
        array([1, 2])
    """
    order = np.argsort(-probs, kind="stable")
    cumulative = np.cumsum(probs[order])
    # The tolerance keeps p = 1.0 (or p equal to a partial sum) from failing on float rounding.
    n = int(np.searchsorted(cumulative, p - 1e-12)) + 1
    return order[: min(n, len(order))]


def top_k(probs: np.ndarray, logits: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` most likely tokens (ties broken by the raw logits, then by index)."""
    order = np.lexsort((np.arange(len(probs)), -logits, -probs))
    return order[:k]


def _head(source: Source) -> np.ndarray:
    # Hand-given distributions are shown whole and in their given order; a vocabulary by rank.
    if source.origin == "prompt":
        return ranked(source.logits)[:_SHOWN]
    return np.arange(len(source.logits))


def _describe_source(source: Source) -> str:
    if source.origin == "prompt":
        return f"the tiny model's next token after {source.prompt!r} (a {len(source.labels):,}-token vocabulary)"
    return f"{len(source.labels)} {source.origin} given by hand"


def temperature(args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    source = load_source(args)
    head = _head(source)
    runs, rows = [], []
    for t in args["temperatures"]:
        probs = softmax(source.logits, t)
        draws = rng.choice(len(probs), size=args["samples"], p=probs) if args["samples"] else []
        runs.append({
            "temperature": t,
            "probs": [r(probs[i]) for i in head],
            "other_mass": r(1.0 - probs[head].sum()) if source.origin == "prompt" else 0.0,
            "entropy_bits": r(entropy_bits(probs)),
            "top_prob": r(probs.max()),
            "samples": [source.labels[i] for i in draws],
        })
    labels = [source.labels[i] for i in head]
    for j, i in enumerate(head):
        rows.append((labels[j], f"{source.logits[i]:.2f}", *(f"{run['probs'][j]:.3f}" for run in runs)))
    if source.origin == "prompt":
        rows.append(("(all others)", "", *(f"{run['other_mass']:.3f}" for run in runs)))
    rows.append(("entropy (bits)", "", *(f"{run['entropy_bits']:.2f}" for run in runs)))
    sections: list[Any] = [Table("softmax(logits / T)", ("token", "logit", *(f"T={t:g}" for t in
                                                                           args["temperatures"])),
                                 tuple(rows), highlight=(len(rows) - 1,))]
    bars = min(len(labels), _BARS)  # a few tokens per chart keep several temperatures on one screen
    for run in runs:
        sections.append(Bars(f"T = {run['temperature']:g}" + (" (greedy)" if run["temperature"] == 0 else ""),
                             tuple(labels[:bars]), tuple(run["probs"][:bars]),
                             tuple(f"{p:.3f}" for p in run["probs"][:bars]), scale=1.0))
    if args["samples"]:
        sections.append(Table(f"{args['samples']} seeded samples per temperature", ("T", "samples"),
                              tuple((f"{run['temperature']:g}", " ".join(run["samples"])) for run in runs)))
    shown_logits = [r(source.logits[i]) if np.isfinite(source.logits[i]) else None for i in head]
    data = {**source.to_dict(), "labels": labels, "logits": shown_logits,
            "temperatures": list(args["temperatures"]), "by_temperature": runs}
    return DemoResult("temperature", (
        f"Temperature divides the logits before the softmax: T < 1 sharpens, T > 1 flattens, T = 0 is argmax."
        f" Here: {_describe_source(source)}.",
        "Entropy (bits) measures the spread: 0 is certain, log2(n) is uniform over n tokens."),
        data, tuple(sections), measured=("by_temperature.*.samples",))


def _filtered(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    source = load_source(args)
    probs = softmax(source.logits, args["temperature"])
    if name == "top-p":
        kept = nucleus(probs, args["p"])
    else:
        if args["k"] > len(probs):
            raise UsageError(f"--k {args['k']} is more than the {len(probs)} tokens in the distribution.")
        kept = top_k(probs, source.logits, args["k"])
    mass = float(probs[kept].sum())
    renorm = probs[kept] / mass
    counts = np.bincount(rng.choice(len(kept), size=args["draws"], p=renorm), minlength=len(kept))
    freqs = counts / args["draws"]
    labels = [source.labels[i] for i in kept]

    shown = ranked(probs) if source.origin != "prompt" else _head(source)
    kept_set = set(kept.tolist())
    if source.origin == "prompt":  # show every kept token that fits, then the best dropped ones
        shown = np.array(list(kept[:_SHOWN]) + [i for i in ranked(source.logits) if i not in kept_set][
            : max(0, _SHOWN - len(kept))])
    cumulative = np.cumsum(probs[ranked(probs)])
    rank_of = {int(i): n for n, i in enumerate(ranked(probs))}
    renorm_of = {int(i): renorm[n] for n, i in enumerate(kept)}
    freq_of = {int(i): freqs[n] for n, i in enumerate(kept)}
    rows = tuple(
        (source.labels[i], f"{probs[i]:.3f}", f"{cumulative[rank_of[int(i)]]:.3f}",
         "kept" if i in kept_set else "dropped",
         f"{renorm_of[int(i)]:.3f}" if i in kept_set else "", f"{freq_of[int(i)]:.3f}" if i in kept_set else "")
        for i in shown)
    rule = (f"smallest set with mass ≥ p = {args['p']:g}" if name == "top-p" else f"the k = {args['k']} most likely")
    sections: list[Any] = [
        Table(f"{name}: {rule} (T = {args['temperature']:g})",
              ("token", "prob", "cumulative", "", "renormalised", f"freq ({args['draws']} draws)"),
              rows, highlight=tuple(n for n, i in enumerate(shown) if i in kept_set)),
        Bars("renormalised vs drawn", tuple(labels[:_SHOWN]), tuple(renorm[:_SHOWN]),
             tuple(f"p={p:.3f}  drawn {f:.3f}" for p, f in zip(renorm[:_SHOWN], freqs[:_SHOWN], strict=True)),
             scale=1.0),
    ]
    if len(kept) > _SHOWN:
        sections.append(Note(f"… and {len(kept) - _SHOWN} more: {len(kept)} tokens kept in all."))
    data: dict[str, Any] = {**source.to_dict(), "temperature": args["temperature"]}
    if name == "top-p":
        data["p"] = args["p"]
    else:
        data["k"] = args["k"]
    data.update({
        "labels": [source.labels[i] for i in _head(source)],
        "probs": [r(probs[i]) for i in _head(source)],
        "kept": labels, "kept_count": len(kept), "kept_mass": r(mass),
        "renormalised": [r(x) for x in renorm], "draws": args["draws"],
        "frequencies": [r(x) for x in freqs],
    })
    if name == "top-p":
        first = ("Top-p keeps the most likely tokens until their total probability reaches p, then "
                 "renormalises: the set grows when the model is unsure and shrinks when it is confident.")
    else:
        first = ("Top-k keeps the k most likely tokens and renormalises, however confident the model is: "
                 "too few when it is unsure, too many when it is sure.")
    return DemoResult(name, (first, f"Here: {_describe_source(source)}; the last column is {args['draws']} "
                                    "seeded draws from the kept set."), data, tuple(sections),
                      measured=("frequencies",))


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    """Run `temperature`, `top-p` or `top-k` with resolved `args`."""
    if name == "temperature":
        return temperature(args, rng)
    return _filtered(name, args, rng)
