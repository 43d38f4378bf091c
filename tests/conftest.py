"""Shared fixtures: every test gets its own LLMQUIZ_HOME, so no test touches a learner's real progress."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def llmquiz_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private LLMQUIZ_HOME per test, a fixed terminal width, and no user deck folders."""
    home = tmp_path / "home"
    monkeypatch.setenv("LLMQUIZ_HOME", str(home))
    monkeypatch.delenv("LLMQUIZ_DECKS", raising=False)
    monkeypatch.delenv("LLMQUIZ_ENCODER", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    return home


@pytest.fixture(scope="session")
def hashing(tmp_path_factory: pytest.TempPathFactory):
    """The hashing encoder, fitted once per session with its cache in a private LLMQUIZ_HOME."""
    from llmquiz.grading.encoders import get_encoder

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LLMQUIZ_HOME", str(tmp_path_factory.mktemp("encoder-home")))
        return get_encoder("hashing")


@pytest.fixture
def mini_decks() -> Path:
    """A tiny, valid deck folder whose cards the tests know by heart."""
    return FIXTURES / "mini_decks"


def env_for_subprocess(home: Path, **extra: str) -> dict[str, str]:
    """The environment for running llmquiz in a child process against `home`."""
    env = dict(os.environ)
    env.update({"LLMQUIZ_HOME": str(home), "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "100"})
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def minilm():
    """The MiniLM encoder as the grader loads it; the test is skipped when the model is not installed."""
    from llmquiz.grading.encoders import get_encoder, minilm_dir

    if minilm_dir() is None:
        pytest.skip("the minilm model is not installed")
    return get_encoder("minilm")
