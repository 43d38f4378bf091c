"""CLI conventions a user of `llm`-style tools expects: browse commands, --version, completion, stdout for
data and stderr for status, --days, settings checked on the spot, colour off, did-you-mean everywhere."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmquiz import config
from llmquiz.cli import app
from llmquiz.store import Store

from .conftest import ROOT, env_for_subprocess

runner = CliRunner()
ANSI = re.compile(r"\x1b\[")


def run(*args: str, input: str | None = None, **env: str):
    return runner.invoke(app, list(args), input=input, env=env or None)


# -- cards and show ---------------------------------------------------------------------------------


def test_cards_lists_a_topic_and_searches_by_words() -> None:
    result = run("cards", "--topic", "attention", "--search", "sqrt d_k", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    ids = [r["id"] for r in rows]
    assert ids[0] == "attn-scaling" and all(r["topic"] == "transformer-attention" for r in rows)
    assert {"id", "topic", "question", "difficulty", "kind", "status", "due"} <= rows[0].keys()
    assert all(r["status"] == "new" and r["due"] is None for r in rows)
    everything = json.loads(run("cards", "--json").stdout)
    assert len(everything) > 400 and len(rows) < 10


def test_cards_table_and_its_count() -> None:
    result = run("cards", "--search", "kv cache gqa")
    assert result.exit_code == 0, result.output
    assert "inf-gqa" in result.stdout or "kv" in result.stdout
    assert re.search(r"\d+ cards? \(all topics, search 'kv cache gqa'\)", result.stdout)
    none = run("cards", "--search", "zebra giraffe")
    assert none.exit_code == 0 and "No cards match" in none.stdout


def test_cards_shows_a_studied_card_as_due_later(mini_decks: Path) -> None:
    run("study", "--topic", "zz-testing", "--limit", "1", "--decks", str(mini_decks),
        input="Paris, and the Seine runs through it\n\n\n")
    rows = {r["id"]: r for r in json.loads(run("cards", "--topic", "zz", "--json", "--decks", str(mini_decks)).stdout)}
    assert rows["zz-capital"]["status"] == "later" and rows["zz-capital"]["due"]
    assert rows["zz-boiling"]["status"] == "new"


def test_show_prints_the_whole_card_and_its_json() -> None:
    result = run("show", "attn-scaling")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Why are attention scores divided by sqrt(d_k)" in out
    assert "Key points" in out and "Misconception:" in out and "Correction:" in out
    assert "llmquiz demo attention" in out and "Not studied yet." in out
    data = json.loads(run("show", "attn-scaling", "--json").stdout)
    assert data["id"] == "attn-scaling" and data["reviews"] == 0 and data["key_points"]


def test_show_after_a_review_says_when_and_how(mini_decks: Path) -> None:
    run("study", "--topic", "zz-testing", "--limit", "1", "--decks", str(mini_decks),
        input="Paris, and the Seine runs through it\n\n\n")
    out = run("show", "zz-capital", "--decks", str(mini_decks)).stdout
    assert "Reviewed 1 time; last" in out and "(good, correct)" in out and "next due" in out


def test_a_wrong_id_gets_did_you_mean_and_points_to_cards() -> None:
    result = run("show", "attn-scalng")
    assert result.exit_code == 1
    assert "no card 'attn-scalng' — did you mean 'attn-scaling'?" in result.output
    far = run("show", "qqqqqqqq")
    assert "`llmquiz cards` lists them" in far.output and "Traceback" not in far.output


# -- version, completion, help ----------------------------------------------------------------------


def test_version_matches_the_package_metadata() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"llmquiz {version}"


def test_help_offers_shell_completion() -> None:
    out = run("--help", COLUMNS="120").stdout
    assert "--install-completion" in out and "--show-completion" in out and "--version" in out


def _script() -> Path:
    script = Path(sys.executable).parent / "llmquiz"
    if not script.exists():
        pytest.skip("the llmquiz console script is not installed")
    return script


def test_show_completion_prints_a_bash_script(llmquiz_home: Path) -> None:
    out = subprocess.run([_script(), "--show-completion", "bash"], env=env_for_subprocess(llmquiz_home),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "_LLMQUIZ_COMPLETE=complete_bash" in out.stdout


@pytest.mark.parametrize(("words", "expected"), [("llmquiz study --topic ra", "rag"),
                                                  ("llmquiz show attn-scal", "attn-scaling"),
                                                  ("llmquiz stu", "study")])
def test_completion_completes_topics_card_ids_and_commands(llmquiz_home: Path, words: str, expected: str) -> None:
    env = env_for_subprocess(llmquiz_home, _LLMQUIZ_COMPLETE="complete_bash", COMP_WORDS=words,
                             COMP_CWORD=str(len(words.split()) - 1))
    out = subprocess.run([_script()], env=env, capture_output=True, text=True, timeout=60)
    assert expected in out.stdout.split(), out.stdout + out.stderr


# -- stdout for data, stderr for status -----------------------------------------------------------


def test_status_lines_go_to_stderr_and_data_to_stdout(tmp_path: Path, mini_decks: Path) -> None:
    out = tmp_path / "cards.csv"
    result = run("export", "--format", "csv", "--topic", "zz", "-o", str(out), "--decks", str(mini_decks))
    assert result.exit_code == 0 and result.stdout == "" and "Wrote 2 cards" in result.stderr
    backup = run("backup", "-o", str(tmp_path / "b.json"))
    assert backup.stdout == "" and "Saved 0 reviews" in backup.stderr
    undo = run("undo")
    assert undo.stdout == "" and "Nothing to undo" in undo.stderr
    setting = run("config", "set", "new_per_day", "5")
    assert setting.stdout == "" and "new_per_day = 5" in setting.stderr
    assert json.loads(run("undo", "--json").stdout) == {"undone": None}


def test_unsuspend_and_flags_keep_data_on_stdout_and_status_on_stderr() -> None:
    # The study branch's commands follow the same rule: --json data on stdout, what was done on stderr.
    from datetime import UTC, datetime

    with Store.open() as store:
        store.hold("zz-capital", "suspended", now=datetime.now(UTC))
    assert json.loads(run("unsuspend", "--json").stdout) == [{"card": "zz-capital", "kind": "suspended",
                                                              "until": None}]
    back = run("unsuspend", "zz-capital", "zz-boiling")
    assert back.exit_code == 0 and back.stdout == ""
    assert "Back in your sessions: zz-capital." in back.stderr
    assert "Not suspended or buried: zz-boiling" in " ".join(back.stderr.split())
    assert json.loads(run("unsuspend", "--json").stdout) == []
    flags = run("flags", "--json")
    assert flags.exit_code == 0 and json.loads(flags.stdout)["flags"] == []


# -- stats --days ------------------------------------------------------------------------------------


def test_stats_days_draws_that_many_days() -> None:
    out = run("stats", "--days", "20").stdout
    chart = out.split("Reviews per day (last 20 days)")[1].split("Due in the next 7 days")[0]
    assert len(re.findall(r"^\s+\d\d-\d\d\s", chart, flags=re.M)) == 20
    data = json.loads(run("stats", "--days", "60", "--json").stdout)
    assert len(data["per_day"]) == 60
    weekly = run("stats", "--days", "60").stdout
    chart = weekly.split("Reviews per week (last 60 days)")[1].split("Due in the next 7 days")[0]
    assert len(re.findall(r"^\s+\d\d-\d\d…\d\d-\d\d\s", chart, flags=re.M)) == 9  # 60 days = 8 weeks and 4 days


# -- config set, checked on the spot ------------------------------------------------------------------


@pytest.mark.parametrize(("key", "value", "message"), [
    ("colour", "false", "unknown config key 'colour' — did you mean 'color'?"),
    ("color", "flase", "did you mean 'false'?"),
    ("encoder", "foo", "no encoder 'foo'"),
    ("encoder", "minlm", "did you mean 'minilm'?"),
    ("encoder", "/no/such/folder", "no model folder at /no/such/folder"),
    ("default_topic", "atention", "did you mean 'transformer-attention'?"),
    ("default_topic", "rag\n", "control character (\\n)"),
    ("default_topic", "rag\x1b[31m", "control character (\\x1b)"),
    ("new_per_day", "ten", "takes a whole number, not 'ten'"),
    ("new_per_day", "2.5", "takes a whole number, not '2.5'"),
    ("encoder", "~no-such-user-here/model", "names no home folder"),
])
def test_config_set_refuses_a_bad_value_and_keeps_the_file(key: str, value: str, message: str) -> None:
    run("config", "set", "new_per_day", "7")
    before = config.config_path().read_text()
    result = run("config", "set", key, value)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert config.config_path().read_text() == before


def test_config_set_stores_what_a_prefix_or_case_means() -> None:
    assert run("config", "set", "default_topic", "atten").exit_code == 0
    assert run("config", "set", "encoder", "HASHING").exit_code == 0
    cfg = config.load()
    assert (cfg.default_topic, cfg.encoder) == ("transformer-attention", "hashing")
    assert run("config", "set", "default_topic", "").exit_code == 0 and config.load().default_topic == ""


def test_a_folder_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    result = run("config", "set", "encoder", str(folder))
    assert result.exit_code == 1 and "cannot be loaded" in " ".join(result.stderr.split())


def test_study_refuses_a_stale_encoder_before_asking_anything(mini_decks: Path) -> None:
    config.config_path().parent.mkdir(parents=True, exist_ok=True)
    config.config_path().write_text('encoder = "foo"\n')
    result = run("study", "--topic", "zz", "--decks", str(mini_decks), input="Paris\n\n")
    assert result.exit_code == 1 and "no encoder 'foo'" in result.stderr
    assert "Card 1/" not in result.stdout


def test_grade_uses_the_configured_encoder(mini_decks: Path) -> None:
    config.config_path().parent.mkdir(parents=True, exist_ok=True)
    config.config_path().write_text('encoder = "foo"\n')  # written by hand: `config set` would refuse it
    result = run("grade", "--card", "zz-capital", "Paris", "--decks", str(mini_decks))
    assert result.exit_code == 1 and "Unknown encoder 'foo'" in result.stderr
    assert run("grade", "--card", "zz-capital", "Paris", "--encoder", "hashing", "--decks",
               str(mini_decks)).exit_code == 0


# -- colour -----------------------------------------------------------------------------------------


def test_color_false_turns_colour_off_everywhere(mini_decks: Path) -> None:
    env = {"NO_COLOR": None, "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    coloured = runner.invoke(app, ["topics", "--decks", str(mini_decks)], env=env, color=True)
    assert ANSI.search(coloured.output), "the test must see colour when it is on"
    assert run("config", "set", "color", "false").exit_code == 0
    for args in (["topics", "--decks", str(mini_decks)], ["--help"], ["demo", "tokens"], ["show", "attn-scaling"]):
        out = runner.invoke(app, args, env=env, color=True)
        assert not ANSI.search(out.output), args
    # What the CLI set for its own process; the next test's fixtures set the rest afresh.
    os.environ.pop("NO_COLOR", None)
    os.environ.pop("_TYPER_FORCE_DISABLE_TERMINAL", None)


# -- did-you-mean on --topic everywhere ----------------------------------------------------------------


@pytest.mark.parametrize("command", [["study"], ["stats"], ["cards"], ["flags"], ["reset", "--yes"],
                                     ["export", "--format", "csv", "-o", "x.csv"]])
def test_every_topic_option_suggests_the_closest_topic(command: list[str]) -> None:
    result = run(*command, "--topic", "atention")
    assert result.exit_code == 1, result.output
    assert "no topic 'atention' — did you mean 'transformer-attention'?" in result.stderr


def test_reset_with_a_mistyped_topic_forgets_nothing(mini_decks: Path) -> None:
    run("study", "--topic", "zz-testing", "--limit", "1", "--decks", str(mini_decks),
        input="Paris, and the Seine runs through it\n\n\n")
    run("reset", "--topic", "zz-testng", "--yes", "--decks", str(mini_decks))
    with Store.open() as store:
        assert store.count() == 1


def test_stats_bars_keep_each_count_beside_its_day_at_40_columns(mini_decks: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from llmquiz.review import Rating, Review

    at = datetime.now(UTC) - timedelta(minutes=5)
    with Store.open() as store:
        for _ in range(123):
            store.record(Review(card_id="zz-capital", topic="zz-testing", reviewed_at=at, mode="free",
                                rating=Rating.GOOD, seconds=3, answer="Paris"))
    out = run("stats", "--days", "7", "--decks", str(mini_decks), COLUMNS="40").stdout
    assert max(len(line) for line in out.splitlines()) <= 40
    assert re.search(rf"^  {at.astimezone():%m-%d}  █+ 123$", out, flags=re.M), out
