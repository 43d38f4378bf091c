"""The shipped tiny model through the API the demos use: logits, attention, decoding, files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from llmquiz.errors import DemoError, ModelError
from llmquiz.tinylm import load_model
from llmquiz.tinylm.decode import filter_probs
from llmquiz.tinylm.lm import LanguageModel, shipped_path, user_path
from llmquiz.tinylm.weights import load_weights, save_weights

TEXT = "Retrieval-augmented generation retrieves passages and puts them in the prompt."


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMQUIZ_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def model() -> LanguageModel:
    return load_model(shipped_path())


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def test_shipped_model_is_small_and_described(model):
    info = model.info()
    assert shipped_path().stat().st_size < 2_000_000
    assert info.n_params == model.n_params == sum(p.size for p in model.params.values())
    assert info.vocab_size == model.vocab_size == len(model.vocab)
    assert info.n_layer <= 2 and info.d_model <= 64 and info.context == model.context == 64
    assert info.steps > 0 and info.corpus_cards > 0 and len(info.corpus_sha256) == 64
    # it predicts held-out answers far better than guessing uniformly over its vocabulary
    assert info.heldout_loss < math.log(model.vocab_size) - 2
    assert info.heldout_perplexity == pytest.approx(math.exp(info.heldout_loss))
    json.dumps(info.to_dict())


def test_next_logits_is_one_score_per_token(model):
    logits = model.next_logits("Attention lets each token")
    assert logits.shape == (model.vocab_size,)
    assert np.all(np.isfinite(logits))
    assert model.next_logits("Attention lets each token")[5] == logits[5]


def test_next_logits_truncates_a_long_prompt_to_the_context(model):
    prompt = " ".join([TEXT] * 8)
    ids = model.encode(prompt, bos=True)
    assert len(ids) > model.context
    expected = model.logits(ids[-model.context:])[-1]
    assert np.array_equal(model.next_logits(prompt), expected)


def test_logits_slide_a_window_past_the_context(model):
    ids = model.encode(" ".join([TEXT] * 5), bos=True)[: model.context + 7]
    rows = model.logits(ids)
    assert rows.shape == (len(ids), model.vocab_size)
    np.testing.assert_allclose(rows[: model.context], model.logits(ids[: model.context]), atol=1e-4)
    for t in (model.context, model.context + 6):
        np.testing.assert_allclose(rows[t], model.logits(ids[t - model.context + 1: t + 1])[-1], atol=1e-4)


def test_logits_are_causal(model):
    ids = model.encode(TEXT, bos=True)
    changed = [*ids[:-1], (ids[-1] + 1) % model.vocab_size]
    a, b = model.logits(ids), model.logits(changed)
    assert np.array_equal(a[:-1], b[:-1])  # earlier positions cannot see the last token
    assert not np.array_equal(a[-1], b[-1])


def test_attention_rows_are_distributions_over_the_past(model):
    ids = model.encode(TEXT, bos=True)
    att = model.attention(ids)
    T = len(ids)
    assert att.shape == (model.cfg.n_layer, model.cfg.n_head, T, T)
    np.testing.assert_allclose(att.sum(-1), 1.0, atol=1e-6)
    assert np.all(att[..., np.triu_indices(T, k=1)[0], np.triu_indices(T, k=1)[1]] == 0)
    assert np.all(att[..., 0, 0] == 1.0)  # the first token can only attend to itself
    assert np.all(att >= 0)


def test_attention_longer_than_context_is_refused(model):
    with pytest.raises(DemoError, match="at most 64 tokens"):
        model.attention([model.bos_id] * (model.context + 1))


def test_encode_decode_round_trip_without_unknowns(model):
    text = "Zyxquorblat naïve café 日本語 🤖 — KV-cache=2·L·H·d; p(x)≥0.5!"
    ids = model.encode(text)
    assert model.unk_id not in ids
    assert model.decode(ids) == text
    assert model.encode(text, bos=True) == [model.bos_id, *ids]
    assert "".join(model.token_text(i) for i in model.encode("the model")) == "the model"


def test_token_text_of_specials_and_bad_ids(model):
    assert [model.token_text(i) for i in (model.unk_id, model.bos_id, model.eos_id)] == ["<unk>", "<bos>", "<eos>"]
    assert model.decode([model.bos_id, *model.encode("hi"), model.eos_id]) == "hi"
    with pytest.raises(DemoError):
        model.token_text(model.vocab_size)
    with pytest.raises(DemoError):
        model.logits([model.vocab_size])
    with pytest.raises(DemoError):
        model.logits([])


def test_loss_prefers_real_text_to_the_same_tokens_shuffled(model):
    ids = model.encode(TEXT, bos=True)
    shuffled = [ids[0], *np.random.default_rng(0).permutation(ids[1:]).tolist()]
    assert model.loss(ids) < model.loss(shuffled) - 1.0
    logp = _log_softmax(model.logits(ids[:-1]))
    assert model.loss(ids) == pytest.approx(-logp[np.arange(len(ids) - 1), ids[1:]].mean())


def test_save_load_round_trip_gives_identical_logits(model, tmp_path):
    path = save_weights(tmp_path / "copy.npz", model.cfg, model.params, model.vocab, model.meta)
    loaded = load_model(path)
    ids = model.encode(TEXT, bos=True)
    assert np.array_equal(loaded.logits(ids), model.logits(ids))
    assert loaded.vocab.token_bytes == model.vocab.token_bytes
    assert loaded.info().to_dict() | {"path": "", "source": ""} == model.info().to_dict() | {"path": "", "source": ""}
    assert loaded.source == "file"


def test_load_prefers_a_user_trained_file(model):
    assert load_model().source == "shipped"
    save_weights(user_path(), model.cfg, model.params, model.vocab, model.meta | {"heldout_loss": 1.5})
    user = load_model()
    assert user.source == "user" and user.path == user_path()
    assert user.info().heldout_loss == 1.5
    assert load_model() is user  # cached per process


def test_corrupt_weights_file_is_a_model_error(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="llmquiz model train"):
        load_weights(bad)
    with pytest.raises(ModelError, match="llmquiz model train"):
        load_model(tmp_path / "missing.npz")


def test_greedy_follows_the_argmax(model):
    ids = model.encode("The KV cache", bos=True)
    new = model.greedy(ids, 6)
    seq = list(ids)
    for tok in new:
        assert tok == int(np.argmax(model.logits(seq)[-1]))
        seq.append(tok)
    assert len(new) == 6 or new[-1] == model.eos_id


def test_beam_search_scores_are_true_log_probabilities(model):
    ids = model.encode("LoRA", bos=True)
    beams = model.beam_search(ids, 5, 3)
    assert len(beams) == 3
    assert [s for _, s in beams] == sorted((s for _, s in beams), reverse=True)
    assert len({tuple(b) for b, _ in beams}) == 3
    for new, score in beams:
        logp = _log_softmax(model.logits(ids + new)[len(ids) - 1: -1])
        assert score == pytest.approx(sum(logp[i, t] for i, t in enumerate(new)), abs=1e-3)
    # width 1 is greedy search
    assert model.beam_search(ids, 5, 1)[0][0] == model.greedy(ids, 5)
    # a wider beam never finds a worse best sequence of the same length here
    assert beams[0][1] >= model.beam_search(ids, 5, 1)[0][1] - 1e-9 or len(beams[0][0]) < 5


def test_sampling_is_seeded_and_honours_its_limits(model):
    ids = model.encode("Temperature", bos=True)
    a = model.sample(ids, 8, temperature=1.0, top_p=0.9, rng=np.random.default_rng(7))
    b = model.sample(ids, 8, temperature=1.0, top_p=0.9, rng=np.random.default_rng(7))
    assert a == b
    assert model.sample(ids, 8, temperature=0) == model.greedy(ids, 8)
    assert model.sample(ids, 8, top_k=1, rng=np.random.default_rng(3)) == model.greedy(ids, 8)
    with pytest.raises(DemoError):
        model.sample(ids, 3, top_p=0.0)


def test_filter_probs_keeps_the_nucleus_and_top_k():
    probs = np.array([0.1, 0.5, 0.3, 0.1])
    np.testing.assert_allclose(filter_probs(probs, top_p=0.75), [0, 0.625, 0.375, 0])
    np.testing.assert_allclose(filter_probs(probs, top_k=1), [0, 1, 0, 0])
    np.testing.assert_allclose(filter_probs(probs), probs)
