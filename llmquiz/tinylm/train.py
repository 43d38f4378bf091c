"""Training the tiny GPT on the decks' model answers: AdamW, seeded and deterministic.

Training text is every training card's `<bos> answer <eos>`, concatenated into one token stream;
each step takes `batch_size` random windows of `context + 1` tokens (inputs and the same tokens
shifted by one as targets). The learning rate warms up linearly, then follows a cosine down to
10%. Losses reported at the end are full passes over the training and held-out streams, not the
noisy minibatch losses.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from llmquiz.errors import ModelError
from llmquiz.tinylm.corpus import Corpus
from llmquiz.tinylm.gpt import GPTConfig, Params, backward, forward, init_params
from llmquiz.tinylm.lm import ENCODING, LanguageModel
from llmquiz.tinylm.threads import single_threaded_blas
from llmquiz.tinylm.vocab import BOS_ID, EOS_ID, Vocab


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines the trained weights (with the corpus)."""

    steps: int = 1000
    batch_size: int = 16
    lr: float = 3e-3
    warmup: int = 100
    weight_decay: float = 1.0  # strong: the corpus is tiny, and this keeps held-out loss near its best
    grad_clip: float = 1.0
    min_count: int = 2  # a token enters the vocabulary when seen this often in the training answers
    seed: int = 0
    context: int = 64
    n_layer: int = 2
    n_head: int = 4
    d_model: int = 64
    d_ff: int = 256

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TrainResult:
    """The trained model and what the run measured."""

    model: LanguageModel
    train_loss: float
    heldout_loss: float
    seconds: float
    history: tuple[tuple[int, float, float], ...]  # (step, minibatch loss, held-out loss) every `log_every` steps

    def to_dict(self) -> dict[str, Any]:
        return {"train_loss": self.train_loss, "heldout_loss": self.heldout_loss,
                "heldout_perplexity": math.exp(self.heldout_loss), "seconds": round(self.seconds, 2),
                "n_params": self.model.n_params, "vocab_size": self.model.vocab_size}


def tokenize(corpus: Corpus, min_count: int) -> tuple[Vocab, np.ndarray, np.ndarray]:
    """Build the vocabulary from the training answers; return it and both token streams."""
    from llmquiz.encodings import get_encoding

    enc = get_encoding(ENCODING)
    train_tt = [enc.encode(a.text, disallowed_special=()) for a in corpus.train]
    held_tt = [enc.encode(a.text, disallowed_special=()) for a in corpus.heldout]
    vocab = Vocab.from_counts(Counter(t for ids in train_tt for t in ids), min_count, enc)

    def stream(docs: list[list[int]]) -> np.ndarray:
        return np.asarray([t for ids in docs for t in (BOS_ID, *vocab.from_tiktoken(ids, enc), EOS_ID)],
                          dtype=np.int64)

    return vocab, stream(train_tt), stream(held_tt)


def evaluate(params: Params, cfg: GPTConfig, tokens: np.ndarray) -> float:
    """Mean cross-entropy over a whole stream, in consecutive windows of `context` predictions."""
    total, count = 0.0, 0
    T = cfg.context
    starts = list(range(0, len(tokens) - 1, T))
    full = [s for s in starts if s + T + 1 <= len(tokens)]
    for b in range(0, len(full), 16):  # 16 windows at a time keeps the logits small
        chunk = np.stack([tokens[s:s + T + 1] for s in full[b:b + 16]])
        _, loss, _ = forward(params, cfg, chunk[:, :-1], chunk[:, 1:])
        total += loss * chunk[:, 1:].size
        count += chunk[:, 1:].size
    tail = [s for s in starts if s + T + 1 > len(tokens)]
    for s in tail:  # the last, shorter window
        piece = tokens[s:][None]
        _, loss, _ = forward(params, cfg, piece[:, :-1], piece[:, 1:])
        total += loss * (piece.shape[1] - 1)
        count += piece.shape[1] - 1
    return total / max(count, 1)


