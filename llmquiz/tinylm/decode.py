"""Decoding: turning next-token logits into text, one token at a time.

Three strategies over the same model: greedy (always the argmax), beam search (keep the `width`
most probable partial continuations by total log-probability) and sampling (draw from
softmax(logits / temperature), optionally restricted to the top-k tokens and/or the nucleus: the
smallest set whose probability reaches top_p). Every function returns only the new token ids and
stops after generating `<eos>`. Sequences longer than the context keep their last `context` tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from llmquiz.errors import DemoError
from llmquiz.tinylm.gpt import forward
from llmquiz.tinylm.threads import single_threaded_blas
from llmquiz.tinylm.vocab import EOS_ID

if TYPE_CHECKING:
    from llmquiz.tinylm.lm import LanguageModel


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _last_logits(model: LanguageModel, seqs: list[list[int]]) -> np.ndarray:
    """Next-token logits (B, V) for equally long sequences, each cut to the context."""
    batch = np.asarray([s[-model.context:] for s in seqs], dtype=np.int64)
    with single_threaded_blas():
        logits, _, _ = forward(model.params, model.cfg, batch, last_only=True)
    return logits[:, -1].astype(np.float64)


def _check(model: LanguageModel, ids: list[int], n: int) -> None:
    if not ids:
        raise DemoError("Decoding needs a prompt of at least one token (start with model.bos_id).")
    model._check_ids(ids)
    if n < 0:
        raise DemoError("The number of tokens to generate must be 0 or more.")


def greedy(model: LanguageModel, ids: list[int], n: int) -> list[int]:
    """Pick the most likely next token `n` times (or until `<eos>`)."""
    _check(model, ids, n)
    seq, new = list(ids), []
    for _ in range(n):
        nxt = int(np.argmax(_last_logits(model, [seq])[0]))
        seq.append(nxt)
        new.append(nxt)
        if nxt == EOS_ID:
            break
    return new


def beam_search(model: LanguageModel, ids: list[int], n: int, width: int) -> list[tuple[list[int], float]]:
    """The `width` highest log-probability continuations of at most `n` tokens, best first.

    Returns (new ids, total log-probability) pairs. A beam that emits `<eos>` is finished and
    competes as is; the others grow by one token per step.
    """
    _check(model, ids, n)
    if width < 1:
        raise DemoError("The beam width must be at least 1.")
    beams: list[tuple[list[int], float]] = [([], 0.0)]
    finished: list[tuple[list[int], float]] = []
    for _ in range(n):
        if not beams:
            break
        logp = _log_softmax(_last_logits(model, [ids + b for b, _ in beams]))
        # score every (beam, next token) pair by its total log-probability; keep the best `width`
        totals = np.asarray([score for _, score in beams])[:, None] + logp
        best = np.argsort(-totals, axis=None, kind="stable")[:width]
        grown = [(beams[b][0] + [int(t)], float(totals[b, t]))
                 for b, t in (divmod(int(f), logp.shape[1]) for f in best)]
        finished += [g for g in grown if g[0][-1] == EOS_ID]
        beams = [g for g in grown if g[0][-1] != EOS_ID]
    return sorted(finished + beams, key=lambda x: -x[1])[:width]


def filter_probs(probs: np.ndarray, top_p: float = 1.0, top_k: int = 0) -> np.ndarray:
    """Zero every token outside the top-k and outside the nucleus (top-p), then renormalise.

    Example:
        >>> filter_probs(np.array([0.5, 0.3, 0.2]), top_p=0.7)
        array([0.625, 0.375, 0.   ])
    """
    order = np.argsort(-probs, kind="stable")
    keep = np.zeros(probs.shape, dtype=bool)
    k = len(probs) if top_k <= 0 else min(top_k, len(probs))
    # nucleus: the fewest most-likely tokens whose probability reaches top_p (always at least one)
    cumulative = np.cumsum(probs[order])
    n_p = int(np.searchsorted(cumulative, top_p - 1e-12)) + 1
    keep[order[: min(k, n_p)]] = True
    out = np.where(keep, probs, 0.0)
    return out / out.sum()


def sample(model: LanguageModel, ids: list[int], n: int, temperature: float = 1.0, top_p: float = 1.0,
           top_k: int = 0, rng: np.random.Generator | None = None) -> list[int]:
    """Draw `n` tokens from softmax(logits / temperature) after top-k / top-p filtering.

    temperature 0 means greedy. `rng` defaults to a generator seeded with 0, so runs repeat.
    """
    _check(model, ids, n)
    if temperature < 0 or not 0 < top_p <= 1:
        raise DemoError("Sampling needs temperature >= 0 and 0 < top_p <= 1.")
    if temperature == 0:
        return greedy(model, ids, n)
    rng = rng if rng is not None else np.random.default_rng(0)
    seq, new = list(ids), []
    for _ in range(n):
        logits = _last_logits(model, [seq])[0] / temperature
        probs = np.exp(_log_softmax(logits))
        nxt = int(rng.choice(len(probs), p=filter_probs(probs, top_p, top_k)))
        seq.append(nxt)
        new.append(nxt)
        if nxt == EOS_ID:
            break
    return new
