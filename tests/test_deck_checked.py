"""Each deck says when its facts were last checked (`checked:`): required and validated in the shipped
decks, optional in a learner's own, carried on the Deck and shown by `llmquiz decks stats`."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmquiz import decks, paths
from llmquiz.cli import app

from .conftest import ROOT

runner = CliRunner()
AUDITED = date(2026, 12, 7)  # every shipped deck was audited that day (docs/reviews/)


def test_every_shipped_deck_records_when_it_was_checked() -> None:
    lib = decks.load()
    assert lib.problems == []
    assert {d.checked for d in lib.decks.values()} == {AUDITED}
    for path in sorted((ROOT / "decks").glob("*.yaml")):
        assert re.search(r"^checked: \d{4}-\d{2}-\d{2}$", path.read_text(encoding="utf-8"), flags=re.M), path.name


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for the shipped deck folder, for a copy of one shipped deck (agents: its see_also
    names only its own cards, so it loads alone without other problems)."""
    folder = tmp_path / "shipped"
    folder.mkdir()
    monkeypatch.setattr(paths, "shipped_decks_dir", lambda: folder)
    return folder


def _agents(checked_line: str | None) -> str:
    text = (ROOT / "decks" / "agents.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[3] == "checked: 2026-12-07"  # topic, title, description, checked
    return text.replace("checked: 2026-12-07\n", "" if checked_line is None else checked_line + "\n")


def test_a_shipped_deck_without_the_date_fails_at_its_first_line(shipped: Path) -> None:
    path = shipped / "agents.yaml"
    path.write_text(_agents(None), encoding="utf-8")
    problems = [str(p) for p in decks.load([shipped]).problems]
    assert problems == [f"{path}:1:1: deck: missing field 'checked': a shipped deck records the date its facts "
                        "were last checked, like `checked: 2026-12-07` (docs/reviewing-cards.md)"]
    result = runner.invoke(app, ["decks", "validate", str(path)])
    assert result.exit_code == 1 and "1:1: deck: missing field 'checked'" in result.output


@pytest.mark.parametrize(("line", "shown"), [
    ('checked: "2026-02-30"', "'2026-02-30'"),
    ("checked: last week", "'last week'"),
    ("checked: 2026-12-07 10:30:00", "a date and time"),
    ("checked: 20261207", "20261207"),
    ("checked: [2026-12-07]", "a list"),
])
def test_a_bad_date_is_a_problem_at_its_line(shipped: Path, line: str, shown: str) -> None:
    path = shipped / "agents.yaml"
    path.write_text(_agents(line), encoding="utf-8")
    problems = [str(p) for p in decks.load([shipped]).problems]
    assert problems == [f"{path}:4:10: checked must be the date the deck's facts were last checked, as "
                        f"YYYY-MM-DD (like 2026-12-07), not {shown}"]


def test_a_date_yaml_cannot_build_is_a_problem_at_its_line(shipped: Path) -> None:
    path = shipped / "agents.yaml"
    path.write_text(_agents("checked: 2026-13-45"), encoding="utf-8")
    [problem] = decks.load([shipped]).problems
    assert (problem.path, problem.line) == (str(path), 4)


def test_a_date_in_the_future_is_refused_whatever_the_cache_holds(shipped: Path) -> None:
    path = shipped / "agents.yaml"
    path.write_text(_agents("checked: 2026-12-08"), encoding="utf-8")
    assert decks.load([shipped], today=date(2026, 12, 8)).problems == []
    # The same bytes, now cached as valid, checked on an earlier day: the date is after it.
    [problem] = decks.load([shipped], today=date(2026, 12, 7)).problems
    assert str(problem) == (f"{path}:4:10: checked: 2026-12-08 is in the future (today is 2026-12-07); "
                            "give the date the deck's facts were last checked")


def test_a_users_deck_may_leave_the_date_out(mini_decks: Path) -> None:
    lib = decks.load([mini_decks])
    assert lib.problems == [] and all(d.checked is None for d in lib.decks.values())
    assert lib.decks["zz-testing"].to_dict()["checked"] is None


def test_a_topic_over_several_files_shows_its_oldest_date(tmp_path: Path) -> None:
    for name, checked in (("a.yaml", "2026-03-01"), ("b.yaml", "2025-11-30"), ("c.yaml", None)):
        head = f"checked: {checked}\n" if checked else ""
        (tmp_path / name).write_text(
            f"topic: zz-split\ntitle: Split\ndescription: One topic, three files.\n{head}cards:\n"
            f"  - id: zz-{name[0]}\n    question: Q {name}?\n    answer: A {name}.\n"
            "    key_points: [{point: A, aliases: [a]}]\n    difficulty: 1\n", encoding="utf-8")
    lib = decks.load([tmp_path])
    assert lib.problems == [] and lib.decks["zz-split"].checked == date(2025, 11, 30)


def test_decks_stats_shows_each_decks_date_as_text_and_json(mini_decks: Path) -> None:
    table = runner.invoke(app, ["decks", "stats"], env={"COLUMNS": "120"})
    assert table.exit_code == 0, table.output
    assert re.search(r"^rag\s.*│ 2026-12-07\s*$", table.stdout, flags=re.M), table.stdout
    data = json.loads(runner.invoke(app, ["decks", "stats", "--json"]).stdout)
    assert {t["topic"]: t["checked"] for t in data["topics"]}["rag"] == "2026-12-07"
    assert all(t["checked"] == "2026-12-07" for t in data["topics"])
    # A learner's deck without the date says "never" in the table and null in the JSON.
    mine = runner.invoke(app, ["decks", "stats", "--decks", str(mini_decks)], env={"COLUMNS": "120"})
    assert re.search(r"^zz-testing\s.*│ never\s*$", mine.stdout, flags=re.M), mine.stdout
    data = json.loads(runner.invoke(app, ["decks", "stats", "--json", "--decks", str(mini_decks)]).stdout)
    assert {t["topic"]: t["checked"] for t in data["topics"]}["zz-testing"] is None
