"""Deck loading and validation: the shipped decks, every malformed-deck message, overrides, safety."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from llmquiz import decks
from llmquiz.errors import DeckError, TopicError

from .conftest import FIXTURES, ROOT

BAD = FIXTURES / "bad_decks"

# file -> the exact `line:col: message` lines validation must print for it
EXPECTED = {
    "syntax.yaml": ["8:1: YAML syntax: found unexpected end of stream (while scanning a quoted scalar "
                    "that starts at line 6)"],
    "unknown_field.yaml": ["5:5: card 'uf-one': missing field 'answer'",
                           "7:5: card 'uf-one': unknown field 'anwser' (did you mean 'answer'?)"],
    "missing_field.yaml": ["5:5: card 'mf-one': missing field 'difficulty'"],
    "wrong_type.yaml": ["8:17: card 'wt-one': key_points must be a list, not text",
                        "9:17: card 'wt-one': difficulty must be 1, 2 or 3, not 'hard'",
                        "10:11: card 'wt-one': tags must be a list, not text"],
    "duplicate_ids.yaml": ["5:9: duplicate card id 'dup-one' (also at {path}:10)",
                           "10:9: duplicate card id 'dup-one' (also at {path}:5)"],
    "unknown_refs.yaml": ["10:16: card 'ref-one': see_also names unknown card 'ref-nowhere' (did you mean 'ref-one'?)",
                          "11:11: card 'ref-one': unknown demo 'attentoin' (did you mean 'attention'?)"],
    "empty_key_points.yaml": ["8:17: card 'ek-one': key_points is empty; list the concepts a complete answer "
                              "contains"],
    "python_tag.yaml": ["6:15: YAML syntax: YAML tags that build objects (like !!python/...) are not allowed "
                        "in decks"],
}


def test_shipped_decks_are_valid() -> None:
    lib = decks.load()
    assert [str(p) for p in lib.problems] == []
    assert len(lib.decks) >= 16
    assert all(d.cards for d in lib.decks.values()), "no topic may be empty"


def test_shipped_card_ids_are_unique_across_files() -> None:
    import yaml

    seen: dict[str, str] = {}
    for path in sorted((ROOT / "decks").glob("*.yaml")):
        for card in yaml.safe_load(path.read_text(encoding="utf-8"))["cards"]:
            assert card["id"] not in seen, f"{card['id']} in {path.name} and {seen.get(card['id'])}"
            seen[card["id"]] = path.name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_malformed_deck_gives_its_file_line_message(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    path = BAD.relative_to(ROOT) / name
    lib = decks.load([path])
    got = [str(p) for p in decks.sorted_problems(lib.problems)]
    assert got == [f"{path}:{line.format(path=path)}" for line in EXPECTED[name]]


def test_all_problems_of_several_files_come_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    lib = decks.load([BAD.relative_to(ROOT)])
    assert len(lib.problems) == sum(len(v) for v in EXPECTED.values())


def test_python_tags_never_run(tmp_path: Path) -> None:
    marker = Path("/tmp/llmquiz-pwned")
    marker.unlink(missing_ok=True)
    decks.load([BAD / "python_tag.yaml"])
    assert not marker.exists()


def test_non_utf8_bytes_are_reported_with_their_place(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"topic: x\ntitle: caf\xe9\n")
    [problem] = decks.load([path]).problems
    assert (problem.line, problem.col) == (2, 11)
    assert "not UTF-8" in problem.message


def test_load_valid_raises_one_error_with_every_problem() -> None:
    with pytest.raises(DeckError) as info:
        decks.load_valid([BAD / "wrong_type.yaml"])
    assert len(info.value.details) == 3
    assert info.value.message.startswith("3 problems in the decks")


def test_user_card_with_same_id_overrides_the_shipped_one(tmp_path: Path, mini_decks: Path) -> None:
    user = tmp_path / "mine"
    user.mkdir()
    text = (mini_decks / "testing.yaml").read_text().replace(
        "What is the capital of France", "Which city is the capital of France")
    (user / "override.yaml").write_text(text)
    lib = decks.load([mini_decks, user])
    assert lib.problems == []
    card = lib.card("zz-capital")
    assert card.question.startswith("Which city")
    assert len(lib.topic("zz-testing").cards) == 2


def test_user_decks_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, mini_decks: Path) -> None:
    monkeypatch.setenv("LLMQUIZ_DECKS", str(mini_decks))
    lib = decks.load_valid()
    assert "zz-testing" in lib.decks
    assert "transformer-attention" in lib.decks


@pytest.mark.parametrize(("query", "expected"), [
    ("transformer-attention", "transformer-attention"),
    ("transformer", "transformer-attention"),
    ("RAG", "rag"),
    ("attention", "transformer-attention"),
    ("fine", "fine-tuning-peft"),
    ("peft", "fine-tuning-peft"),
])
def test_topic_by_slug_or_unique_prefix(query: str, expected: str) -> None:
    assert decks.resolve_topic(query, list(decks.load().decks)) == expected


def test_topic_typo_suggests_the_closest() -> None:
    with pytest.raises(TopicError, match="no topic 'atention' — did you mean 'attention'\\?"):
        decks.resolve_topic("atention", ["attention", "agents"])


def test_ambiguous_prefix_names_the_candidates() -> None:
    with pytest.raises(TopicError, match="ambiguous: it starts agents, alignment-safety"):
        decks.resolve_topic("a", ["agents", "alignment-safety", "rag"])


def test_cache_is_reused_and_invalidated_by_content(tmp_path: Path, mini_decks: Path) -> None:
    folder = tmp_path / "d"
    shutil.copytree(mini_decks, folder)
    first = decks.load([folder])
    cached = decks.load([folder])
    assert cached.cards.keys() == first.cards.keys()
    path = folder / "testing.yaml"
    path.write_text(path.read_text().replace("difficulty: 1", "difficulty: 7", 1))
    changed = decks.load([folder])
    assert any("difficulty must be 1, 2 or 3" in p.message for p in changed.problems)


def test_cards_keep_their_source_line(mini_decks: Path) -> None:
    card = decks.load([mini_decks]).card("zz-boiling")
    assert card.source.endswith("testing.yaml:25")
    assert card.key_points[0].aliases[0] == "100 degrees"
