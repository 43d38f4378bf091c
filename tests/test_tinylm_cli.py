"""`llmquiz model info` and `llmquiz model train` as a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmquiz.commands.model import app
from llmquiz.paths import shipped_decks_dir
from llmquiz.tinylm.lm import shipped_path

runner = CliRunner()


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMQUIZ_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture()
def two_decks(tmp_path) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir()
    for path in sorted(shipped_decks_dir().glob("*.yaml"))[:2]:
        shutil.copy(path, folder / path.name)
    return folder


def test_info_json_describes_the_shipped_model():
    result = runner.invoke(app, ["info", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"] == "shipped" and Path(data["path"]) == shipped_path()
    assert data["n_params"] > 10_000 and data["vocab_size"] > 300
    assert data["heldout_perplexity"] > 1 and data["corpus_cards"] > 0


def test_info_table_shows_the_figures():
    result = runner.invoke(app, ["info"])
    assert result.exit_code == 0, result.output
    for label in ("parameters", "vocabulary", "held-out loss", "perplexity", "corpus"):
        assert label in result.stdout


def test_train_writes_a_model_the_demos_then_prefer(two_decks, home):
    result = runner.invoke(app, ["train", "--decks", str(two_decks), "--steps", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["steps"] == 3 and data["corpus_files"] == sorted(p.name for p in two_decks.iterdir())
    assert (home / "cache" / "tinylm.npz").is_file()
    info = json.loads(runner.invoke(app, ["info", "--json"]).stdout)
    assert info["source"] == "user" and info["steps"] == 3


def test_train_output_option_and_progress(two_decks, tmp_path):
    out = tmp_path / "elsewhere" / "m.npz"
    result = runner.invoke(app, ["train", "--decks", str(two_decks), "--steps", "2", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert "step     1/2" in result.output and "Trained in" in result.output
    info = json.loads(runner.invoke(app, ["info", "--path", str(out), "--json"]).stdout)
    assert info["steps"] == 2 and info["source"] == "file"


def test_train_on_an_empty_folder_is_one_clear_error(tmp_path):
    result = runner.invoke(app, ["train", "--decks", str(tmp_path), "--steps", "1"])
    assert result.exit_code == 1
    assert "card answers" in result.output and "Traceback" not in result.output


def test_importing_the_command_module_stays_light():
    code = "import sys, llmquiz.commands.model; print(sorted({'numpy', 'tiktoken'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]"
