"""The demos backed by the tiny language model agree with the model's own numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from llmquiz import demos
from llmquiz.errors import DemoError
from llmquiz.tinylm import load_model


@pytest.fixture(scope="module")
def model():
    return load_model()


def _probs(logits: np.ndarray, t: float = 1.0) -> np.ndarray:
    z = logits / t
    e = np.exp(z - z.max())
    return e / e.sum()


def test_temperature_over_the_models_next_token(model) -> None:
    prompt = "LoRA freezes the"
    d = demos.run("temperature", {"prompt": prompt, "temperatures": [0.7, 1.0]}).data
    assert d["source"] == "prompt" and d["vocab_size"] == model.vocab_size
    logits = model.next_logits(prompt)
    order = np.argsort(-logits, kind="stable")[:10]
    assert d["labels"][0] == model.token_text(int(order[0])).replace(" ", "␣")
    for run in d["by_temperature"]:
        p = _probs(logits, run["temperature"])
        assert run["probs"] == pytest.approx(p[order].tolist(), abs=1e-4)
        assert sum(run["probs"]) + run["other_mass"] == pytest.approx(1.0, abs=1e-3)
        assert run["top_prob"] == pytest.approx(p.max(), abs=1e-4)


def test_top_p_over_the_model_is_minimal(model) -> None:
    d = demos.run("top-p", {"prompt": "The KV cache stores", "p": 0.5}).data
    p = np.sort(_probs(model.next_logits("The KV cache stores")))[::-1]
    n = d["kept_count"]
    assert p[:n].sum() >= 0.5 - 1e-9 > p[: n - 1].sum()
    assert d["kept_mass"] == pytest.approx(p[:n].sum(), abs=1e-4)


def test_beam_of_one_is_greedy_and_log_probs_add_up(model) -> None:
    for prompt in ("LoRA freezes the", "The KV cache stores", "Quantization"):
        d = demos.run("decoding", {"prompt": prompt, "beam": 1, "new_tokens": 8, "samples": 1}).data
        assert d["beams"][0]["ids"] == d["greedy"]["ids"]
        assert d["differences_from_greedy"] == 0
    d = demos.run("decoding", {"prompt": "LoRA freezes the", "beam": 4, "new_tokens": 6}).data
    ids = model.encode("LoRA freezes the", bos=True)
    for entry in (d["greedy"], *d["beams"], *d["samples"]):
        # Independent: score the continuation with one forward pass over prompt + continuation.
        full = ids + entry["ids"]
        logits = model.logits(full[:-1])
        lp = sum(math.log(_probs(logits[len(ids) - 1 + j])[t]) for j, t in enumerate(entry["ids"]))
        assert entry["logprob"] == pytest.approx(lp, abs=1e-3)
    # Beam search keeps the likeliest: its best is at least as likely as greedy's.
    assert d["best_beam_logprob"] >= d["greedy_logprob"] - 1e-6
    assert [b["logprob"] for b in d["beams"]] == sorted((b["logprob"] for b in d["beams"]), reverse=True)


def test_loss_is_the_models_cross_entropy(model) -> None:
    text = "LoRA freezes the base model and trains small adapters."
    d = demos.run("loss", {"text": text}).data
    ids = model.encode(text, bos=True)
    assert d["cross_entropy"] == pytest.approx(model.loss(ids), abs=1e-6)
    assert d["perplexity"] == pytest.approx(math.exp(model.loss(ids)), rel=1e-6)
    assert len(d["tokens"]) == len(ids) - 1


def test_attention_map_is_the_models(model) -> None:
    prompt = "The KV cache stores keys"
    d = demos.run("attention", {"prompt": prompt, "layer": 1, "head": 2}).data["model_attention"]
    att = model.attention(model.encode(prompt, bos=True))[1, 2]
    assert np.array(d["weights"]) == pytest.approx(att, abs=1e-4)
    assert np.array(d["weights"]).sum(1) == pytest.approx(np.ones(len(att)), abs=1e-3)
    with pytest.raises(DemoError, match="out of range"):
        demos.run("attention", {"head": 99})
