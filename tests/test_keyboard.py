"""Answers typed in a terminal that does not send UTF-8 are kept, never a crash."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from llmquiz import keyboard
from llmquiz.cli import app
from llmquiz.store import Store

runner = CliRunner()


def test_repair_decodes_kept_bytes_as_utf8_or_windows_1252() -> None:
    assert keyboard.repair("Paris, caf\udce9") == "Paris, café"  # Latin-1 é
    assert keyboard.repair("caf\udcc3\udca9") == "café"  # UTF-8 bytes kept one by one
    assert keyboard.repair("\udc93quoted\udc94") == "“quoted”"  # Windows-1252 curly quotes
    assert keyboard.repair("already fine: café") == "already fine: café"
    assert keyboard.repair("x\ud800y\udce9") == "x?yé"  # a surrogate no decoder makes


def test_study_keeps_a_latin1_answer(mini_decks: Path) -> None:
    # What a Latin-1 terminal sends for "café": the byte 0xe9, which is not UTF-8.
    result = runner.invoke(app, ["study", "--topic", "zz-testing", "--limit", "1", "--decks", str(mini_decks)],
                           input=b"Paris, by a caf\xe9 on the Seine\n\n\n")
    assert result.exit_code == 0, result.output
    assert "CORRECT" in result.output and "Cards done: 1" in result.output
    with Store.open() as store:
        assert store.reviews()[0].answer == "Paris, by a café on the Seine"


def test_grade_repairs_an_answer_given_as_undecodable_argv(mini_decks: Path) -> None:
    # Python hands undecodable argv bytes over as surrogates; printing them would raise.
    result = runner.invoke(app, ["grade", "--card", "zz-capital", "--decks", str(mini_decks),
                                 "Paris on the Seine, caf\udce9"])
    assert result.exit_code == 0, result.output
    assert "CORRECT" in result.output