def lr_at(step: int, tc: TrainConfig) -> float:
    """Linear warmup, then cosine decay to 10% of the peak."""
    if step < tc.warmup:
        return tc.lr * (step + 1) / tc.warmup
    progress = (step - tc.warmup) / max(1, tc.steps - tc.warmup)
    return tc.lr * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def train(corpus: Corpus, tc: TrainConfig | None = None, *, log_every: int = 50,
          progress: Callable[[int, float, float], None] | None = None) -> TrainResult:
    """Train a tiny GPT on `corpus`; `progress(step, loss, heldout_loss)` is called every `log_every` steps.

    Example:
        >>> from llmquiz.paths import shipped_decks_dir
        >>> from llmquiz.tinylm.corpus import load_corpus
        >>> result = train(load_corpus(shipped_decks_dir()), TrainConfig(steps=50))
        >>> result.heldout_loss < 8
        True
    """
    with single_threaded_blas():  # so the weights do not depend on the machine's core count
        return _train(corpus, tc or TrainConfig(), log_every, progress)


def _train(corpus: Corpus, tc: TrainConfig, log_every: int,
           progress: Callable[[int, float, float], None] | None) -> TrainResult:
    started = time.perf_counter()
    vocab, train_tokens, held_tokens = tokenize(corpus, tc.min_count)
    cfg = GPTConfig(vocab_size=len(vocab), context=tc.context, n_layer=tc.n_layer, n_head=tc.n_head,
                    d_model=tc.d_model, d_ff=tc.d_ff)
    if len(train_tokens) < cfg.context + 2:
        raise ModelError(f"The training answers hold only {len(train_tokens)} tokens; the tiny model needs "
                         f"more than {cfg.context + 1} (add cards or lower the context).")
    rng = np.random.default_rng(tc.seed)
    params = init_params(cfg, rng)
    # AdamW state: first and second moment estimates per parameter
    m = {k: np.zeros_like(p) for k, p in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    beta1, beta2, eps = 0.9, 0.95, 1e-8
    history: list[tuple[int, float, float]] = []
    for step in range(tc.steps):
        # a batch of random windows: inputs x and next-token targets y
        starts = rng.integers(0, len(train_tokens) - cfg.context, size=tc.batch_size)
        windows = np.stack([train_tokens[s:s + cfg.context + 1] for s in starts])
        _, loss, cache = forward(params, cfg, windows[:, :-1], windows[:, 1:])
        grads = backward(params, cfg, cache)
        # clip the global gradient norm so one bad batch cannot blow up the weights
        norm = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads.values()))
        clip = min(1.0, tc.grad_clip / (norm + 1e-12))
        lr = lr_at(step, tc)
        for k, p in params.items():
            g = grads[k] * clip
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            m_hat = m[k] / (1 - beta1 ** (step + 1))
            v_hat = v[k] / (1 - beta2 ** (step + 1))
            # decoupled weight decay on matrices only (not on biases or LayerNorm gains)
            decay = tc.weight_decay if p.ndim == 2 else 0.0
            params[k] = (p - lr * (m_hat / (np.sqrt(v_hat) + eps) + decay * p)).astype(p.dtype)
        if step % log_every == 0 or step == tc.steps - 1:
            history.append((step, loss, evaluate(params, cfg, held_tokens)))
            if progress:
                progress(*history[-1])
    train_loss = evaluate(params, cfg, train_tokens)
    heldout_loss = evaluate(params, cfg, held_tokens)
    meta = {
        "encoding": ENCODING,
        "train_loss": round(train_loss, 6),
        "heldout_loss": round(heldout_loss, 6),
        "training": tc.to_dict(),
        "corpus": corpus.to_dict() | {"train_tokens": len(train_tokens), "heldout_tokens": len(held_tokens)},
    }
    model = LanguageModel(cfg, params, vocab, meta, source="memory")
    return TrainResult(model, train_loss, heldout_loss, time.perf_counter() - started, tuple(history))


def train_and_save(decks_dir: Path, output: Path, tc: TrainConfig | None = None, **kwargs: Any) -> TrainResult:
    """Read the decks in `decks_dir`, train, and write the weights to `output`."""
    from llmquiz.tinylm.corpus import load_corpus
    from llmquiz.tinylm.weights import save_weights

    result = train(load_corpus(decks_dir), tc, **kwargs)
    model = result.model
    save_weights(output, model.cfg, model.params, model.vocab, model.meta)
    model.path, model.source = Path(output), "file"
    return result
