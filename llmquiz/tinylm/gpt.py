"""A tiny GPT in NumPy: forward pass, loss and a hand-written backward pass.

What it shows: everything a decoder-only transformer does to turn token ids into next-token
logits — token + learned position embeddings, pre-LayerNorm blocks of causal multi-head
self-attention and a GELU MLP, each added to the residual stream, a final LayerNorm and an output
head tied to the token embedding — and the exact gradients of the mean cross-entropy loss with
respect to every parameter, derived step by step (no autograd).

What it leaves out: dropout, KV caching, mixed precision, fused kernels, rotary positions,
grouped-query attention, and anything that only matters at scale. Parameters live in a plain
dict of arrays keyed by name, so the optimizer, the gradient check and the weights file all
treat them uniformly. The dtype of the parameters is the dtype of the whole computation
(float32 to train, float64 for the finite-difference gradient check).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]


@dataclass(frozen=True)
class GPTConfig:
    """Shape of the model."""

    vocab_size: int
    context: int = 64  # the longest sequence the position table covers
    n_layer: int = 2
    n_head: int = 4
    d_model: int = 64
    d_ff: int = 256  # MLP hidden width (4 x d_model, as in GPT-2)

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_head

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def param_shapes(cfg: GPTConfig) -> dict[str, tuple[int, ...]]:
    """Every parameter's name and shape, in a fixed order."""
    d, f = cfg.d_model, cfg.d_ff
    shapes: dict[str, tuple[int, ...]] = {"wte": (cfg.vocab_size, d), "wpe": (cfg.context, d)}
    for i in range(cfg.n_layer):
        shapes |= {
            f"h{i}.ln1.g": (d,), f"h{i}.ln1.b": (d,),
            f"h{i}.attn.w_qkv": (d, 3 * d), f"h{i}.attn.b_qkv": (3 * d,),
            f"h{i}.attn.w_o": (d, d), f"h{i}.attn.b_o": (d,),
            f"h{i}.ln2.g": (d,), f"h{i}.ln2.b": (d,),
            f"h{i}.mlp.w_fc": (d, f), f"h{i}.mlp.b_fc": (f,),
            f"h{i}.mlp.w_proj": (f, d), f"h{i}.mlp.b_proj": (d,),
        }
    return shapes | {"ln_f.g": (d,), "ln_f.b": (d,)}


def init_params(cfg: GPTConfig, rng: np.random.Generator, dtype: type = np.float32) -> Params:
    """GPT-2 style initialisation: N(0, 0.02) weights, zero biases, unit LayerNorm gains.

    The two projections that write into the residual stream are scaled down by sqrt(2 * n_layer)
    so the stream's variance does not grow with depth.
    """
    params: Params = {}
    for name, shape in param_shapes(cfg).items():
        if name.endswith(".g"):
            p = np.ones(shape)
        elif name.endswith((".b", "b_qkv", "b_o", "b_fc", "b_proj")):
            p = np.zeros(shape)
        else:
            std = 0.02 / np.sqrt(2 * cfg.n_layer) if name.endswith(("w_o", "w_proj")) else 0.02
            p = rng.normal(0.0, std, size=shape)
        params[name] = p.astype(dtype)
    return params


def n_params(params: Params) -> int:
    """How many numbers the model learns."""
    return int(sum(p.size for p in params.values()))


# ---------------------------------------------------------------- layers: forward and backward


def layernorm_forward(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-5):
    # normalise each position's vector to mean 0, variance 1, then scale and shift
    mean = x.mean(-1, keepdims=True)
    rstd = 1.0 / np.sqrt(x.var(-1, keepdims=True) + eps)
    xhat = (x - mean) * rstd
    return xhat * g + b, (xhat, rstd, g)


def layernorm_backward(dout: np.ndarray, cache):
    xhat, rstd, g = cache
    dg = (dout * xhat).reshape(-1, xhat.shape[-1]).sum(0)
    db = dout.reshape(-1, dout.shape[-1]).sum(0)
    dxhat = dout * g
    # the mean and the variance depend on every element, hence the two correction terms
    dx = rstd * (dxhat - dxhat.mean(-1, keepdims=True) - xhat * (dxhat * xhat).mean(-1, keepdims=True))
    return dx, dg, db


