"""The wheel carries every deck and the model weights, and nothing from the research benchmarks."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, env_for_subprocess


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling (in the test extra)")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    [path] = out.glob("llmquiz-*.whl")
    return path


def test_the_wheel_ships_every_deck_and_no_research_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    decks = {p.name for p in (ROOT / "decks").glob("*.yaml")}
    assert {Path(n).name for n in names if n.startswith("llmquiz/decks/")} == decks
    assert any(n.startswith("llmquiz/data/tinylm") for n in names)
    assert "llmquiz/grading/data/antonyms.txt" in names
    assert not [n for n in names if "bench" in n or "mohler" in n or "semeval" in n or n.startswith("tests/")]


def test_an_installed_wheel_finds_its_decks(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import llmquiz, llmquiz.decks as d, llmquiz.paths as p; "
            "lib = d.load_valid(); print(llmquiz.__file__); print(p.shipped_decks_dir()); print(len(lib.decks))")
    env = env_for_subprocess(tmp_path / "home", PYTHONPATH=str(site))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=tmp_path).stdout.split("\n")
    assert out[0].startswith(str(site)) and out[1] == str(site / "llmquiz" / "decks")
    assert int(out[2]) >= 16
