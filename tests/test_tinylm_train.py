"""Training the tiny model on the real decks: it learns, it is deterministic, the split is stable."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from llmquiz.errors import DeckError, ModelError
from llmquiz.paths import shipped_decks_dir
from llmquiz.tinylm.corpus import load_corpus
from llmquiz.tinylm.train import TrainConfig, train

TINY = TrainConfig(steps=80, batch_size=8, context=16, n_layer=1, n_head=2, d_model=16, d_ff=32, lr=1e-2,
                   min_count=3, warmup=10)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMQUIZ_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(shipped_decks_dir())


@pytest.fixture(scope="module")
def trained(corpus):
    return train(corpus, TINY, log_every=20)


def test_training_lowers_heldout_loss(trained):
    start_heldout = trained.history[0][2]
    assert trained.history[0][0] == 0
    # at step 0 the model is about uniform over the vocabulary
    assert abs(start_heldout - math.log(trained.model.vocab_size)) < 0.5
    assert trained.heldout_loss < start_heldout - 1.0
    assert trained.train_loss < start_heldout - 1.0


def test_same_seed_same_weights_other_seed_other_weights(corpus, trained):
    again = train(corpus, TINY)
    for name, p in trained.model.params.items():
        assert np.array_equal(p, again.model.params[name]), name
    assert again.heldout_loss == trained.heldout_loss
    other = train(corpus, dataclasses.replace(TINY, seed=1, steps=5))
    assert other.model.vocab.tiktoken_ids == trained.model.vocab.tiktoken_ids  # the vocabulary is not random
    assert not np.array_equal(other.model.params["wte"], trained.model.params["wte"])


def test_metadata_records_run_and_corpus(corpus, trained):
    info = trained.model.info()
    assert info.steps == TINY.steps and info.seed == TINY.seed and info.context == TINY.context
    assert info.corpus_cards == corpus.n_cards
    assert info.corpus_sha256 == corpus.sha256()
    assert info.corpus_train_tokens > 10 * info.corpus_heldout_tokens / 3
    assert info.heldout_perplexity == pytest.approx(math.exp(trained.heldout_loss), rel=1e-5)


def test_split_holds_out_about_ten_percent_deterministically(corpus):
    assert 0.07 <= len(corpus.heldout) / corpus.n_cards <= 0.13
    train_ids = {a.card_id for a in corpus.train}
    assert not train_ids & {a.card_id for a in corpus.heldout}
    assert load_corpus(shipped_decks_dir()).sha256() == corpus.sha256()


def test_every_answer_survives_encode_decode(trained, corpus):
    model = trained.model
    for answer in corpus.train + corpus.heldout:
        ids = model.encode(answer.text)
        assert model.unk_id not in ids
        assert model.decode(ids) == answer.text


def test_bad_yaml_names_the_file_and_line(tmp_path):
    (tmp_path / "a.yaml").write_text("topic: x\ncards:\n  - id: a\n    answer: [unclosed\n", encoding="utf-8")
    with pytest.raises(DeckError, match=r"a\.yaml:\d+:\d+"):
        load_corpus(tmp_path)


def test_folder_without_answers_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="card answers"):
        load_corpus(tmp_path)


@pytest.mark.slow
def test_shipped_weights_are_reproduced_by_training():
    """`llmquiz model train` with the defaults rebuilds the shipped file (when the decks are unchanged)."""
    from llmquiz.tinylm.lm import load_model, shipped_path

    shipped = load_model(shipped_path())
    corpus = load_corpus(shipped_decks_dir())
    if shipped.info().corpus_sha256 != corpus.sha256():
        pytest.fail("The decks changed since the shipped tiny model was trained; regenerate it with "
                    "`llmquiz model train --output llmquiz/data/tinylm.npz`.")
    result = train(corpus, TrainConfig(**shipped.meta["training"]))
    for name, p in shipped.params.items():
        assert np.array_equal(p, result.model.params[name]), name
