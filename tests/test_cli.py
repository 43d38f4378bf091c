"""The command line through Typer's CliRunner: exit codes and the lines a user reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmquiz import paths
from llmquiz.cli import app
from llmquiz.store import Store

from .conftest import FIXTURES

runner = CliRunner()
ANSI = re.compile(r"\x1b\[")


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("study", "topics", "decks", "grade"):
        assert re.search(rf"│ {command}\s", result.output), command


def test_topics_json_lists_every_topic_with_its_cards(mini_decks: Path) -> None:
    result = run("topics", "--json", "--decks", str(mini_decks))
    assert result.exit_code == 0, result.output
    rows = {r["topic"]: r for r in json.loads(result.output)}
    assert rows["zz-testing"]["cards"] == 2 and rows["zz-testing"]["seen"] == 0
    assert len(rows) >= 17 and all(r["cards"] > 0 for r in rows.values())


def test_topics_table_shows_counts(mini_decks: Path) -> None:
    result = run("topics", "--decks", str(mini_decks))
    assert result.exit_code == 0
    assert re.search(r"zz-testing\s+│\s+Test deck\s+│\s+2\s+│\s+-\s+│\s+-", result.output)


def test_validate_clean_and_broken(mini_decks: Path) -> None:
    ok = run("decks", "validate", str(mini_decks))
    assert ok.exit_code == 0 and "All 1 deck file are valid." in ok.output
    bad = run("decks", "validate", str(FIXTURES / "bad_decks" / "wrong_type.yaml"))
    assert bad.exit_code == 1
    assert "wrong_type.yaml:9:17: card 'wt-one': difficulty must be 1, 2 or 3, not 'hard'" in bad.output
    assert "3 problems in 1 file." in bad.output


def test_validate_defaults_to_every_loaded_deck() -> None:
    result = run("decks", "validate", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["problems"] == [] and data["files"] >= 16


def test_study_refuses_a_broken_deck_with_the_same_messages(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "bad.yaml").write_bytes((FIXTURES / "bad_decks" / "missing_field.yaml").read_bytes())
    result = run("study", "--decks", str(folder))
    assert result.exit_code == 1
    assert "bad.yaml:5:5: card 'mf-one': missing field 'difficulty'" in result.output
    assert "Traceback" not in result.output


def test_unknown_topic_suggests_the_closest(mini_decks: Path) -> None:
    result = run("study", "--topic", "zz-testng", "--decks", str(mini_decks))
    assert result.exit_code == 1
    assert "Error: no topic 'zz-testng' — did you mean 'zz-testing'?" in result.output


def test_study_grades_rates_saves_and_sums_up(mini_decks: Path) -> None:
    # Card 1: a correct answer, Enter accepts the suggested rating. Card 2: quit at the prompt.
    result = run("study", "--topic", "zz-testing", "--decks", str(mini_decks),
                 input="Paris, and the Seine runs through it\n\n\n/q\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Card 1/2" in out and "What is the capital of France" in out
    assert "/h hint" in out and "/q quit" in out
    assert "CORRECT  5/5" in out and "✓ The capital is Paris" in out
    assert "Rating good (Enter accepts" in out
    assert "Cards done: 1" in out
    assert not ANSI.search(out)
    with Store.open() as store:
        [review] = store.reviews()
    assert (review.card_id, review.verdict, review.rating.label) == ("zz-capital", "correct", "good")
    assert review.answer == "Paris, and the Seine runs through it"


def test_study_partial_answer_shows_what_was_missed(mini_decks: Path) -> None:
    result = run("study", "--topic", "zz-testing", "--limit", "1", "--decks", str(mini_decks),
                 input="It is Paris\n\n2\n")
    assert result.exit_code == 0, result.output
    assert "✗ The river is the Seine" in result.output
    assert "Missed most:" in result.output and "1× The river is the Seine" in result.output
    with Store.open() as store:
        assert store.reviews()[0].rating.label == "hard"


def test_study_hint_skip_and_override(mini_decks: Path) -> None:
    result = run("study", "--topic", "zz-testing", "--decks", str(mini_decks),
                 input="/h\n/s\nno idea\n\nx\neasy\n")
    assert result.exit_code == 0, result.output
    assert "Hint: A complete answer makes 2 points." in result.output
    assert "Skipped." in result.output
    assert "Type 1, 2, 3 or 4" in result.output
    with Store.open() as store:
        [review] = store.reviews()
    assert (review.card_id, review.rating.label, review.verdict) == ("zz-boiling", "easy", "wrong")


def test_flash_mode_reveals_and_asks_for_a_self_rating(mini_decks: Path) -> None:
    result = run("study", "--topic", "zz-testing", "--mode", "flash", "--limit", "1", "--decks",
                 str(mini_decks), input="\n3\n")
    assert result.exit_code == 0, result.output
    assert "Model answer" in result.output and "• The river is the Seine" in result.output
    with Store.open() as store:
        [review] = store.reviews()
    assert review.mode == "flash" and review.score is None and review.rating.label == "good"


@pytest.mark.parametrize("answer", ["", "x" * 100_000, "naïve 答え \u200b émoji 🤖"])
def test_odd_answers_never_crash(mini_decks: Path, answer: str) -> None:
    # An empty answer asks whether to reveal the model answer; "y" does, then the learner rates.
    typed = f"{answer}\n\n1\n" if answer else "\ny\n1\n"
    result = run("study", "--topic", "zz-testing", "--limit", "1", "--decks", str(mini_decks), input=typed)
    assert result.exit_code == 0, result.output
    assert "Cards done: 1" in result.output


def test_bad_mode_is_a_usage_error(mini_decks: Path) -> None:
    result = run("study", "--mode", "quiz", "--decks", str(mini_decks))
    assert result.exit_code == 2
    assert "--mode must be 'free' or 'flash', not 'quiz'." in result.output


def test_a_corrupt_store_is_reported_and_moved_aside(mini_decks: Path) -> None:
    path = paths.store_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage" * 10)
    result = run("topics", "--decks", str(mini_decks))
    assert result.exit_code == 0
    assert "could not be read" in result.output and ".corrupt-" in result.output
    assert list(path.parent.glob("progress.sqlite3.corrupt-*"))


def test_grade_a_card_as_json(mini_decks: Path) -> None:
    result = run("grade", "--card", "zz-capital", "Paris, on the Seine", "--json", "--decks", str(mini_decks))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"] == "correct" and data["score"] >= 4


def test_grade_unknown_card_suggests(mini_decks: Path) -> None:
    result = run("grade", "--card", "zz-capitol", "Paris", "--decks", str(mini_decks))
    assert result.exit_code == 1
    assert "no card 'zz-capitol' — did you mean 'zz-capital'?" in result.output


def test_grade_batch_grades_every_line_in_order_and_names_bad_ones(tmp_path: Path) -> None:
    lines = [
        {"question": "What is the capital of France?", "reference": "Paris is the capital of France.",
         "answer": "Paris is the French capital."},
        "{not json",
        {"question": "What is 2 + 2?", "reference": "Two plus two is 4.", "answer": "It is 5.",
         "key_points": ["4"]},
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    result = run("grade", "--batch", str(path), "--encoder", "hashing")
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3
    assert rows[0]["verdict"] == "correct" and {"score", "found", "missed", "feedback"} <= rows[0].keys()
    assert rows[1]["line"] == 2 and "error" in rows[1]
    assert rows[2]["verdict"] == "wrong"
    assert "1 line could not be graded" in result.output


def test_grade_batch_reads_stdin() -> None:
    line = json.dumps({"question": "q?", "reference": "Water boils at 100 degrees Celsius at sea level.",
                       "answer": "At sea level water boils at 100 °C."})
    result = run("grade", "--batch", "-", "--encoder", "hashing", input=line + "\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == "correct"


def test_grade_without_card_or_batch_is_a_usage_error() -> None:
    result = run("grade", "some text")
    assert result.exit_code == 2 and "give --card ID and the answer text" in result.output


def test_unknown_encoder_is_one_clear_error(mini_decks: Path) -> None:
    result = run("grade", "--card", "zz-capital", "Paris", "--encoder", "nonsense", "--decks", str(mini_decks))
    assert result.exit_code == 1 and "Traceback" not in result.output and "Error:" in result.output


def test_the_cards_demo_runs_on_one_key_during_study(mini_decks: Path) -> None:
    result = run("study", "--topic", "zz-testing", "--decks", str(mini_decks),
                 input="/s\n/d\n100 degrees, lower at altitude because the pressure is lower\n\n\n")
    assert result.exit_code == 0, result.output
    assert "/d demo" in result.output
    assert "KV cache = 2 × 2 × 8 × 128" in result.output
    assert "Cards done: 1; 1 skipped" in result.output


def test_help_imports_nothing_heavy(llmquiz_home: Path) -> None:
    import subprocess
    import sys

    from .conftest import env_for_subprocess

    code = ("import sys\nfrom llmquiz.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('numpy', 'tiktoken', 'yaml', 'fsrs', 'genanki', 'sqlite3') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], env=env_for_subprocess(llmquiz_home), capture_output=True,
                         text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
