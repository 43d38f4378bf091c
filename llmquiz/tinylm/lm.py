"""`LanguageModel`: the tiny GPT behind the demos — text in, next-token logits and attention out.

`load_model()` returns the user-trained model (`cache_dir()/tinylm.npz`, written by
`llmquiz model train`) when there is one, else the one shipped in the package. It is cached per
process and only reads an `.npz`, so it takes milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from llmquiz.errors import DemoError, ModelError
from llmquiz.tinylm import decode as decoding
from llmquiz.tinylm.gpt import GPTConfig, Params, forward, n_params
from llmquiz.tinylm.threads import single_threaded_blas
from llmquiz.tinylm.vocab import BOS_ID, EOS_ID, UNK_ID, Vocab

ENCODING = "cl100k_base"  # the tokenizer the compact vocabulary is drawn from


def shipped_path() -> Path:
    """The weights that ship inside the package."""
    return Path(__file__).resolve().parent.parent / "data" / "tinylm.npz"


def user_path() -> Path:
    """Where `llmquiz model train` writes by default; preferred over the shipped file when present."""
    from llmquiz.paths import cache_dir

    return cache_dir() / "tinylm.npz"


@dataclass(frozen=True)
class ModelInfo:
    """What `llmquiz model info` shows."""

    path: str
    source: str  # "user", "shipped" or "file"
    n_params: int
    vocab_size: int
    n_layer: int
    d_model: int
    n_head: int
    d_ff: int
    context: int
    encoding: str
    min_count: int
    steps: int
    batch_size: int
    seed: int
    train_loss: float
    train_perplexity: float
    heldout_loss: float
    heldout_perplexity: float
    corpus_cards: int
    corpus_train_cards: int
    corpus_heldout_cards: int
    corpus_train_tokens: int
    corpus_heldout_tokens: int
    corpus_sha256: str
    corpus_files: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["corpus_files"] = list(self.corpus_files)
        return d


class LanguageModel:
    """A trained tiny GPT with its vocabulary.

    Example:
        >>> m = load_model()
        >>> logits = m.next_logits("Retrieval-augmented generation")
        >>> m.token_text(int(logits.argmax()))   # the most likely next token
    """

    def __init__(self, cfg: GPTConfig, params: Params, vocab: Vocab, meta: dict[str, Any] | None = None,
                 path: Path | None = None, source: str = "file") -> None:
        self.cfg = cfg
        self.params = params
        self.vocab = vocab
        self.meta = meta or {}
        self.path = path
        self.source = source
        self._encoding = None

    # -- sizes and special ids

    @property
    def vocab_size(self) -> int:
        return self.cfg.vocab_size

    @property
    def n_params(self) -> int:
        return n_params(self.params)

    @property
    def context(self) -> int:
        return self.cfg.context

    bos_id = BOS_ID
    eos_id = EOS_ID
    unk_id = UNK_ID

    # -- text <-> ids

    def encode(self, text: str, bos: bool = False) -> list[int]:
        """Text -> compact ids (cl100k_base BPE; tokens outside the vocabulary are spelled with smaller
        ones, down to single bytes); `bos` prepends `<bos>`."""
        if self._encoding is None:
            from llmquiz.encodings import get_encoding

            self._encoding = get_encoding(ENCODING)
        ids = self.vocab.from_tiktoken(self._encoding.encode(text, disallowed_special=()), self._encoding)
        return [BOS_ID, *ids] if bos else ids

    def decode(self, ids) -> str:
        """Compact ids -> text (`<bos>`/`<eos>` dropped)."""
        return self.vocab.decode([int(i) for i in ids])

    def token_text(self, i: int) -> str:
        """The text of one compact id (`<unk>`, `<bos>`, `<eos>` for the specials)."""
        if not 0 <= int(i) < self.vocab_size:
            raise DemoError(f"Token ids must be in 0..{self.vocab_size - 1} for the tiny model.")
        return self.vocab.token_text(int(i))

    # -- the forward pass

    def _check_ids(self, ids) -> np.ndarray:
        arr = np.asarray(ids, dtype=np.int64).reshape(-1)
        if arr.size == 0:
            raise DemoError("The tiny model needs at least one token.")
        if arr.min() < 0 or arr.max() >= self.vocab_size:
            raise DemoError(f"Token ids must be in 0..{self.vocab_size - 1} for the tiny model.")
        return arr

    def logits(self, ids) -> np.ndarray:
        """Next-token logits at every position: row t scores the token after ids[:t+1]. Shape (T, V).

        Sequences longer than the context are scored with a sliding window (each row sees the
        `context` tokens ending at it).
        """
        arr = self._check_ids(ids)
        T, C = arr.size, self.context
        with single_threaded_blas():
            first, _, _ = forward(self.params, self.cfg, arr[None, :C])
            rows = [first[0]]
            windows = np.lib.stride_tricks.sliding_window_view(arr, C)[1:] if T > C else arr[:0, None]
            for start in range(0, len(windows), 32):  # a few windows at a time bounds the memory
                later, _, _ = forward(self.params, self.cfg, windows[start:start + 32], last_only=True)
                rows.append(later[:, -1])
        return np.concatenate(rows).astype(np.float64)

    def next_logits(self, prompt: str) -> np.ndarray:
        """Logits (V,) for the token after `prompt` (with `<bos>` first; only the last `context` tokens used)."""
        ids = self.encode(prompt, bos=True)[-self.context:]
        return self.logits(ids)[-1]

    def attention(self, ids) -> np.ndarray:
        """Softmax attention weights, shape (layers, heads, T, T); row t is what position t attends to."""
        arr = self._check_ids(ids)
        if arr.size > self.context:
            raise DemoError(f"The tiny model attends over at most {self.context} tokens; "
                            f"got {arr.size}. Use a shorter text.")
        with single_threaded_blas():
            _, _, cache = forward(self.params, self.cfg, arr[None])
        return cache["probs"][:, 0].astype(np.float64)

    def loss(self, ids) -> float:
        """Mean cross-entropy (nats per token) of predicting ids[1:] from the tokens before each."""
        arr = self._check_ids(ids)
        if arr.size < 2:
            raise DemoError("The loss needs at least two tokens.")
        logp = self.logits(arr[:-1])
        logp = logp - logp.max(-1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(-1, keepdims=True))
        return float(-logp[np.arange(arr.size - 1), arr[1:]].mean())

    # -- decoding helpers (see decode.py)

    def greedy(self, ids, n: int) -> list[int]:
        """Append the `n` most likely tokens one at a time; returns only the new ids."""
        return decoding.greedy(self, list(ids), n)

    def beam_search(self, ids, n: int, width: int) -> list[tuple[list[int], float]]:
        """The `width` best continuations of up to `n` tokens, with their total log-probabilities."""
        return decoding.beam_search(self, list(ids), n, width)

    def sample(self, ids, n: int, temperature: float = 1.0, top_p: float = 1.0, top_k: int = 0,
               rng: np.random.Generator | None = None) -> list[int]:
        """Sample `n` new tokens with temperature, nucleus (top-p) and top-k filtering."""
        return decoding.sample(self, list(ids), n, temperature=temperature, top_p=top_p, top_k=top_k, rng=rng)

    # -- description

    def info(self) -> ModelInfo:
        """Size, training run and corpus of this model."""
        m, c, t = self.meta, self.meta.get("corpus", {}), self.meta.get("training", {})
        return ModelInfo(
            path=str(self.path) if self.path else "", source=self.source, n_params=self.n_params,
            vocab_size=self.vocab_size, n_layer=self.cfg.n_layer, d_model=self.cfg.d_model,
            n_head=self.cfg.n_head, d_ff=self.cfg.d_ff, context=self.context,
            encoding=m.get("encoding", ENCODING), min_count=int(t.get("min_count", 0)),
            steps=int(t.get("steps", 0)), batch_size=int(t.get("batch_size", 0)), seed=int(t.get("seed", 0)),
            train_loss=float(m.get("train_loss", math.nan)),
            train_perplexity=math.exp(float(m.get("train_loss", math.nan))),
            heldout_loss=float(m.get("heldout_loss", math.nan)),
            heldout_perplexity=math.exp(float(m.get("heldout_loss", math.nan))),
            corpus_cards=int(c.get("cards", 0)), corpus_train_cards=int(c.get("train_cards", 0)),
            corpus_heldout_cards=int(c.get("heldout_cards", 0)),
            corpus_train_tokens=int(c.get("train_tokens", 0)),
            corpus_heldout_tokens=int(c.get("heldout_tokens", 0)),
            corpus_sha256=str(c.get("sha256", "")), corpus_files=tuple(c.get("files", ())),
        )


_loaded: dict[tuple[str, int, int], LanguageModel] = {}


def load_model(path: Path | str | None = None) -> LanguageModel:
    """The tiny model: from `path`, else the user-trained file if present, else the shipped one.

    Cached per process (keyed by file, size and modification time, so a retrain is picked up).

    Example:
        >>> m = load_model()
        >>> m.vocab_size, m.context
    """
    from llmquiz.tinylm.weights import load_weights

    default = user_path() if user_path().is_file() else shipped_path()
    file = Path(path) if path is not None else default
    try:
        st = file.stat()
    except OSError as exc:
        raise ModelError(f"No tiny model at {file}; run `llmquiz model train` to build one.") from exc
    resolved = file.resolve()
    source = {shipped_path(): "shipped", user_path().resolve(): "user"}.get(resolved, "file")
    key = (str(resolved), st.st_size, st.st_mtime_ns)
    if key not in _loaded:
        cfg, params, vocab, meta = load_weights(file)
        _loaded[key] = LanguageModel(cfg, params, vocab, meta, path=file, source=source)
    return _loaded[key]
