"""Every number the arithmetic and math demos print equals an independent computation."""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest

from llmquiz import demos
from llmquiz.demos import attention, bpe, positions, quantize
from llmquiz.errors import UsageError

# -- sampling over hand-given logits ------------------------------------------------------------


def _softmax(logits: list[float], t: float) -> list[float]:
    e = [math.exp(x / t) for x in logits]
    return [x / sum(e) for x in e]


def test_temperature_probabilities_match_softmax_and_sum_to_one() -> None:
    logits = [2.0, 1.0, 0.5, 0.0]
    res = demos.run("temperature", {"logits": logits, "temperatures": [0.5, 1, 2]})
    for run in res.data["by_temperature"]:
        want = _softmax(logits, run["temperature"])
        assert run["probs"] == pytest.approx(want, abs=1e-4)
        assert sum(run["probs"]) == pytest.approx(1.0, abs=1e-3)
        assert run["entropy_bits"] == pytest.approx(-sum(p * math.log2(p) for p in want), abs=1e-4)
    entropies = [run["entropy_bits"] for run in res.data["by_temperature"]]
    assert entropies == sorted(entropies)  # hotter is flatter


def test_temperature_zero_is_greedy() -> None:
    res = demos.run("temperature", {"logits": [0.1, 3.0, 2.9], "temperatures": [0], "samples": 50})
    run = res.data["by_temperature"][0]
    assert run["probs"] == [0.0, 1.0, 0.0]
    assert run["entropy_bits"] == 0.0
    assert set(run["samples"]) == {"B"}


def test_probs_input_is_the_same_distribution() -> None:
    res = demos.run("temperature", {"probs": [0.5, 0.3, 0.2], "temperatures": [1]})
    assert res.data["by_temperature"][0]["probs"] == pytest.approx([0.5, 0.3, 0.2], abs=1e-4)


@pytest.mark.parametrize("p", [0.3, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0])
def test_top_p_set_is_minimal(p: float) -> None:
    logits = [2.0, 1.5, 1.0, 0.2, 0.1, -1.0, -3.0]
    probs = _softmax(logits, 1.0)
    res = demos.run("top-p", {"logits": logits, "p": p})
    kept = [ord(label) - ord("A") for label in res.data["kept"]]
    mass = sum(probs[i] for i in kept)
    assert mass >= p - 1e-9
    assert mass - min(probs[i] for i in kept) < p  # dropping the least likely falls below p
    dropped = set(range(len(probs))) - set(kept)
    assert all(probs[i] >= probs[j] for i in kept for j in dropped)
    assert res.data["kept_count"] == len(kept)
    assert sum(res.data["renormalised"]) == pytest.approx(1.0, abs=1e-3)


def test_top_p_worked_example_and_frequencies() -> None:
    res = demos.run("top-p", {"probs": [0.5, 0.2, 0.15, 0.1, 0.05], "p": 0.8, "draws": 20000})
    assert res.data["kept"] == ["A", "B", "C"]
    assert res.data["kept_mass"] == pytest.approx(0.85)
    assert res.data["renormalised"] == pytest.approx([0.5 / 0.85, 0.2 / 0.85, 0.15 / 0.85], abs=1e-4)
    assert res.data["frequencies"] == pytest.approx(res.data["renormalised"], abs=0.015)


def test_top_k_keeps_k_most_likely_after_temperature() -> None:
    res = demos.run("top-k", {"logits": [1.0, 3.0, 2.0, 0.0], "k": 2, "temperature": 0.5})
    assert res.data["kept"] == ["B", "C"]
    p = _softmax([1.0, 3.0, 2.0, 0.0], 0.5)
    assert res.data["renormalised"] == pytest.approx([p[1] / (p[1] + p[2]), p[2] / (p[1] + p[2])], abs=1e-4)


def test_sampling_inputs_are_checked() -> None:
    with pytest.raises(UsageError, match="--k 9 is more than the 3 tokens"):
        demos.run("top-k", {"logits": [1, 2, 3], "k": 9})
    with pytest.raises(UsageError, match=r"--p 1\.5: must be at most 1"):
        demos.run("top-p", {"logits": [1, 2], "p": 1.5})
    with pytest.raises(UsageError, match="--temperature -1: must be at least 0"):
        demos.run("top-p", {"logits": [1, 2], "temperature": -1})
    with pytest.raises(UsageError, match="not both"):
        demos.run("top-p", {"logits": [1, 2], "probs": [0.5, 0.5]})
    with pytest.raises(UsageError, match="must not be empty"):
        demos.run("temperature", {"logits": ""})


# -- positions -------------------------------------------------------------------------------------


def test_sinusoidal_matches_the_paper_formula() -> None:
    pe = positions.sinusoidal(6, 8)
    for pos in range(6):
        for i in range(4):
            angle = pos / 10000 ** (2 * i / 8)
            assert pe[pos, 2 * i] == pytest.approx(math.sin(angle))
            assert pe[pos, 2 * i + 1] == pytest.approx(math.cos(angle))
    res = demos.run("positions", {"d_model": 512})
    assert res.data["wavelength_min"] == pytest.approx(2 * math.pi, abs=1e-3)
    assert res.data["wavelength_max"] == pytest.approx(2 * math.pi * 10000 ** (510 / 512), rel=1e-6)


