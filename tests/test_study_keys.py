"""The study keys that act on a card (bury, suspend, edit, flag), the answer editor, and the yes/no prompts."""

from __future__ import annotations

import json
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from llmquiz import flags, paths, render, scheduling
from llmquiz.cli import app
from llmquiz.review import Rating
from llmquiz.store import Store

from .conftest import ROOT

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def study(mini_decks: Path, typed: str, *extra: str):
    return run("study", "--topic", "zz-testing", "--decks", str(mini_decks), *extra, input=typed)


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Set $EDITOR to a script that replaces EDIT_OLD with EDIT_NEW in the file (all of it if EDIT_OLD is empty)."""
    script = tmp_path / "fake_editor.py"
    script.write_text(
        "import os, sys\n"
        "path = sys.argv[1]\n"
        "text = open(path, encoding='utf-8').read()\n"
        "old, new = os.environ.get('EDIT_OLD', ''), os.environ['EDIT_NEW']\n"
        "open(path, 'w', encoding='utf-8').write(text.replace(old, new) if old else new)\n", encoding="utf-8")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")

    def set_edit(new: str, old: str = "") -> None:
        monkeypatch.setenv("EDIT_OLD", old)
        monkeypatch.setenv("EDIT_NEW", new)

    return set_edit


def test_an_empty_answer_asks_to_reveal_and_records_nothing_by_itself(mini_decks: Path) -> None:
    # Enter on an empty answer, then Enter again (the default: no): nothing is graded or recorded.
    result = study(mini_decks, "\n\n/q\n", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "No answer given. Reveal the model answer? [y/N]" in result.output
    assert "WRONG" not in result.output
    with Store.open() as store:
        assert store.count() == 0


def test_revealing_after_an_empty_answer_lets_the_learner_rate(mini_decks: Path) -> None:
    result = study(mini_decks, "\ny\n2\n", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "Model answer" in result.output and "• The river is the Seine" in result.output
    with Store.open() as store:
        [review] = store.reviews()
    assert (review.rating.label, review.score, review.answer) == ("hard", None, "")


def test_the_keep_your_answer_prompt_shows_its_choices(mini_decks: Path) -> None:
    # A wrong grade overruled with Good leads to the offer; its [y/N] must be on screen.
    result = study(mini_decks, "Lyon\n\n3\n\n/q\n", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "Add your answer to this card's accepted answers in your own deck? [y/N]" in result.output


def test_bury_and_suspend_set_cards_aside_until_released(mini_decks: Path) -> None:
    result = study(mini_decks, "/b\nParis\n\n/x\n")
    assert result.exit_code == 0, result.output
    assert "Buried zz-capital until" in result.output
    assert "Suspended zz-boiling" in result.output
    assert "1 buried, 1 suspended" in result.output
    with Store.open() as store:
        assert store.count() == 0  # neither key records a rating
    again = study(mini_decks, "")
    assert "Nothing to study right now" in again.output
    listed = json.loads(run("unsuspend", "--json").output)
    assert {(r["card"], r["kind"]) for r in listed} == {("zz-capital", "buried"), ("zz-boiling", "suspended")}
    released = run("unsuspend", "zz-boiling", "zz-nothing")
    assert "Back in your sessions: zz-boiling." in released.output
    assert "Not suspended or buried: zz-nothing" in released.output
    assert "Card 1/1" in study(mini_decks, "/q\n").output


def test_flagging_a_grade_keeps_it_for_the_deck_author(mini_decks: Path) -> None:
    result = study(mini_decks, "The Seine runs through Paris\nwhich is the capital\n\n/f\n"
                   "both points are there\n4\n/q\n")
    assert result.exit_code == 0, result.output
    assert "/f flag wrong grade" in result.output
    assert "Flagged." in result.output
    with Store.open() as store:
        [review] = store.reviews()
    assert review.rating.label == "easy"  # flagging does not rate; the learner still does
    listed = json.loads(run("flags", "--json").output)
    [flag] = listed["flags"]
    assert flag["card"] == "zz-capital" and flag["note"] == "both points are there"
    assert flag["answer"] == "The Seine runs through Paris\nwhich is the capital"
    assert flag["source"].endswith("testing.yaml:6")
    assert {"score", "verdict", "found", "missed"} <= flag["grade"].keys()
    shown = run("flags", "--topic", "zz-test", "--decks", str(mini_decks)).output
    assert "zz-capital" in shown and "testing.yaml:6" in shown and "note: both points are there" in shown
    assert "answer: The Seine runs through Paris" in shown


def test_flags_skip_an_unreadable_line() -> None:
    path = flags.flags_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"card": "x"\n', encoding="utf-8")
    result = run("flags")
    assert result.exit_code == 0 and "1 unreadable line" in result.output


def test_e_writes_the_answer_in_the_editor(mini_decks: Path, editor) -> None:
    editor("Paris is the capital,\n\nand the Seine runs through it.\n# a comment line is left out\n")
    result = study(mini_decks, "/e\n4\n/q\n", "--limit", "1")
    assert result.exit_code == 0, result.output
    with Store.open() as store:
        [review] = store.reviews()
    assert review.answer == "Paris is the capital,\n\nand the Seine runs through it."
    assert review.verdict == "correct"


def test_c_edits_the_card_into_the_learners_deck_keeping_progress(mini_decks: Path, editor) -> None:
    editor(old="question: What is the capital of France,", new="question: Which city is the capital of France,")
    # Card 1 answered, edited and rated Again; card 2 skipped; card 1 comes back in its new words.
    result = study(mini_decks, "Paris, on the Seine\n\n/c\n1\n/s\nParis, on the Seine\n\n4\n")
    assert result.exit_code == 0, result.output
    assert "Saved to" in result.output and "your progress on zz-capital is kept" in result.output
    # The card came back for its learning step in its new words.
    assert "Which city is the capital of France" in result.output
    mine = yaml.safe_load((paths.user_decks_dir() / "zz-testing.yaml").read_text(encoding="utf-8"))
    [card] = mine["cards"]
    assert card["id"] == "zz-capital" and card["question"].startswith("Which city")
    with Store.open() as store:
        assert [r.rating.label for r in store.reviews("zz-capital")] == ["again", "easy"]
    # Later sessions load the learner's version.
    later = run("grade", "--card", "zz-capital", "Paris", "--decks", str(mini_decks))
    assert "Which city is the capital of France" in later.output


def test_a_broken_card_edit_is_shown_with_its_line_and_nothing_is_saved(mini_decks: Path, editor) -> None:
    editor(old="difficulty: 1", new="difficulty: hard")
    result = study(mini_decks, "Paris, on the Seine\n\n/c\nn\n4\n/q\n", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert ":18:13: card 'zz-capital': difficulty must be 1, 2 or 3, not 'hard'" in result.output
    assert "Fix it in the editor? [Y/n]" in result.output
    assert "Nothing was saved" in result.output
    assert not (paths.user_decks_dir() / "zz-testing.yaml").exists()


def test_a_card_edit_must_keep_the_id(mini_decks: Path, editor) -> None:
    editor(old="id: zz-capital", new="id: zz-capital-2")
    result = study(mini_decks, "Paris, on the Seine\n\n/c\nn\n4\n/q\n", "--limit", "1")
    assert "the id must stay 'zz-capital'" in result.output
    assert not (paths.user_decks_dir() / "zz-testing.yaml").exists()


def test_without_an_editor_the_learner_is_told_how_to_set_one(mini_decks: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "llmquiz-no-such-editor")
    monkeypatch.delenv("VISUAL", raising=False)
    result = study(mini_decks, "/e\n/q\n", "--limit", "1")
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "cannot start the editor 'llmquiz-no-such-editor'" in result.output


def test_the_readme_shows_the_legend_and_rating_keys_as_they_are_printed() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    con = render.console()
    with con.capture() as cap:
        render.legend(con, demo=True)
    assert f"```text\n{cap.get()}```" in readme
    # The README's rating example: a card forgotten once (Again), then recalled twice (Good, Good).
    state, at = None, datetime(2026, 1, 5, 8, tzinfo=UTC)
    for rating in (Rating.AGAIN, Rating.GOOD, Rating.GOOD):
        state, at = scheduling.review(state, rating, at)
    intervals = scheduling.preview(state, at)
    with con.capture() as cap:
        render.rating_keys(con, [(r.label, scheduling.interval_label(intervals[r])) for r in Rating],
                           graded=True, demo=False)
    assert f"```text\n{cap.get()}Rating again (Enter accepts, or 1-4):\n```" in readme
