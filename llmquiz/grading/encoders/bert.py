"""A sentence-transformers BERT model (such as all-MiniLM-L6-v2) run as a pure-NumPy forward pass.

The weights are memory-mapped from `model.safetensors`, so loading parses two JSON files and the
vocabulary and copies almost nothing. The forward pass is the standard post-LayerNorm BERT encoder:
embeddings -> N x (multi-head self-attention, FFN with exact-erf GELU) -> pooling -> L2 norm.
Everything runs in float32; results agree with sentence-transformers to cosine > 0.9999.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmquiz.errors import ModelError
from llmquiz.grading.encoders.blas import one_blas_thread
from llmquiz.grading.encoders.safetensors import load_safetensors
from llmquiz.grading.encoders.wordpiece import WordPieceTokenizer

if TYPE_CHECKING:
    import numpy as np

_BATCH = 64  # texts per forward pass; sorted by length first so padding stays small
_ATTENTION_BUDGET = 8_000_000  # floats in one padded (batch, heads, len, len) score tensor (32 MB)
_MEMO_SIZE = 4096  # texts whose vectors are remembered per encoder

# Numerical Recipes' erfc Chebyshev fit: fractional error < 1.2e-7 everywhere, so GELU keeps full
# float32 precision even deep in its negative tail, where 1 + erf(x) cancels.
_ERFC_COEFFS = (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806,
                0.09678418, 0.37409196, 1.00002368, -1.26551223)


def _erfc_nonneg(z: np.ndarray) -> np.ndarray:
    # erfc(z) for z >= 0, computed in z's dtype; a fresh array the caller may modify in place.
    import numpy as np

    t = z * z.dtype.type(0.5)
    t += 1.0
    np.reciprocal(t, out=t)
    acc = t * z.dtype.type(_ERFC_COEFFS[0])
    for c in _ERFC_COEFFS[1:-1]:
        acc += c
        acc *= t
    acc += _ERFC_COEFFS[-1]
    acc -= z * z
    np.exp(acc, out=acc)
    acc *= t
    return acc


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise (NumPy has none); absolute error < 1.2e-7 (float64 input).

    Example:
        >>> erf(np.array([0.0, 0.5, -2.0]))  # math.erf: 0.0, 0.5205, -0.9953
        array([ 0.        ,  0.52049988, -0.99532227])
    """
    import numpy as np

    x = np.asarray(x)
    e = _erfc_nonneg(np.abs(x))
    np.subtract(1.0, e, out=e)
    return np.copysign(e, x, out=e)


