"""The hand-written backward pass matches finite differences for every parameter."""

from __future__ import annotations

import numpy as np
import pytest

from llmquiz.tinylm.gpt import GPTConfig, backward, forward, init_params, param_shapes


def _loss(params, cfg, idx, targets) -> float:
    return forward(params, cfg, idx, targets)[1]


@pytest.fixture(scope="module")
def setup():
    cfg = GPTConfig(vocab_size=11, context=6, n_layer=2, n_head=2, d_model=8, d_ff=12)
    rng = np.random.default_rng(0)
    params = init_params(cfg, rng, np.float64)
    # larger random values than the init, so every path (LayerNorm gains, GELU curvature, attention) matters
    params = {k: p + rng.normal(0.0, 0.3, p.shape) for k, p in params.items()}
    idx = rng.integers(0, cfg.vocab_size, (3, 5))
    targets = rng.integers(0, cfg.vocab_size, (3, 5))
    _, _, cache = forward(params, cfg, idx, targets)
    return cfg, params, idx, targets, backward(params, cfg, cache)


@pytest.mark.parametrize("name", list(param_shapes(GPTConfig(vocab_size=11, context=6, n_layer=2, n_head=2,
                                                              d_model=8, d_ff=12))))
def test_gradient_matches_finite_differences(setup, name):
    cfg, params, idx, targets, grads = setup
    p = params[name]
    numeric = np.zeros_like(p)
    h = 1e-5
    for j in range(p.size):
        old = p.flat[j]
        p.flat[j] = old + h
        up = _loss(params, cfg, idx, targets)
        p.flat[j] = old - h
        down = _loss(params, cfg, idx, targets)
        p.flat[j] = old
        numeric.flat[j] = (up - down) / (2 * h)
    scale = np.abs(numeric).max() + np.abs(grads[name]).max()
    assert scale > 0, f"{name}: zero gradient, the check would prove nothing"
    assert np.abs(numeric - grads[name]).max() / scale < 1e-6


def test_every_position_of_wpe_beyond_the_sequence_gets_zero_gradient(setup):
    _cfg, _params, idx, _targets, grads = setup
    # positions the batch never reached (T=5 of context 6) must not move
    assert np.all(grads["wpe"][idx.shape[1]:] == 0)
    assert np.any(grads["wpe"][: idx.shape[1]] != 0)
