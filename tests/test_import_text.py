"""`llmquiz import` from hand-made CSV, TSV and Quizlet text files, and the `rubric: derived` deck field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from llmquiz import decks, export, importing, paths
from llmquiz.cli import app
from llmquiz.errors import SourceError

runner = CliRunner()


def _out(result) -> str:
    """The command's output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


CSV = '''Front,Back,Tags,Difficulty
What does BPE stand for?,Byte-pair encoding. It merges the most frequent pair of symbols again.,tokenization BPE,1
"Why use top-p sampling?","It samples from the smallest set of tokens whose probabilities add up to p,
so the candidate set grows and shrinks with the model's confidence.",,3
<b>HTML</b> front,<div>kept as text &amp; tidy</div>,,
No answer here,,,
Bad difficulty,Some answer,,7
'''


def test_a_hand_made_csv_becomes_valid_cards_with_derived_rubrics(tmp_path: Path) -> None:
    path = _write(tmp_path / "My Cards.csv", CSV)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    out = _out(result)
    assert "Imported 3 cards into topic my-cards (3 new, 0 updated)." in out
    assert f"{path}:6: the answer is empty" in out and f"{path}:7: difficulty must be 1, 2 or 3, not '7'" in out
    deck = decks.load_valid().topic("my-cards")
    by_q = {c.question: c for c in deck.cards}
    bpe = by_q["What does BPE stand for?"]
    assert bpe.difficulty == 1 and bpe.tags == ("tokenization", "bpe") and bpe.derived_rubric
    top_p = by_q["Why use top-p sampling?"]
    assert top_p.difficulty == 3 and top_p.answer.endswith("grows and shrinks with the model's confidence.")
    assert by_q["HTML front"].answer == "kept as text & tidy"
    assert bpe.id.startswith("what-does-bpe-stand-for-")
    # The same file again finds the same ids; an edited row updates its card.
    assert sorted(importing.import_file(path).unchanged) == sorted(c.id for c in deck.cards)
    _write(path, CSV.replace("symbols again.", "symbols until the vocabulary is full."))
    assert importing.import_file(path).updated == [bpe.id]


def test_llmquiz_own_csv_export_keeps_ids_and_written_key_points(tmp_path: Path, mini_decks: Path) -> None:
    cards = list(decks.load([mini_decks]).cards.values())
    path = tmp_path / "mini.csv"
    export.export(cards, "csv", path, "mini")
    result = importing.import_file(path)
    assert sorted(result.added) == ["zz-boiling", "zz-capital"] and not result.derived
    capital = decks.load_valid().cards["zz-capital"]
    assert [k.point for k in capital.key_points] == ["The capital is Paris", "The river is the Seine"]
    assert capital.topic == "zz-testing" and not capital.derived_rubric


def test_a_tsv_and_a_separator_option(tmp_path: Path) -> None:
    tsv = _write(tmp_path / "cards.tsv", "question\tanswer\nWhat is a KV cache?\tStored keys and values.\n")
    assert len(importing.import_file(tsv, topic="inference extra").added) == 1
    semi = _write(tmp_path / "cards.txt", "term;definition\nLoRA;Low-rank adapters added to frozen weights.\n")
    result = importing.import_file(semi, fmt="csv", separator=";", topic="peft-extra")
    assert len(result.added) == 1
    assert {c.question for c in decks.load_valid().topic("peft-extra").cards} == {"LoRA"}


QUIZLET = ("Perplexity\texp of the average negative log-likelihood per token\n\nnot a card line\n"
           "RoPE\trotates query and key vectors by position-dependent angles\n")


