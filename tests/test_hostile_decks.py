"""Decks from strangers: alias bombs, deep nesting, values YAML cannot build, inexact types, duplicate keys.

Each hostile file must end in problems at `file:line:col`, quickly and in little memory, and a file that
passes must be one every command can use.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmquiz import decks
from llmquiz.cli import app

from .conftest import FIXTURES, env_for_subprocess

HOSTILE = FIXTURES / "hostile"
runner = CliRunner()

CARD = """topic: zz-hostile
title: Hostile
description: A deck with one card.
cards:
  - id: zz-one
    question: What is a KV cache?
    answer: It stores the keys and values of past tokens.
    key_points: [keys and values]
    difficulty: 1
"""


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "deck.yaml"
    path.write_text(text, encoding="utf-8")
    return [f"{p.line}:{p.col}: {p.message}" for p in decks.sorted_problems(decks.load([path]).problems)]


@pytest.mark.parametrize("name", ["alias_bomb_343.yaml", "alias_bomb_388.yaml"])
def test_an_alias_bomb_fails_fast_with_one_problem(name: str) -> None:
    path = HOSTILE / name
    assert path.stat().st_size == int(name[-8:-5])
    # CPU time, not wall time, so a busy machine cannot fail it: the loader that walked the expanded
    # aliases took 5 s of CPU (and 600 MB) on the 343-byte file, and never finished the 388-byte one.
    started = time.process_time()
    assert len(decks.load([path]).problems) == 1
    assert time.process_time() - started < 1
    result = runner.invoke(app, ["decks", "validate", str(path)])
    assert result.exit_code == 1
    # The first alias is on line 10 (`b: &b [*a, ...`), column 10.
    assert f"{name}:10:10: YAML aliases (*a, repeating the value anchored &a) are not allowed in decks; " \
           "write the value out in full" in result.output
    assert "1 problem in 1 file." in result.output


def test_an_alias_bomb_in_llmquiz_decks_stops_every_command_at_once(llmquiz_home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir()
    (folder / "bomb.yaml").write_bytes((HOSTILE / "alias_bomb_388.yaml").read_bytes())
    env = env_for_subprocess(llmquiz_home, LLMQUIZ_DECKS=str(folder))
    # The child reports its own CPU time and peak memory (a busy machine stretches wall time): the
    # bomb once took 11.8 GB, and the 388-byte one never finished. VmHWM, not ru_maxrss, which Linux
    # carries over from the forking parent (here pytest, hundreds of MB into the suite).
    code = ("import re, sys, time\nfrom llmquiz.launch import main\nsys.argv = ['llmquiz', 'topics']\n"
            "try:\n    main()\nfinally:\n"
            "    hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
            "    print('peak', hwm, time.process_time(), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "Error: 1 problem in the decks; fix it (`llmquiz decks validate` lists them again):"
    assert lines[1].endswith("bomb.yaml:10:10: YAML aliases (*a, repeating the value anchored &a) are not "
                             "allowed in decks; write the value out in full")
    _, peak_kib, cpu_seconds = lines[-1].split()
    assert int(peak_kib) < 400 * 1024 and float(cpu_seconds) < 10  # the target: under 500 MB, no hang


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    assert problems_of(tmp_path, CARD + "    tags: &t [a, *t]\n") == [
        "10:18: YAML aliases (*t, repeating the value anchored &t) are not allowed in decks; "
        "write the value out in full"]


def test_a_shared_card_through_an_alias_is_refused(tmp_path: Path) -> None:
    text = CARD.replace("  - id: zz-one", "  - &card\n    id: zz-one") + "  - *card\n"
    [problem] = problems_of(tmp_path, text)
    assert problem.startswith("11:5: YAML aliases (*card")


def test_nesting_deeper_than_a_deck_needs_is_refused(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path, CARD + "    tags: " + "[" * 40 + "]" * 40 + "\n")
    assert problem.endswith("values nest more than 32 levels deep; a deck needs six")


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    text = CARD + "#" + "." * 300_000 + "\n"
    assert problems_of(tmp_path, text) == [
        "1:1: the file is 293 KiB, over the 256 KiB limit for one deck file; split it into several files "
        "(they may share a topic)"]


@pytest.mark.parametrize(("value", "message"), [
    ("1" * 5000, "the value '1111111111111111111111111111111111111...' cannot be read as int (too many digits)"),
    ("2024-13-45", "the value '2024-13-45' cannot be read as timestamp (month must be in 1..12)"),
    ("!!bool maybe", "the value 'maybe' cannot be read as bool (not a value of that type)"),
    ("!!float x", "the value 'x' cannot be read as float (could not convert string to float: 'x')"),
])
def test_a_value_yaml_cannot_build_is_one_problem_at_its_place(tmp_path: Path, value: str, message: str) -> None:
    assert problems_of(tmp_path, CARD + f"    accept: [ok, {value}]\n") == [f"10:18: {message}"]


def test_duplicate_keys_are_reported_where_the_second_one_is(tmp_path: Path) -> None:
    text = CARD.replace("description: A deck with one card.\n", "description: A deck with one card.\ntitle: Twice\n")
    text += "    answer: Something else.\n"
    assert problems_of(tmp_path, text) == [
        "4:1: duplicate key 'title' (also at line 2); keep one",
        "11:5: duplicate key 'answer' (also at line 8); keep one"]


@pytest.mark.parametrize(("line", "message"), [
    ("difficulty: 1.0", "card 'zz-one': difficulty must be 1, 2 or 3, not 1.0"),
    ("difficulty: true", "card 'zz-one': difficulty must be 1, 2 or 3, not true"),
    ("difficulty: '2'", "card 'zz-one': difficulty must be 1, 2 or 3, not '2'"),
    # Values JSON cannot hold: the parsed deck is cached as JSON, and these once crashed the cache.
    ("difficulty: 2024-01-01 10:00:00", "card 'zz-one': difficulty must be 1, 2 or 3, not 2024-01-01 10:00:00"),
    ("difficulty: !!binary aGk=", "card 'zz-one': difficulty must be 1, 2 or 3, not b'hi'"),
    ("tags: !!bool true", "card 'zz-one': tags must be a list, not true/false"),
    ("tags: [fine, two words]", "card 'zz-one': tag 'two words' must be one word of letters, digits and - _ . : + "
                                "(no spaces), at most 64 characters"),
    ("tags: [\"tab\\tinside\"]", "card 'zz-one': tag 'tab\tinside' must be one word of letters, digits and "
                                 "- _ . : + (no spaces), at most 64 characters"),
    ("demo: {name: kvcache, args: false}", "card 'zz-one': demo args must be a mapping of name: value, not "
                                           "true/false"),
    ("demo: {name: tokens, args: {text: 2024-01-01}}", "card 'zz-one': demo args: argument 'text' must be text, "
                                                       "a number, true/false or a list of those, not date"),
    ("demo: {name: tokens, args: {text: {a: 1}}}", "card 'zz-one': demo args: argument 'text' must be text, "
                                                   "a number, true/false or a list of those, not a mapping"),
    ("demo: {name: loss, args: {probs: [.nan]}}", "card 'zz-one': demo args: argument 'probs' must be text, "
                                                  "a number, true/false or a list of those, not a list"),
    ("predict: {demo: kvcache, field: total_bytes, tolerance: .inf}",
     "card 'zz-one': predict tolerance must be a number >= 0, not inf"),
    ("predict: {demo: kvcache, field: total_bytes, tolerance: true}",
     "card 'zz-one': predict tolerance must be a number >= 0, not true"),
])
def test_values_of_the_wrong_exact_type_are_problems(tmp_path: Path, line: str, message: str) -> None:
    text = CARD.replace("    difficulty: 1\n", "") + f"    {line}\n"
    if not line.startswith("difficulty"):
        text += "    difficulty: 1\n"
    problems = problems_of(tmp_path, text)
    assert [p.split(": ", 1)[1] for p in problems] == [message], problems


def test_a_demo_whose_arguments_cost_too_much_together_is_a_deck_problem(tmp_path: Path) -> None:
    text = CARD + "    demo: {name: moe, args: {experts: 1024, tokens: 10000, d_model: 1024}}\n"
    [problem] = problems_of(tmp_path, text)
    assert problem.endswith("card 'zz-one': demo 'moe': these arguments together would take about 6 s (a demo "
                            "may take 3 s) and about 336 MiB of memory (a demo may use 256 MiB): lower tokens, "
                            "experts or d_model")


def test_every_problem_free_hostile_text_still_loads(tmp_path: Path) -> None:
    # Control characters and markup are legal text: the loader keeps them; the renderer shows them.
    text = CARD.replace("What is a KV cache?", '"What is a \\x1b[2J KV [link=https://evil.example]cache[/link]?"')
    path = tmp_path / "deck.yaml"
    path.write_text(text, encoding="utf-8")
    lib = decks.load([path])
    assert lib.problems == []
    assert lib.card("zz-one").question == "What is a \x1b[2J KV [link=https://evil.example]cache[/link]?"


def test_the_deck_text_readers_of_the_hashing_encoder_and_the_tiny_model_refuse_an_alias_bomb(tmp_path: Path) -> None:
    # They read deck files for their own fits: an alias bomb in LLMQUIZ_DECKS must not expand there either.
    from llmquiz.errors import DeckError
    from llmquiz.grading.encoders.hashing import deck_corpus
    from llmquiz.tinylm.corpus import read_answers

    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "bomb.yaml").write_bytes((HOSTILE / "alias_bomb_388.yaml").read_bytes())
    (folder / "ok.yaml").write_text(CARD, encoding="utf-8")
    started = time.process_time()
    assert deck_corpus(sorted(folder.iterdir())) == [deck_corpus([folder / "ok.yaml"])[0]]
    with pytest.raises(DeckError, match=r"bomb\.yaml:10:10: YAML aliases"):
        read_answers(folder)
    assert time.process_time() - started < 1
