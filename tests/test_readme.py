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