def test_a_quizlet_export_with_tabs_and_with_custom_separators(tmp_path: Path) -> None:
    path = _write(tmp_path / "quizlet.txt", QUIZLET)
    result = runner.invoke(app, ["import", str(path), "--topic", "metrics"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 cards into topic metrics" in _out(result)
    assert f"{path}:3: no TAB between term and definition" in _out(result)
    deck = decks.load_valid().topic("metrics")
    answers = {c.question: c.answer for c in deck.cards}
    assert answers["RoPE"] == "rotates query and key vectors by position-dependent angles"
    custom = _write(tmp_path / "custom.txt", "GQA - heads share K/V\nacross groups;;MQA - one K/V head;;")
    result = importing.import_file(custom, separator=" - ", row_separator=";;", topic="attn-extra")
    answers = {c.question: c.answer for c in decks.load_valid().topic("attn-extra").cards}
    assert answers == {"GQA": "heads share K/V\nacross groups", "MQA": "one K/V head"}


def test_reimporting_keeps_answers_the_learner_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.txt", "Term\tA definition that is long enough to grade.\n")
    [cid] = importing.import_file(path, topic="mine").added
    deck_file = paths.user_decks_dir() / "mine.yaml"
    data = yaml.safe_load(deck_file.read_text(encoding="utf-8"))
    data["cards"][0]["accept"] = ["my own accepted answer"]
    deck_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    _write(path, "Term\tA definition that is long enough to grade, now revised.\n")
    result = importing.import_file(path, topic="mine")
    assert result.updated == [cid]
    card = decks.load_valid().cards[cid]
    assert card.accept == ("my own accepted answer",) and card.answer.endswith("now revised.")


@pytest.mark.parametrize(("name", "content", "args", "message"), [
    ("no-header.csv", "just,two\ncolumns,here\n", [], "the header needs a question and an answer column"),
    ("latin1.csv", "question,answer\ncaf\xe9,x\n".encode("latin-1"), [], "latin1.csv:2: not UTF-8 text (byte 0xe9)"),
    ("nul.csv", "question,answer\n\"a\x00b,c\n", [], "not a well-formed CSV row"),
    ("empty.csv", "", [], "is empty; a CSV import needs a header row"),
    ("only-bad.txt", "no separator anywhere\n", [], "no cards to import in"),
    ("x.csv", "question,answer\na,b\n", ["--format", "pdf"], "--format must be one of auto, apkg, csv"),
    ("y.csv", "question,answer\na,b\n", ["--separator", "::"], "separator must be one character"),
    ("z.csv", "question,answer\na,b\n", ["--topic", "!!!"], "--topic '!!!' has no letters or digits"),
])
def test_malformed_text_gets_one_sentence(tmp_path: Path, name: str, content, args: list, message: str) -> None:
    path = _write(tmp_path / name, content)
    result = runner.invoke(app, ["import", str(path), *args])
    assert result.exit_code in (1, 2) and message in _out(result), result.output
    assert result.output.startswith("Error: ") and "Traceback" not in result.output
    assert not paths.user_decks_dir().exists()


def test_a_missing_file_and_an_unreadable_user_deck(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1 and "no file" in _out(result)
    paths.user_decks_dir().mkdir(parents=True)
    (paths.user_decks_dir() / "broken.yaml").write_text("cards: [unclosed\n", encoding="utf-8")
    path = _write(tmp_path / "q.txt", "Term\tDefinition text here.\n")
    with pytest.raises(SourceError, match=r"your deck file .*broken\.yaml cannot be read"):
        importing.import_file(path)


def _mine() -> Path:
    paths.user_decks_dir().mkdir(parents=True)
    mine = paths.user_decks_dir() / "mine.yaml"
    mine.write_text("topic: mine\ntitle: Mine\ndescription: d\ncards:\n  - id: old\n    question: q?\n"
                    "    answer: a.\n    rubric: derived\n    difficulty: 2\n", encoding="utf-8")
    return mine


def test_an_import_that_would_break_a_deck_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    mine = _mine()
    before = mine.read_text(encoding="utf-8")
    path = _write(tmp_path / "x.csv", "question,answer\nNew q?,New a.\n")
    real_entry = importing._card_entry
    monkeypatch.setattr(importing, "_card_entry", lambda *a: {**real_entry(*a), "difficulty": 9})
    with pytest.raises(SourceError, match="would not make a valid deck; nothing was changed"):
        importing.import_file(path, topic="mine")
    assert mine.read_text(encoding="utf-8") == before
    # Should the file check miss it, the library loaded afterwards catches it and the old file comes back.
    monkeypatch.setattr(decks, "check_content", lambda path, raw: [])
    with pytest.raises(SourceError, match="would not load with your other decks; nothing was changed") as e:
        importing.import_file(path, topic="mine")
    assert "difficulty must be 1, 2 or 3" in " ".join(e.value.details)
    assert mine.read_text(encoding="utf-8") == before
    assert [p.name for p in paths.user_decks_dir().iterdir()] == ["mine.yaml"]


def test_key_points_the_learner_wrote_survive_a_reimport(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.txt", "Term\tA definition that is long enough to grade.\n")
    [cid] = importing.import_file(path, topic="mine").added
    deck_file = paths.user_decks_dir() / "mine.yaml"
    data = yaml.safe_load(deck_file.read_text(encoding="utf-8"))
    del data["cards"][0]["rubric"]
    data["cards"][0]["key_points"] = [{"point": "It is long enough", "aliases": ["long enough"]}]
    deck_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert importing.import_file(path, topic="mine").unchanged == [cid]
    card = decks.load_valid().cards[cid]
    assert [k.point for k in card.key_points] == ["It is long enough"] and not card.derived_rubric


# ---------------------------------------------------------------------------------------------
# The deck field


def _deck(tmp_path: Path, card: str) -> Path:
    path = tmp_path / "d.yaml"
    path.write_text("topic: t\ntitle: T\ndescription: d\ncards:\n  - id: c1\n    question: Q?\n    answer: A.\n"
                    f"    difficulty: 2\n{card}", encoding="utf-8")
    return path


@pytest.mark.parametrize(("card", "message"), [
    ("    rubric: written\n", "rubric must be 'derived'"),
    ("    rubric: derived\n    key_points: [A]\n", "rubric: derived takes the key points from the answer"),
    ("", "missing field 'key_points'"),
])
def test_the_rubric_field_is_checked(tmp_path: Path, card: str, message: str) -> None:
    problems = [str(p) for p in decks.load([_deck(tmp_path, card)]).problems]
    assert any(message in p for p in problems), problems


def test_a_derived_rubric_card_validates_and_shows_in_decks_stats(tmp_path: Path) -> None:
    path = _deck(tmp_path, "    rubric: derived\n")
    assert not decks.load([path]).problems
    data = json.loads(runner.invoke(app, ["decks", "stats", "--json", "--decks", str(path)]).output)
    assert data["derived_rubric"] == [{"card": "c1", "source": f"{path}:5"}]