def linear_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    return x @ w + b, x


def linear_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray):
    dw = x.reshape(-1, x.shape[-1]).T @ dout.reshape(-1, dout.shape[-1])
    db = dout.reshape(-1, dout.shape[-1]).sum(0)
    return dout @ w.T, dw, db


_GELU_C = math.sqrt(2.0 / math.pi)  # a Python float, so float32 arrays stay float32


def gelu_forward(x: np.ndarray):
    # the tanh approximation GPT-2 uses (x * (1 + c x^2), not x + c x^3: tiny x^3 would be a slow subnormal)
    t = np.tanh(_GELU_C * x * (1.0 + 0.044715 * x * x))
    return 0.5 * x * (1.0 + t), (x, t)


def gelu_backward(dout: np.ndarray, cache):
    x, t = cache
    dt = _GELU_C * (1.0 + 3 * 0.044715 * x * x)
    return dout * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t**2) * dt)


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis (subtracting the max first, so large logits cannot overflow)."""
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def attention_forward(qkv: np.ndarray, n_head: int):
    """Causal multi-head self-attention on the packed (B, T, 3*d) query/key/value projections."""
    B, T, three_d = qkv.shape
    d = three_d // 3
    hd = d // n_head
    # split into heads: (B, n_head, T, head_dim) each
    q, k, v = (a.reshape(B, T, n_head, hd).transpose(0, 2, 1, 3) for a in np.split(qkv, 3, axis=-1))
    # scores: every query against every key, scaled by 1/sqrt(head_dim) to keep the softmax soft
    scale = 1.0 / math.sqrt(hd)
    scores = (q @ k.transpose(0, 1, 3, 2)) * scale
    # causal mask: position t may only look at positions <= t
    mask = np.tril(np.ones((T, T), dtype=bool))
    scores = np.where(mask, scores, -np.inf)
    probs = softmax(scores)
    # each position's output is the probs-weighted average of the values; merge heads back
    y = (probs @ v).transpose(0, 2, 1, 3).reshape(B, T, d)
    return y, (q, k, v, probs, scale)


def attention_backward(dy: np.ndarray, cache):
    q, k, v, probs, scale = cache
    B, H, T, hd = q.shape
    dy = dy.reshape(B, T, H, hd).transpose(0, 2, 1, 3)
    dprobs = dy @ v.transpose(0, 1, 3, 2)
    dv = probs.transpose(0, 1, 3, 2) @ dy
    # softmax backward: J^T dprobs = probs * (dprobs - sum(dprobs * probs)); masked entries stay 0
    dscores = probs * (dprobs - (dprobs * probs).sum(-1, keepdims=True))
    dq = (dscores @ k) * scale
    dk = (dscores.transpose(0, 1, 3, 2) @ q) * scale
    merge = [a.transpose(0, 2, 1, 3).reshape(B, T, H * hd) for a in (dq, dk, dv)]
    return np.concatenate(merge, axis=-1)


# ---------------------------------------------------------------- the whole model


def forward(params: Params, cfg: GPTConfig, idx: np.ndarray, targets: np.ndarray | None = None,
            last_only: bool = False):
    """Run the model on token ids `idx` (B, T).

    Returns (logits (B, T, V), loss or None, cache). `loss` is the mean cross-entropy of
    `targets` (B, T) under the logits; `cache` holds what `backward` needs, including every
    layer's attention probs under `cache["probs"]` as (n_layer, B, n_head, T, T).
    `last_only` computes the logits of the last position only (B, 1, V): all that generation needs.
    """
    T = idx.shape[1]
    if cfg.context < T:
        raise ValueError(f"sequence of {T} tokens is longer than the context ({cfg.context})")
    # token embedding + learned position embedding
    x = params["wte"][idx] + params["wpe"][:T]
    layers = []
    for i in range(cfg.n_layer):
        p = f"h{i}."
        # attention sub-block: x += W_o · attention(LN(x))
        a, ln1 = layernorm_forward(x, params[p + "ln1.g"], params[p + "ln1.b"])
        qkv, qkv_in = linear_forward(a, params[p + "attn.w_qkv"], params[p + "attn.b_qkv"])
        y, att = attention_forward(qkv, cfg.n_head)
        o, o_in = linear_forward(y, params[p + "attn.w_o"], params[p + "attn.b_o"])
        x = x + o
        # MLP sub-block: x += W_proj · gelu(W_fc · LN(x))
        m, ln2 = layernorm_forward(x, params[p + "ln2.g"], params[p + "ln2.b"])
        h, fc_in = linear_forward(m, params[p + "mlp.w_fc"], params[p + "mlp.b_fc"])
        hg, gelu = gelu_forward(h)
        z, proj_in = linear_forward(hg, params[p + "mlp.w_proj"], params[p + "mlp.b_proj"])
        x = x + z
        layers.append((ln1, qkv_in, att, o_in, ln2, fc_in, gelu, proj_in))
    # final LayerNorm, then the tied output head: logits = xf · wte^T
    xf, lnf = layernorm_forward(x, params["ln_f.g"], params["ln_f.b"])
    if last_only:
        xf = xf[:, -1:]
    logits = xf @ params["wte"].T
    cache: dict[str, Any] = {"idx": idx, "layers": layers, "lnf": lnf, "xf": xf,
                             "probs": np.stack([layer[2][3] for layer in layers])}
    loss = None
    if targets is not None and not last_only:
        # cross-entropy: minus the mean log-probability of each correct next token
        probs = softmax(logits)
        picked = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]
        loss = float(-np.log(picked).mean())
        cache |= {"out_probs": probs, "targets": targets}
    return logits, loss, cache


def backward(params: Params, cfg: GPTConfig, cache: dict[str, Any]) -> Params:
    """Gradients of the mean cross-entropy loss (from `forward` with targets) for every parameter."""
    grads: Params = {name: np.zeros_like(p) for name, p in params.items()}
    idx, targets, probs = cache["idx"], cache["targets"], cache["out_probs"]
    # d loss / d logits = (probs - one_hot(targets)) / number of predictions
    dlogits = probs.copy()
    np.put_along_axis(dlogits, targets[..., None],
                      np.take_along_axis(dlogits, targets[..., None], axis=-1) - 1.0, axis=-1)
    dlogits /= targets.size
    # tied head: the embedding matrix receives a gradient from the output side too
    V, d = params["wte"].shape
    grads["wte"] += dlogits.reshape(-1, V).T @ cache["xf"].reshape(-1, d)
    dx = dlogits @ params["wte"]
    dx, grads["ln_f.g"], grads["ln_f.b"] = layernorm_backward(dx, cache["lnf"])
    for i in reversed(range(cfg.n_layer)):
        p = f"h{i}."
        ln1, qkv_in, att, o_in, ln2, fc_in, gelu, proj_in = cache["layers"][i]
        # MLP sub-block (the residual passes dx straight through and into the branch)
        dhg, grads[p + "mlp.w_proj"], grads[p + "mlp.b_proj"] = linear_backward(
            dx, proj_in, params[p + "mlp.w_proj"])
        dh = gelu_backward(dhg, gelu)
        dm, grads[p + "mlp.w_fc"], grads[p + "mlp.b_fc"] = linear_backward(dh, fc_in, params[p + "mlp.w_fc"])
        dm, grads[p + "ln2.g"], grads[p + "ln2.b"] = layernorm_backward(dm, ln2)
        dx = dx + dm
        # attention sub-block
        dy, grads[p + "attn.w_o"], grads[p + "attn.b_o"] = linear_backward(dx, o_in, params[p + "attn.w_o"])
        dqkv = attention_backward(dy, att)
        da, grads[p + "attn.w_qkv"], grads[p + "attn.b_qkv"] = linear_backward(
            dqkv, qkv_in, params[p + "attn.w_qkv"])
        da, grads[p + "ln1.g"], grads[p + "ln1.b"] = layernorm_backward(da, ln1)
        dx = dx + da
    # embeddings: positions get the sum over the batch, tokens scatter-add into their rows
    T = idx.shape[1]
    grads["wpe"][:T] = dx.sum(0)
    np.add.at(grads["wte"], idx.reshape(-1), dx.reshape(-1, d))
    return grads