def _rope_complex(x: np.ndarray, pos: int, base: float = 10000.0) -> list[complex]:
    d = len(x)
    return [complex(x[2 * i], x[2 * i + 1]) * cmath.exp(1j * pos * base ** (-2 * i / d)) for i in range(d // 2)]


def test_rope_scores_depend_only_on_the_offset() -> None:
    rng = np.random.default_rng(3)
    q, k = rng.standard_normal(16), rng.standard_normal(16)
    for m, n in [(5, 2), (40, 1), (0, 9)]:
        score = positions.rope(q, m) @ positions.rope(k, n)
        # Independent: as complex numbers, Re(Σ q_i · conj(k_i) · e^{i(m-n)θ_i}).
        zq, zk = _rope_complex(q, m), _rope_complex(k, n)
        assert score == pytest.approx(sum((a * b.conjugate()).real for a, b in zip(zq, zk, strict=True)))
        assert score == pytest.approx(positions.rope(q, m + 100) @ positions.rope(k, n + 100))
    res = demos.run("positions", {"offset": 7, "d_model": 32})
    assert res.data["rope_max_shift_change"] < 1e-9
    assert res.data["absolute_max_shift_change"] > 0.1
    with pytest.raises(UsageError, match="must be even"):
        demos.run("positions", {"d_model": 15})


# -- attention ---------------------------------------------------------------------------------


def test_attention_steps_recompute() -> None:
    res = demos.run("attention", {"d_k": 16, "seq": 5})
    d = res.data
    q, k, v = (np.array(d[x]) for x in ("q", "k", "v"))
    scaled = q @ k.T / 4.0
    w = np.exp(scaled - scaled.max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    assert np.array(d["weights"]) == pytest.approx(w, abs=1e-3)
    assert np.array(d["output"]) == pytest.approx(w @ v, abs=2e-3)
    cw = np.array(d["causal_weights"])
    assert cw.sum(1) == pytest.approx(np.ones(5), abs=1e-3)
    assert np.triu(cw, 1).max() == 0.0
    assert d["causal_nonzero"] == 15
    assert cw[0, 0] == 1.0


def test_scaling_table_shows_saturation() -> None:
    res = demos.run("attention", {"d_k": 64})
    rows = {row["d"]: row for row in res.data["scaling"]}
    for dim, row in rows.items():
        assert row["score_std"] == pytest.approx(math.sqrt(dim), rel=0.1)
        assert row["score_std_scaled"] == pytest.approx(1.0, rel=0.1)
    assert rows[1024]["max_weight_unscaled"] > 0.9 > rows[4]["max_weight_unscaled"]
    assert rows[1024]["entropy_unscaled"] < 0.5 < 3 < rows[1024]["entropy_scaled"]
    assert res.data["score_std"] == pytest.approx(8.0, rel=0.05)
    out = attention.attend(np.eye(2), np.eye(2), np.array([[1.0], [3.0]]), causal=True)
    assert out["output"].ravel().tolist()[0] == 1.0


# -- loss ------------------------------------------------------------------------------------------


def test_loss_from_probabilities_and_kl() -> None:
    res = demos.run("loss", {"probs": [0.5, 0.25, 0.125], "p_dist": [0.5, 0.5], "q_dist": [0.9, 0.1]})
    ce = (math.log(2) + math.log(4) + math.log(8)) / 3
    assert res.data["cross_entropy"] == pytest.approx(ce)
    assert res.data["perplexity"] == pytest.approx(4.0)
    assert res.data["kl_pq"] == pytest.approx(0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1))
    assert res.data["kl_qp"] == pytest.approx(0.9 * math.log(0.9 / 0.5) + 0.1 * math.log(0.1 / 0.5))
    assert res.data["cross_entropy_pq"] == pytest.approx(-(0.5 * math.log(0.9) + 0.5 * math.log(0.1)))
    zero = demos.run("loss", {"probs": [1.0], "p_dist": [0.5, 0.5], "q_dist": [1, 0]})
    assert zero.data["kl_pq"] is None  # infinite: Q rules out what P allows
    with pytest.raises(UsageError, match="must match"):
        demos.run("loss", {"probs": [0.5], "p_dist": [0.5, 0.5], "q_dist": [0.2, 0.3, 0.5]})


# -- LoRA, KV cache, quantization, MoE -----------------------------------------------------------


@pytest.mark.parametrize(("d_in", "d_out", "rank", "matrices"), [(4096, 4096, 8, 1), (4096, 11008, 16, 3),
                                                                 (768, 3072, 4, 48), (7, 5, 2, 1)])
def test_lora_counts_by_formula(d_in: int, d_out: int, rank: int, matrices: int) -> None:
    d = demos.run("lora", {"d_in": d_in, "d_out": d_out, "rank": rank, "matrices": matrices}).data
    assert d["full_params"] == d_in * d_out * matrices
    assert d["lora_params"] == rank * (d_in + d_out) * matrices
    assert d["trainable_percent"] == pytest.approx(100 * rank * (d_in + d_out) / (d_in * d_out), rel=1e-4)
    assert d["merge_max_abs_diff"] < 1e-9
    assert d["init_max_abs_diff"] == 0.0
    assert d["update_rank"] == min(rank, d_in, d_out)


@pytest.mark.parametrize("shape", [dict(layers=32, heads=32, kv_heads=8, head_dim=128, seq_len=8192, batch=1),
                                   dict(layers=80, heads=64, kv_heads=8, head_dim=128, seq_len=4096, batch=4),
                                   dict(layers=2, heads=4, kv_heads=1, head_dim=3, seq_len=5, batch=7)])
def test_kvcache_by_formula(shape: dict[str, int]) -> None:
    d = demos.run("kvcache", {**shape, "bytes": 2}).data
    s = shape
    assert d["bytes"] == 2 * s["layers"] * s["kv_heads"] * s["head_dim"] * s["seq_len"] * s["batch"] * 2
    assert d["mha_bytes"] == d["bytes"] * s["heads"] / s["kv_heads"]
    assert d["gib"] == d["bytes"] / 2**30


def test_kvcache_llama3_8b_is_one_gib_and_rejects_bad_heads() -> None:
    assert demos.run("kvcache").data["gib"] == 1.0
    with pytest.raises(UsageError, match="kv_heads ≤ heads"):
        demos.run("kvcache", {"heads": 8, "kv_heads": 16})


def test_quantize_hand_example_and_error_bounds() -> None:
    q, scale, back = quantize.quantize(np.array([[0.5, -1.0, 0.25, 0.0]]), 8, 4)
    assert q.tolist() == [[64, -127, 32, 0]]
    assert scale.ravel().tolist() == pytest.approx([1 / 127])
    for bits in (8, 4, 3):
        d = demos.run("quantize", {"bits": bits, "rows": 64, "cols": 300, "group_size": 64}).data
        assert d["qmax"] == 2 ** (bits - 1) - 1
        for s in d["schemes"]:
            assert s["max_abs_error"] <= s["error_bound"] * (1 + 1e-6)
        per_tensor, per_channel, per_group = d["schemes"]
        assert per_group["mean_abs_error"] <= per_channel["mean_abs_error"] <= per_tensor["mean_abs_error"]
        assert per_group["scales"] == 64 * math.ceil(300 / 64)
        assert d["model_gb"] == pytest.approx(7 * bits / 8)
    w = quantize.weights(16, 40, np.random.default_rng(0))
    ints, _, back = quantize.quantize(w, 4, 8)
    assert ints.min() >= -7 and ints.max() <= 7
    assert np.abs(w - back).max() > 0  # 4 bits really lose information


def test_moe_routing_load_and_params() -> None:
    d = demos.run("moe", {"experts": 8, "top_k": 2, "tokens": 100}).data
    assert sum(d["load"]) == d["assignments"] == 200
    for experts, gates in zip(d["routes"], d["gates"], strict=True):
        assert len(set(experts)) == 2
        assert sum(gates) == pytest.approx(1.0, abs=1e-3)
        assert gates[0] >= gates[1]
    assert d["total_params_b"] == pytest.approx(1.63 + 8 * 5.63)
    assert d["active_params_b"] == pytest.approx(1.63 + 2 * 5.63)
    # Routing recomputed independently from the same seeded draws.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 16))
    w = rng.standard_normal((16, 8)) / 4.0
    top = [sorted(range(8), key=lambda e, row=row: -row[e])[:2] for row in x @ w]
    assert d["routes"] == top[:8]
    with pytest.raises(UsageError, match="more than --experts"):
        demos.run("moe", {"experts": 4, "top_k": 5})


# -- BPE -------------------------------------------------------------------------------------------


def test_bpe_wikipedia_example() -> None:
    d = demos.run("bpe", {"text": "aaabdaaabac", "merges": 3}).data
    assert [m["pair"] for m in d["merges"]] == [["a", "a"], ["aa", "a"], ["aaa", "b"]]
    assert d["length_before"] == 11 and d["length_after"] == 5
    assert d["tokens"] == ["aaab", "d", "aaab", "a", "c"]


def test_bpe_segmentation_reassembles_the_text_and_counts_are_true() -> None:
    text = "low lower lowest newer newest wider widest"
    d = demos.run("bpe", {"text": text, "merges": 50}).data
    assert "".join(d["tokens"]) == text
    assert d["merges_done"] < 50  # stops when no pair repeats
    # Replay the merges by hand: each step's count is the pair's true count at that point.
    chunks = [list(c.encode()) for c in bpe._CHUNK.findall(text)]
    for step in d["merges"]:
        counts = bpe.pair_counts(chunks)
        pair = max(counts, key=counts.__getitem__)
        assert counts[pair] == step["count"]
        chunks = [bpe.merge(c, pair, step["id"]) for c in chunks]
        assert sum(map(len, chunks)) == step["length"]
