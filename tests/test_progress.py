"""Stats against a hand-built review log; undo, history, reset, export, backup/restore, config."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmquiz import backup, config, decks, export, stats
from llmquiz.cli import app
from llmquiz.errors import ConfigError, UsageError
from llmquiz.review import Rating, Review
from llmquiz.store import Store

runner = CliRunner()
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def review(card_id: str, days_ago: int, rating: Rating, missed: tuple[str, ...] = (), answer: str = "a") -> Review:
    at = NOW - timedelta(days=days_ago, hours=1)
    verdict = "correct" if rating >= Rating.GOOD else "wrong"
    return Review(card_id=card_id, topic="zz-testing", reviewed_at=at, mode="free", rating=rating, seconds=5,
                  answer=answer, score=5 if verdict == "correct" else 0, verdict=verdict, missed=missed,
                  state_after={"due": (at + timedelta(days=2)).isoformat(), "stability": 3.0,
                               "difficulty": 5.0, "last_review": at.isoformat(), "state": 2, "step": None,
                               "card_id": 1})


@pytest.fixture
def log(mini_decks: Path) -> list:
    """A review log whose figures are worked out by hand in the test below."""
    rows = [
        review("zz-capital", 0, Rating.GOOD),
        review("zz-capital", 1, Rating.AGAIN, missed=("The river is the Seine",)),
        review("zz-capital", 2, Rating.AGAIN, missed=("The river is the Seine",)),
        review("zz-capital", 5, Rating.AGAIN, missed=("The river is the Seine",)),
        review("zz-capital", 20, Rating.AGAIN, missed=("The river is the Seine", "The capital is Paris")),
        review("zz-boiling", 10, Rating.HARD),
    ]
    with Store.open() as store:
        for r in rows:
            store.record(r, due=datetime.fromisoformat(r.state_after["due"]))
    return rows


def test_stats_match_the_hand_built_log(log: list, mini_decks: Path) -> None:
    cards = list(decks.load([mini_decks]).cards.values())
    with Store.open() as store:
        s = stats.compute(store, cards, now=NOW).to_dict()
    assert s["reviews"] == 6
    [topic] = s["topics"]
    # Last 7 days: GOOD, AGAIN, AGAIN, AGAIN -> 1 of 4 recalled; last 30 days adds AGAIN and HARD -> 2 of 6.
    assert (topic["accuracy_7d"], topic["accuracy_30d"], topic["reviews_30d"]) == (0.25, 0.333, 6)
    assert topic["seen"] == 2 and topic["cards"] == 2
    assert s["streak"] == 3  # today, yesterday, the day before
    assert s["most_missed"][0] == {"card": "zz-capital", "point": "The river is the Seine", "times": 4}
    [leech] = s["leeches"]
    assert leech["card"] == "zz-capital" and leech["lapses"] == 4 and len(leech["last_answers"]) == 3
    per_day = {d["day"]: d["reviews"] for d in s["per_day"]}
    assert sum(per_day.values()) == 6 and len(per_day) == 30
    assert sum(d["due"] for d in s["forecast"]) == 2


def test_undo_through_the_cli_restores_the_schedule(mini_decks: Path) -> None:
    runner.invoke(app, ["study", "--topic", "zz-testing", "--limit", "1", "--decks", str(mini_decks)],
                  input="Paris on the Seine\n\n\n")
    with Store.open() as store:
        assert store.count() == 1
    result = runner.invoke(app, ["undo"])
    assert result.exit_code == 0 and "Undid your good review of zz-capital" in result.output
    with Store.open() as store:
        assert store.count() == 0 and store.state("zz-capital") is None
    assert "Nothing to undo" in runner.invoke(app, ["undo"]).output


def test_history_lists_past_answers(log: list, mini_decks: Path) -> None:
    result = runner.invoke(app, ["history", "zz-capital", "--json", "--decks", str(mini_decks)])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert len(data["reviews"]) == 5 and data["reviews"][0]["rating"] == "again"


def test_reset_asks_unless_yes(log: list, mini_decks: Path) -> None:
    refused = runner.invoke(app, ["reset"])
    assert refused.exit_code == 2 and "add --yes" in refused.output
    done = runner.invoke(app, ["reset", "--topic", "zz-testing", "--yes", "--decks", str(mini_decks)])
    assert done.exit_code == 0 and "6 reviews removed" in done.output


def test_stats_json_has_reviews_and_topics(log: list, mini_decks: Path) -> None:
    result = runner.invoke(app, ["stats", "--json", "--topic", "zz-testing", "--decks", str(mini_decks)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["reviews"] == 6 and data["topics"][0]["topic"] == "zz-testing"
    table = runner.invoke(app, ["stats", "--decks", str(mini_decks)])
    assert table.exit_code == 0 and "Leeches" in table.output and "Streak:" in table.output


def test_anki_export_opens_as_a_collection_with_every_note(tmp_path: Path, mini_decks: Path) -> None:
    cards = list(decks.load([mini_decks]).cards.values())
    path = tmp_path / "out.apkg"
    assert export.export(cards, "anki", path, "Test") == 2
    with zipfile.ZipFile(path) as z:
        z.extract("collection.anki2", tmp_path)
    db = sqlite3.connect(tmp_path / "collection.anki2")
    notes = db.execute("SELECT flds FROM notes").fetchall()
    assert len(notes) == 2
    assert any("Seine flows" in f and "<li>The river is the Seine</li>" in f for (f,) in notes)


def test_csv_and_markdown_exports(tmp_path: Path, mini_decks: Path) -> None:
    cards = list(decks.load([mini_decks]).cards.values())
    rows = list(csv.DictReader(io.StringIO(export.to_csv(cards))))
    assert [r["id"] for r in rows] == ["zz-capital", "zz-boiling"]
    assert rows[0]["key_points"] == "The capital is Paris; The river is the Seine"
    md = export.to_markdown(cards, "Test")
    assert md.startswith("# Test") and "## What is the capital of France" in md
    with pytest.raises(UsageError, match="--format must be one of anki, csv, markdown"):
        export.export(cards, "pdf", tmp_path / "x", "t")


def test_restore_is_idempotent(log: list, tmp_path: Path) -> None:
    path = tmp_path / "backup.json"
    with Store.open() as store:
        assert backup.backup(store, path) == {"reviews": 6, "cards": 2}
        store.reset()
        assert backup.restore(store, path) == {"added": 6, "skipped": 0, "total": 6}
        assert backup.restore(store, path) == {"added": 0, "skipped": 6, "total": 6}
        assert store.count() == 6 and len(store.states()) == 2
        again = stats.compute(store, [], now=NOW)
        assert again.reviews == 0  # no cards chosen, nothing counted
        assert store.db.execute("SELECT SUM(n) FROM misses").fetchone()[0] == 5


def test_restore_rejects_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with Store.open() as store, pytest.raises(UsageError, match="is not a llmquiz backup"):
        backup.restore(store, path)


def test_config_set_show_and_validation() -> None:
    assert config.load().new_per_day == 20
    config.set_value("new_per_day", "7")
    config.set_value("color", "false")
    cfg = config.load()
    assert (cfg.new_per_day, cfg.color) == (7, False)
    with pytest.raises(ConfigError, match=r"must be between 0\.7 and 0\.99"):
        config.set_value("desired_retention", "1.5")
    with pytest.raises(ConfigError, match="unknown config key 'colour'"):
        config.set_value("colour", "x")
    result = runner.invoke(app, ["config", "show", "--json"])
    assert json.loads(result.output)["new_per_day"] == 7


@pytest.mark.parametrize("text", ["new_per_day = [oops\n", "new_per_day = inf\n", "new_per_day = 2.5\n",
                                  "session_limit = nan\n"])
def test_a_broken_config_file_is_one_clear_error(text: str) -> None:
    path = config.config_path()
    path.parent.mkdir(parents=True)
    path.write_text(text)
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 1 and "config.toml" in result.output and "Traceback" not in result.output


def test_overruling_the_grader_can_save_the_answer_to_the_users_deck(mini_decks: Path) -> None:
    result = runner.invoke(app, ["study", "--topic", "zz-testing", "--limit", "1", "--decks", str(mini_decks)],
                           input="the city of light beside its famous river\n\n3\ny\n")
    assert result.exit_code == 0, result.output
    assert "Saved to" in result.output
    lib = decks.load_valid(extra=[mini_decks])
    assert "the city of light beside its famous river" in lib.card("zz-capital").accept


@pytest.mark.parametrize("topic", ["", "   "])
def test_reset_with_an_empty_topic_wipes_nothing(log: list, mini_decks: Path, topic: str) -> None:
    # Regression: `reset --topic "" --yes` used to read as "no topic" and removed every review.
    result = runner.invoke(app, ["reset", "--topic", topic, "--yes", "--decks", str(mini_decks)])
    assert result.exit_code == 2 and "--topic needs a topic name" in result.output
    assert "nothing was reset" in " ".join(result.output.split())
    with Store.open() as store:
        assert store.count() == 6


def test_reset_of_an_unknown_topic_wipes_nothing(log: list, mini_decks: Path) -> None:
    result = runner.invoke(app, ["reset", "--topic", "no-such-topic", "--yes", "--decks", str(mini_decks)])
    assert result.exit_code == 1 and "no topic 'no-such-topic'" in result.output
    with Store.open() as store:
        assert store.count() == 6
