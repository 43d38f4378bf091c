"""The text demos agree with tiktoken and the sentence encoder; the registry and argument checks."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from llmquiz import demos
from llmquiz.demos import tokens as tokens_demo
from llmquiz.encodings import get_encoding
from tests.conftest import ROOT, env_for_subprocess

TEXTS = ["Tokenization isn't free.", "strawberry", "naïve café 日本語 🤖 <|endoftext|>", "x" * 300]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_token_counts_are_tiktokens(text: str, encoding: str) -> None:
    d = demos.run("tokens", {"text": text, "encoding": encoding}).data
    enc = get_encoding(encoding)
    ids = enc.encode(text, disallowed_special=())
    assert d["ids"] == ids
    assert d["count"] == len(ids) == len(d["tokens"])
    assert d["counts"] == {n: len(get_encoding(n).encode(text, disallowed_special=()))
                           for n in ("cl100k_base", "o200k_base")}
    assert d["chars_per_token"] == pytest.approx(len(text) / len(ids), abs=1e-4)
    assert d["cost_usd"] == pytest.approx(len(ids) * 2.5 / 1e6)


def test_token_pieces_and_strawberry_trap() -> None:
    d = demos.run("tokens", {"text": "The cat sat.", "encoding": "cl100k_base", "price": 10}).data
    assert "".join(d["tokens"]) == "The cat sat."
    assert d["cost_usd"] == pytest.approx(d["count"] * 10 / 1e6)
    trap = d["strawberry"]
    assert "".join(trap["tokens"]) == "strawberry" and len(trap["tokens"]) > 1 and trap["r_count"] == 3
    scripts = {s["language"]: s for s in d["scripts"]}
    for s in d["scripts"]:
        assert s["cl100k_base"] == len(get_encoding("cl100k_base").encode(s["text"]))
    # The point of the table: non-Latin scripts cost more tokens than English in cl100k_base.
    assert scripts["Hindi"]["cl100k_base"] > 2 * scripts["English"]["cl100k_base"]
    assert len(tokens_demo.TRANSLATIONS) >= 6


def test_embeddings_similarity_is_the_encoders_cosine() -> None:
    from llmquiz.grading.encoders import get_encoder

    sentences = ["The cat sat on the mat.", "A kitten was resting on the rug.", "Revenue grew 8% this quarter."]
    d = demos.run("embeddings", {"sentences": sentences}).data
    v = np.asarray(get_encoder().encode(sentences), dtype=np.float64)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert np.array(d["similarity"]) == pytest.approx(v @ v.T, abs=1e-4)
    assert np.diag(d["similarity"]) == pytest.approx(np.ones(3), abs=1e-4)
    assert d["nearest_pair"] == ["A", "B"]


def test_registry_names_and_listing_agree() -> None:
    from llmquiz.demos.registry import SPECS

    assert tuple(s.name for s in SPECS) == demos.demo_names() == demos.NAMES
    listed = demos.describe()
    assert [row["name"] for row in listed] == list(demos.NAMES)
    assert all(row["summary"].endswith(".") and len(row["summary"]) < 110 for row in listed)


def test_check_args_reports_unknown_keys_and_bad_types() -> None:
    assert demos.check_args("top-p", {"p": 0.9, "logits": [1, 2, 3]}) == []
    assert demos.check_args("tokens", {"text": "hi", "encoding": "o200k_base"}) == []
    problems = demos.check_args("top-p", {"p": 1.5, "temprature": 1, "logits": "abc"})
    assert any("temprature" in p and "did you mean 'temperature'" in p for p in problems)
    assert any("'p'" in p and "at most 1" in p for p in problems)
    assert any("'logits'" in p and "list of numbers" in p for p in problems)
    assert demos.check_args("lora", {"rank": 8.5}) == ["argument 'rank' must be a whole number (got 8.5)"]
    assert demos.check_args("tokens", {"encoding": "p50k"})[0].endswith("one of cl100k_base, o200k_base (got 'p50k')")
    assert demos.check_args("nope", {}) and "unknown demo" in demos.check_args("nope", {})[0]
    assert demos.check_args("embeddings", {"sentences": ["only one"]}) == [
        "argument 'sentences' needs at least 2 items (got ['only one'])"]


def test_every_demo_runs_with_defaults_and_its_data_is_json() -> None:
    import json

    for name in demos.demo_names():
        result = demos.run(name)
        text = json.dumps(result.to_dict(), allow_nan=False)
        assert json.loads(text)["demo"] == name
        assert len(result.explanation) == 2 and all(result.explanation)


def test_importing_the_registry_and_cli_is_cheap() -> None:
    code = ("import sys; from llmquiz import demos; demos.describe(); demos.check_args('top-p', {'p': 2}); "
            "import llmquiz.commands.demo; "
            "heavy = [m for m in ('numpy', 'tiktoken', 'rich.table') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env=env_for_subprocess(ROOT / "nonexistent-home"), check=True)
    assert out.stdout.strip() == "[]"
