"""Docs that cannot drift: README's two set-up commands and its command table match reality."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from llmquiz.cli import app

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _console_blocks() -> list[str]:
    return [b.strip() for b in re.findall(r"```console\n(.*?)```", README, flags=re.S)]


def test_readme_opens_with_the_two_setup_commands() -> None:
    study, tests = _console_blocks()[:2]
    assert study.startswith("python3 -m venv .venv") and study.endswith("llmquiz study")
    assert tests.startswith("python3 -m venv .venv") and tests.endswith("python -m pytest")
    # Nothing but prose comes before them.
    assert README.index(study) < README.index("## ")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    tests = _console_blocks()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_readme_command_table_matches_help() -> None:
    help_text = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    listed = set(re.findall(r"│ (\w+)\s{2,}", help_text))
    documented = set(re.findall(r"^\| `llmquiz (\w+)`", README, flags=re.M))
    assert listed == documented


def _readme_examples():
    import importlib.util

    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "tools" / "readme_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_examples_are_real_output() -> None:
    # Each `$ llmquiz ...` example is compared whole with what the command prints now; after a change
    # that alters one (a new grader, a new layout), `python tools/readme_examples.py` rewrites them.
    from llmquiz.grading.encoders import minilm_dir

    tool = _readme_examples()
    examples = list(tool.examples(README))
    assert len(examples) >= 3
    stale = []
    for command, shown, _ in examples:
        if command.startswith("$ llmquiz grade") and "--encoder" not in command and minilm_dir() is None:
            continue  # graded with MiniLM, as the README's set-up installs it
        if shown != tool.run(command):
            stale.append(command)
    assert not stale, f"README examples differ from real output; run `python tools/readme_examples.py`: {stale}"


def test_the_readme_grade_example_shows_the_score_the_grader_gives() -> None:
    from llmquiz.grading.encoders import minilm_dir

    if minilm_dir() is None:
        import pytest

        pytest.skip("the README's grade example is graded with MiniLM")
    command = next(c for c, _, _ in _readme_examples().examples(README) if c.startswith("$ llmquiz grade"))
    shown = re.search(r"(\d)/5", README[README.index(command):]).group(1)
    real = re.search(r"(\d)/5", _readme_examples().run(command)).group(1)
    assert shown == real