def gelu(x: np.ndarray, *, out: np.ndarray | None = None,
         scratch: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The exact GELU BERT uses, x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))), in x's dtype.

    `out` and `scratch` (two arrays shaped like x) let the forward pass reuse buffers: fresh
    half-megabyte temporaries each cost page faults that took longer than the arithmetic.
    Written with copysign rather than np.where, which is ~50x slower on a random sign pattern.
    """
    import numpy as np

    zz, t = scratch if scratch is not None else (np.empty_like(x), np.empty_like(x))
    acc = out if out is not None else np.empty_like(x)
    np.abs(x, out=zz)
    zz *= 1.0 / math.sqrt(2.0)  # z = |x| / sqrt(2)
    np.multiply(zz, 0.5, out=t)
    t += 1.0
    np.reciprocal(t, out=t)
    np.square(zz, out=zz)
    np.multiply(t, _ERFC_COEFFS[0], out=acc)
    for c in _ERFC_COEFFS[1:-1]:
        acc += c
        acc *= t
    acc += _ERFC_COEFFS[-1]
    acc -= zz
    np.exp(acc, out=acc)
    acc *= t  # erfc(z) in (0, 1]
    # Phi(x) = 1 - erfc/2 for x >= 0 and erfc/2 for x < 0, i.e. 0.5 + copysign(0.5 - erfc/2, x).
    acc *= -0.5
    acc += 0.5
    np.copysign(acc, x, out=acc)
    acc += 0.5
    acc *= x
    return acc


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    import numpy as np

    x = x - x.mean(axis=-1, keepdims=True)
    var = np.mean(x * x, axis=-1, keepdims=True)
    x *= 1.0 / np.sqrt(var + eps)
    x *= gamma
    x += beta
    return x


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ModelError(f"{path}: cannot read it ({e.strerror}).") from e
    except json.JSONDecodeError as e:
        raise ModelError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}).") from e
    if not isinstance(data, dict):
        raise ModelError(f"{path}: expected a JSON object.")
    return data


def _layout(folder: Path) -> tuple[Path, Path | None]:
    """The Transformer module's folder and the Pooling module's folder, from modules.json."""
    modules = folder / "modules.json"
    if not modules.is_file():
        pool = folder / "1_Pooling"
        return folder, pool if pool.is_dir() else None
    try:
        entries = json.loads(modules.read_text(encoding="utf-8"))
        by_type = {str(e["type"]).rsplit(".", 1)[-1]: folder / e.get("path", "") for e in entries}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise ModelError(f"{modules}: not a sentence-transformers modules list.") from e
    return by_type.get("Transformer", folder), by_type.get("Pooling")


class BertEncoder:
    """Sentence embeddings from a sentence-transformers BERT folder, computed with NumPy.

    Example:
        >>> enc = BertEncoder(Path(".../all-MiniLM-L6-v2"), name="minilm")
        >>> enc.encode(["Attention weighs the values by query-key similarity."]).shape
        (1, 384)
    """

    def __init__(self, folder: Path, name: str, description: str = "") -> None:
        import numpy as np

        self.name = name
        self.description = description or f"sentence-transformers BERT model in {folder}"
        self.folder = folder
        self._memo: dict[str, np.ndarray] = {}
        tdir, pdir = _layout(folder)
        if not (tdir / "config.json").is_file():
            raise ModelError(f"{folder} is not a sentence-transformers model folder (it has no config.json).")
        config = _read_json(tdir / "config.json")
        if config.get("model_type", "bert") != "bert":
            raise ModelError(f"{tdir}: model_type is {config.get('model_type')!r}; "
                             "llmquiz runs BERT models only.")
        weights_path = tdir / "model.safetensors"
        if not weights_path.is_file():
            hint = " (it has only pytorch_model.bin: save it as safetensors)" \
                if (tdir / "pytorch_model.bin").is_file() else ""
            raise ModelError(f"{tdir}: no model.safetensors{hint}; llmquiz reads safetensors weights only.")
        self.tokenizer = WordPieceTokenizer.from_folder(tdir)
        st_path = tdir / "sentence_bert_config.json"
        st_conf = _read_json(st_path) if st_path.is_file() else {}
        max_seq = int(st_conf.get("max_seq_length") or 512)
        self.max_length = min(max_seq, int(config.get("max_position_embeddings", 512)))
        self.lowercase_input = bool(st_conf.get("do_lower_case", False))  # sentence-transformers' own
        pooling = _read_json(pdir / "config.json") if pdir and (pdir / "config.json").is_file() else {}
        modes = [m for m in ("cls_token", "max_tokens", "mean_tokens") if pooling.get(f"pooling_mode_{m}")]
        if len(modes) > 1 or pooling.get("pooling_mode_mean_sqrt_len_tokens"):
            raise ModelError(f"{pdir}: only one of mean, CLS or max pooling is supported.")
        self.pooling = modes[0] if modes else "mean_tokens"

        try:
            self.dim = int(config["hidden_size"])
            self.heads = int(config["num_attention_heads"])
            n_layers = int(config["num_hidden_layers"])
            self.eps = float(config.get("layer_norm_eps", 1e-12))
        except (KeyError, TypeError, ValueError) as e:
            raise ModelError(f"{tdir / 'config.json'}: not a BERT config ({e!r} is missing or wrong).") from e
        if config.get("hidden_act", "gelu") != "gelu":
            raise ModelError(f"{tdir}: activation {config.get('hidden_act')!r} is not supported (only gelu).")
        raw = load_safetensors(weights_path)
        w = {k.removeprefix("bert."): v for k, v in raw.items()}

        def get(key: str) -> np.ndarray:
            try:
                return np.asarray(w[key], dtype=np.float32)  # no copy for float32 weights
            except KeyError:
                raise ModelError(f"{weights_path}: missing tensor {key!r}; is this a BERT model?") from None

        self.word_emb = get("embeddings.word_embeddings.weight")
        self.pos_emb = get("embeddings.position_embeddings.weight")
        self.type0 = get("embeddings.token_type_embeddings.weight")[0]
        self.emb_ln = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(n_layers):
            p = f"encoder.layer.{i}."
            att = p + "attention.self."
            # Q, K and V fused into one (3d, d) matrix: one matmul instead of three. This is the only copy.
            wqkv = np.concatenate([get(att + n + ".weight") for n in ("query", "key", "value")])
            bqkv = np.concatenate([get(att + n + ".bias") for n in ("query", "key", "value")])
            self.layers.append((
                wqkv, bqkv,
                get(p + "attention.output.dense.weight"), get(p + "attention.output.dense.bias"),
                get(p + "attention.output.LayerNorm.weight"), get(p + "attention.output.LayerNorm.bias"),
                get(p + "intermediate.dense.weight"), get(p + "intermediate.dense.bias"),
                get(p + "output.dense.weight"), get(p + "output.dense.bias"),
                get(p + "output.LayerNorm.weight"), get(p + "output.LayerNorm.bias"),
            ))

    def token_ids(self, text: str) -> list[int]:
        """The input ids the model sees for `text` ([CLS] ... [SEP], truncated to max_seq_length)."""
        return self.tokenizer.encode(text.lower() if self.lowercase_input else text, self.max_length)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text (in the order given).

        Texts seen before in this process come from a memo: a grader re-encodes the same key points and
        model answers for every answer, and only the learner's text is new.
        """
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not one string")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            hit = self._memo.get(text)
            if hit is not None:
                out[i] = hit
            else:
                todo.setdefault(text, []).append(i)
        if not todo:
            return out
        uniq = list(todo)
        ids = [self.token_ids(t) for t in uniq]
        order = sorted(range(len(uniq)), key=lambda j: len(ids[j]))
        for chunk in self._batches(order, [len(i) for i in ids]):
            with one_blas_thread():
                vecs = self._forward([ids[j] for j in chunk])
            for j, vec in zip(chunk, vecs, strict=True):
                out[todo[uniq[j]]] = vec
                if len(self._memo) >= _MEMO_SIZE:
                    self._memo.pop(next(iter(self._memo)))  # oldest first
                self._memo[uniq[j]] = vec
        return out

    def _batches(self, order: list[int], lengths: list[int]) -> list[list[int]]:
        # Consecutive texts (sorted by length) while the padded attention tensor stays under budget.
        batches: list[list[int]] = []
        current: list[int] = []
        for j in order:
            size = (len(current) + 1) * lengths[j] ** 2 * self.heads
            if current and (len(current) >= _BATCH or size > _ATTENTION_BUDGET):
                batches.append(current)
                current = []
            current.append(j)
        if current:
            batches.append(current)
        return batches

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """Pooled, normalised embeddings of a batch of id lists (one row each)."""
        import numpy as np

        n, d, heads = len(batch), self.dim, self.heads
        hd = d // heads
        lens = np.array([len(b) for b in batch])
        length, total = int(lens.max()), int(lens.sum())
        # Tokens are packed without padding for the linear layers (almost all the FLOPs); only attention
        # sees a padded (n, length) layout, gathered through `gather` whose pad slots point at a zero row.
        starts = np.concatenate(([0], np.cumsum(lens)[:-1]))
        positions = np.arange(length)
        valid = positions[None, :] < lens[:, None]
        gather = np.where(valid, starts[:, None] + positions[None, :], total)
        flat_ids = np.fromiter((t for b in batch for t in b), dtype=np.int64, count=total)
        x = self.word_emb[flat_ids] + self.pos_emb[np.nonzero(valid)[1]] + self.type0
        x = _layer_norm(x, *self.emb_ln, self.eps)
        # Padded keys get a large negative score, so softmax gives them exactly zero weight.
        bias = np.where(valid, np.float32(0.0), np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(hd))
        pad_row = np.zeros((1, 3 * d), dtype=np.float32)
        # Buffers reused by every layer (see gelu for why allocation matters here).
        ffn = self.layers[0][6].shape[0]
        qkv = np.empty((total, 3 * d), dtype=np.float32)
        h, act, s1, s2 = (np.empty((total, ffn), dtype=np.float32) for _ in range(4))
        for wqkv, bqkv, wo, bo, g1, b1, wi, bi, wf, bf, g2, b2 in self.layers:
            np.matmul(x, wqkv.T, out=qkv)
            qkv += bqkv
            padded = qkv.reshape(1, total, 3 * d) if n == 1 else np.concatenate((qkv, pad_row))[gather]
            padded = padded.reshape(n, length, 3, heads, hd).transpose(2, 0, 3, 1, 4)
            q, k, v = padded[0], padded[1], padded[2]
            scores = (q * scale) @ k.transpose(0, 1, 3, 2)
            if n > 1:
                scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, d)
            if n > 1:
                ctx = ctx[valid.ravel()]
            att = ctx @ wo.T
            att += bo
            att += x
            x = _layer_norm(att, g1, b1, self.eps)
            np.matmul(x, wi.T, out=h)
            h += bi
            y = gelu(h, out=act, scratch=(s1, s2)) @ wf.T
            y += bf
            y += x
            x = _layer_norm(y, g2, b2, self.eps)
        if self.pooling == "cls_token":
            pooled = x[starts]
        elif self.pooling == "max_tokens":
            pooled = np.maximum.reduceat(x, starts, axis=0)
        else:
            pooled = np.add.reduceat(x, starts, axis=0) / lens[:, None].astype(np.float32)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
