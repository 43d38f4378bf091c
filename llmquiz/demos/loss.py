"""Cross-entropy, perplexity and KL divergence, computed where you can see every term.

Cross-entropy of a text is the mean over its tokens of -ln p(right token | tokens before); perplexity is
exp of that: a model with perplexity k is as unsure as a uniform choice among k tokens. The tokens are
scored by the tiny model, or `--probs` gives the right token's probability at each step directly.
KL(P‖Q) = Σ p ln(p/q) is the extra nats paid for coding P with Q; it is not symmetric.
Leaves out: label smoothing, and bits-per-byte comparisons across tokenizers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from llmquiz.demos.numerics import log_softmax, r, show_token, tiny_model
from llmquiz.demos.result import Bars, DemoResult, Note, Table
from llmquiz.errors import UsageError


def cross_entropy(probs: list[float]) -> float:
    """Mean negative log-likelihood (nats) of the right tokens' probabilities.

    Example:
        >>> math.exp(cross_entropy([0.25, 0.25, 0.25]))   # perplexity of a 4-way coin
        4.0
    """
    return float(np.mean([-math.log(p) for p in probs]))


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """KL(P‖Q) in nats; infinite when Q gives zero probability to something P allows."""
    mask = p > 0
    if np.any(q[mask] == 0):
        return math.inf
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def _normalised(values: list[float], flag: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.sum() <= 0:
        raise UsageError(f"{flag} needs at least one positive probability.")
    return arr / arr.sum()


def _model_tokens(text: str) -> tuple[list[str], list[float], str]:
    model = tiny_model()
    ids = model.encode(text, bos=True)
    if len(ids) < 2:
        raise UsageError("--text has no tokens to score; give a sentence.")
    logp = log_softmax(model.logits(ids[:-1]))  # row t predicts ids[t + 1]
    probs = [float(math.exp(logp[t, ids[t + 1]])) for t in range(len(ids) - 1)]
    tokens = [show_token(model.token_text(i)) for i in ids[1:]]
    return tokens, probs, f"the tiny model ({model.vocab_size:,}-token vocabulary)"


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    if args["probs"] is not None:
        probs = list(args["probs"])
        tokens = [f"t{i + 1}" for i in range(len(probs))]
        scorer = "the probabilities given"
    else:
        tokens, probs, scorer = _model_tokens(args["text"])
    nll = [-math.log(p) for p in probs]
    ce = float(np.mean(nll))
    ppl = math.exp(ce)

    p = _normalised(args["p_dist"], "--p-dist")
    q = _normalised(args["q_dist"], "--q-dist")
    if len(p) != len(q):
        raise UsageError(f"--p-dist has {len(p)} values and --q-dist {len(q)}; they must match.")
    kl_pq, kl_qp = kl_divergence(p, q), kl_divergence(q, p)
    h_p = float(-np.sum(p[p > 0] * np.log(p[p > 0])))

    worst = int(np.argmax(nll))
    sections = (
        Table(f"token by token, scored by {scorer}", ("token", "p(token)", "-ln p"),
              (*((tok, f"{pr:.4f}", f"{x:.3f}") for tok, pr, x in zip(tokens, probs, nll, strict=True)),
               ("mean = cross-entropy", "", f"{ce:.3f}"), ("perplexity = exp(mean)", "", f"{ppl:.2f}")),
              highlight=(len(tokens), len(tokens) + 1)),
        Bars("surprise per token (-ln p)", tuple(tokens), tuple(nll), tuple(f"{x:.2f}" for x in nll)),
        Note(f"The most surprising token is {tokens[worst]!r} (p = {probs[worst]:.4f}). "
             f"Perplexity {ppl:.2f} ≈ choosing uniformly among {ppl:.1f} tokens at each step; the "
             f"cross-entropy {ce:.3f} nats is {ce / math.log(2):.3f} bits."),
        Table("KL divergence (nats)", ("", "value"), (
            ("P", ", ".join(f"{x:.3f}" for x in p)), ("Q", ", ".join(f"{x:.3f}" for x in q)),
            ("KL(P‖Q) = Σ p ln(p/q)", f"{kl_pq:.4f}"), ("KL(Q‖P)", f"{kl_qp:.4f}"),
            ("H(P)", f"{h_p:.4f}"), ("cross-entropy H(P, Q) = H(P) + KL(P‖Q)", f"{h_p + kl_pq:.4f}"),
        ), highlight=(2,)),
    )
    data = {"source": "probs" if args["probs"] is not None else "model",
            "text": None if args["probs"] is not None else args["text"],
            "tokens": tokens, "probs": [r(x, 6) for x in probs], "nll": [r(x, 6) for x in nll],
            "cross_entropy": ce, "cross_entropy_bits": ce / math.log(2), "perplexity": ppl,
            "p_dist": [r(x, 6) for x in p], "q_dist": [r(x, 6) for x in q],
            "kl_pq": kl_pq if math.isfinite(kl_pq) else None, "kl_qp": kl_qp if math.isfinite(kl_qp) else None,
            "entropy_p": h_p, "cross_entropy_pq": h_p + kl_pq if math.isfinite(kl_pq) else None}
    return DemoResult(name, (
        "Cross-entropy averages -ln p(right token) over a text; perplexity = exp(cross-entropy), the "
        "effective number of equally likely choices.",
        "KL(P‖Q) is the extra cost of predicting with Q when the truth is P; it is ≥ 0 and not symmetric."),
        data, sections)
