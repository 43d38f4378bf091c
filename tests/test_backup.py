"""Backups that cannot poison the store: every field checked before anything is written, and streamed.

A restore either merges a file whole or refuses it with `file:line` and writes nothing; whatever it
merged, `stats` and `study` can read for ever after. The fuzz test below mutates real backups at
random (bounded: a few seconds) and checks exactly that.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from llmquiz import backup, scheduling, stats
from llmquiz.cli import app
from llmquiz.errors import UsageError
from llmquiz.review import Rating
from llmquiz.store import Store

from .test_store import T0, make_review

runner = CliRunner()


def _reviews(n: int) -> list:
    out, state = [], None
    for i in range(n):
        r = make_review(f"card-{i % 3}", T0 + timedelta(hours=i), Rating(1 + i % 4), before=None)
        out.append(r)
        state = r.state_after
    assert state is not None
    return out


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A backup of six reviews of three cards, written by `llmquiz backup`."""
    with Store.open() as store:
        for r in _reviews(6):
            store.record(r)
        path = tmp_path / "backup.json"
        backup.backup(store, path)
        store.reset()
    return path


def _entry(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_a_backup_round_trips_exactly(saved: Path) -> None:
    with Store.open() as store:
        assert backup.restore(store, saved) == {"added": 6, "skipped": 0, "total": 6}
        again = [r.row() for r in store.reviews()]
    assert again == [r.row() for r in sorted(_reviews(6), key=lambda r: r.reviewed_at)]


def test_a_backup_is_one_review_per_line_and_private(saved: Path) -> None:
    lines = saved.read_text().splitlines()
    assert sum(line.startswith('{"card_id"') for line in lines) == 6
    assert saved.stat().st_mode & 0o077 == 0  # it holds the learner's answers


def test_a_backup_from_the_previous_version_restores(tmp_path: Path) -> None:
    # Version 1 as 0.1.0 wrote it: the whole file on one line, ratings as numbers.
    reviews = _reviews(2)
    data = {"format": "llmquiz-backup", "version": 1, "created": T0.isoformat(),
            "reviews": [{**{k: v for k, v in r.to_dict().items() if k != "id"}, "rating": int(r.rating),
                         "state_before": r.state_before, "state_after": r.state_after} for r in reviews],
            "states": {"card-0": {"state": reviews[0].state_after, "due": reviews[0].state_after["due"]}}}
    with Store.open() as store:
        assert backup.restore(store, _write(tmp_path / "old.json", data))["added"] == 2
        assert store.state("card-0") == reviews[0].state_after


BAD_REVIEWS = [
    ("rating", True, "rating must be a whole number"),
    ("rating", 7, "rating must be a whole number from 1 to 4"),
    ("reviewed_at", "2026-03-10T12:00:00", "must say its time zone"),
    ("reviewed_at", "1900-01-01T00:00:00+00:00", "between the years 2000 and 2300"),
    ("reviewed_at", 12, "must be an ISO 8601 time"),
    ("seconds", float("nan"), "seconds must be a number"),
    ("seconds", -1, "seconds must be a number from 0"),
    ("card_id", "a b", "card_id must be an id"),
    ("card_id", "rag\n", "card_id must be an id"),
    ("topic", "[link=https://x]t[/link]", "topic must be an id"),
    ("mode", "exam", "mode must be one of free, flash, predict"),
    ("score", 9, "score must be a whole number from 0 to 5"),
    ("verdict", "great", "verdict must be one of"),
    ("answer", "x" * 20_001, "answer is longer than 20,000 characters"),
    ("answer", "a\x00b", "NUL"),
    ("found", "a point", "found must be a list"),
    ("missed", [1], "missed\\[0\\] must be a string"),
    ("state_after", {"due": "2026-01-01T00:00:00+00:00"}, "state_after must be an FSRS card"),
    ("extra", 1, "unknown field 'extra'"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_REVIEWS, ids=[f"{f}-{i}" for i, (f, _, _) in
                                                                         enumerate(BAD_REVIEWS)])
def test_a_bad_review_refuses_the_whole_file_with_its_line(saved: Path, field: str, value: Any,
                                                           message: str) -> None:
    data = _entry(saved)
    data["reviews"][4][field] = value
    lines = saved.read_text().splitlines()
    lines[6] = json.dumps(data["reviews"][4]) + ","  # the fifth review's own line
    saved.write_text("\n".join(lines))
    with Store.open() as store:
        with pytest.raises(UsageError, match=rf"backup.json:7: review 5: .*{message}.*nothing was restored"):
            backup.restore(store, saved)
        assert store.count() == 0 and store.states() == {}  # the four good ones before it are not in


BAD_STATES = [
    ({"stability": 0.0}, "stability must be a number from 0.001"),
    ({"difficulty": 11.0}, "difficulty must be a number from 1 to 10"),
    ({"state": 5}, "state must be a whole number from 1 to 3"),
    ({"step": None, "state": 1}, "step must be a whole number"),
    ({"step": 0, "state": 2}, "step must be null"),
    ({"due": "soon"}, "due must be an ISO 8601 time"),
    ({"card_id": "1"}, "card_id must be a whole number"),
    ({"last_review": "2026-01-01"}, "must say its time zone"),
]


@pytest.mark.parametrize(("change", "message"), BAD_STATES)
def test_a_schedule_the_scheduler_could_not_use_is_refused(saved: Path, tmp_path: Path, change: dict,
                                                           message: str) -> None:
    data = _entry(saved)
    entry = next(iter(data["states"].values()))
    entry["state"] = {**entry["state"], **change}
    with Store.open() as store:
        with pytest.raises(UsageError, match=message):
            backup.restore(store, _write(tmp_path / "b.json", data))
        assert store.count() == 0


@pytest.mark.parametrize(("text", "message"), [
    ('{"format": "llmquiz-backup", "version": 1, "reviews": [], "states": {}} trailing', "more text after"),
    ('{"format": "llmquiz-backup", "format": "x", "version": 1, "reviews": [], "states": {}}', "appears twice"),
    ('{"format": "llmquiz-backup", "version": 2, "reviews": [], "states": {}}', "newer llmquiz"),
    ('{"format": "llmquiz-backup", "version": true, "reviews": [], "states": {}}', "version"),
    ('{"format": "llmquiz-backup", "version": 1, "states": {}}', 'no "reviews"'),
    ('{"format": "llmquiz-backup", "version": 1, "reviews": {}, "states": {}}', "expected '\\['"),
    ('{"format": "llmquiz-backup", "version": 1, "reviews": [', "expected .*the end of the file|invalid JSON"),
    ("[1, 2]", "not a llmquiz backup"),
    ('{"hello": 1}', "not a llmquiz backup"),
    ("", "not a llmquiz backup"),
])
def test_a_malformed_file_is_one_sentence(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    result = runner.invoke(app, ["restore", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) <= 3
    with Store.open() as store, pytest.raises(UsageError, match=message):
        backup.restore(store, path)


def test_nesting_a_hundred_thousand_deep_is_refused_not_a_crash(tmp_path: Path) -> None:
    for where in ("reviews", "states", "created"):
        deep = "[" * 100_000 + "]" * 100_000
        value = {"reviews": f"[{deep}]", "states": f'{{"c": {deep}}}', "created": deep}
        fields = {"reviews": "[]", "states": "{}", "created": '"x"', **{where: value[where]}}
        path = tmp_path / f"{where}.json"
        path.write_text('{"format": "llmquiz-backup", "version": 1, ' +
                        ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}")
        result = runner.invoke(app, ["restore", str(path)])
        assert result.exit_code == 2 and "nested too deeply" in result.output, (where, result.output)


def test_text_that_is_not_utf8_is_refused(tmp_path: Path, saved: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(saved.read_bytes().replace(b"an answer", "café".encode("latin-1")))
    with Store.open() as store, pytest.raises(UsageError, match="not UTF-8"):
        backup.restore(store, path)


def test_a_folder_or_a_missing_file_is_refused(tmp_path: Path) -> None:
    with Store.open() as store:
        with pytest.raises(UsageError, match=r"not a regular file|Is a directory"):
            backup.restore(store, tmp_path)
        with pytest.raises(UsageError, match="cannot read"):
            backup.restore(store, tmp_path / "nope.json")


def test_duplicates_inside_one_file_count_once(tmp_path: Path, saved: Path) -> None:
    data = _entry(saved)
    data["reviews"] += data["reviews"][:2]
    with Store.open() as store:
        assert backup.restore(store, _write(tmp_path / "d.json", data)) == {"added": 6, "skipped": 2, "total": 6}
        assert store.db.execute("SELECT SUM(n) FROM misses").fetchone()[0] == 6


def test_an_older_schedule_never_replaces_a_newer_one(tmp_path: Path, saved: Path) -> None:
    with Store.open() as store:
        backup.restore(store, saved)
        newer = make_review("card-0", T0 + timedelta(days=30))
        store.record(newer)
        backup.restore(store, saved)
        assert store.state("card-0") == newer.state_after


# -- fuzz: whatever a restore accepts, the rest of the program can use ------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                max_size=4), max_leaves=12)
PATHS = st.sampled_from([
    ("reviews", 0, "rating"), ("reviews", 0, "reviewed_at"), ("reviews", 0, "seconds"), ("reviews", 0, "card_id"),
    ("reviews", 1, "state_after"), ("reviews", 1, "state_before"), ("reviews", 2, "found"), ("reviews", 2, "score"),
    ("reviews", 3, "mode"), ("reviews", 3, "answer"), ("reviews", 4), ("states",), ("version",), ("reviews",)])
FSRS_FIELDS = st.sampled_from(["card_id", "state", "step", "stability", "difficulty", "due", "last_review"])
# Edge values first (hypothesis draws from a sampled_from evenly), then anything of those types.
SCALARS = st.sampled_from([
    0, 0.0, 0.0005, 0.001, 1, 1.0, 2, 3, 4, 9.99, 10, 10.5, -1, 100, 101, 36500.0, 1e300, float("inf"),
    float("nan"), None, True, False, "1", "", "2026-01-01T00:00:00+00:00", "2299-12-31T23:59:59-05:00",
    "2026-01-01", "1999-12-31T23:59:59+00:00", "2026-01-01T00:00:00+25:00", "x" * 50,
]) | st.none() | st.booleans() | st.integers(-5, 2**64) | st.floats(allow_nan=True)


def _restore_and_use(store: Store, path: Path) -> None:
    store.reset()  # each example starts empty: a review or schedule already present would be skipped
    before = store.count()
    try:
        backup.restore(store, path)
    except UsageError:
        assert store.count() == before  # refused whole
        return
    # Accepted: every schedule must work in the scheduler and in stats, as study and stats use them.
    now = datetime(2026, 12, 7, tzinfo=UTC)
    for state, due in store.states().values():
        datetime.fromisoformat(due)
        scheduling.review(state, Rating.GOOD, now)
        assert math.isfinite(scheduling.retrievability(state, now))
    for r in store.reviews():
        for state in (r.state_before, r.state_after):
            scheduling.review(state, Rating.AGAIN, now)
            assert math.isfinite(scheduling.retrievability(state, now))
    stats.compute(store, [], now=now)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=PATHS, value=JSON)
def test_fuzz_a_field_replaced_by_any_json(tmp_path: Path, saved: Path, where: tuple, value: Any) -> None:
    data = _entry(saved)
    target = data
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    with Store.open(tmp_path / "fuzz.sqlite3") as store:
        _restore_and_use(store, _write(tmp_path / "fuzz.json", data))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=FSRS_FIELDS, value=SCALARS, which=st.integers(-1, 5))
def test_fuzz_a_schedule_field(tmp_path: Path, saved: Path, field: str, value: Any, which: int) -> None:
    data = _entry(saved)
    state = next(iter(data["states"].values()))["state"] if which < 0 else data["reviews"][which]["state_after"]
    state[field] = value
    with Store.open(tmp_path / "fuzz.sqlite3") as store:
        _restore_and_use(store, _write(tmp_path / "fuzz.json", data))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 10_000), junk=st.binary(max_size=20))
def test_fuzz_a_cut_or_spliced_file(tmp_path: Path, saved: Path, cut: int, junk: bytes) -> None:
    raw = saved.read_bytes()
    cut %= len(raw) + 1
    path = tmp_path / "fuzz.json"
    path.write_bytes(raw[:cut] + junk + raw[cut + len(junk):])
    with Store.open(tmp_path / "fuzz.sqlite3") as store:
        _restore_and_use(store, path)
