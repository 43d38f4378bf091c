"""`llmquiz demo` through Typer's CliRunner: the listing, a run, --json, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmquiz import demos
from llmquiz.commands.demo import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "100", "NO_COLOR": "1"})


def test_listing_has_one_line_per_demo() -> None:
    result = invoke()
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for name in demos.demo_names():
        assert any(line.startswith(name + " ") for line in lines), name
    assert lines[0].split()[0] == "tokens"
    listed = json.loads(invoke("--json").stdout)
    assert [row["name"] for row in listed] == list(demos.demo_names())


def test_run_prints_explanation_and_numbers() -> None:
    result = invoke("lora", "--d-in", "4096", "--d-out", "4096", "--rank", "8")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("LoRA freezes W")
    assert "65,536" in result.stdout and "16,777,216" in result.stdout


def test_json_is_the_demo_data() -> None:
    result = invoke("kvcache", "--layers", "80", "--kv-heads", "8", "--heads", "64", "--seq-len", "4096", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["demo"] == "kvcache"
    assert data["bytes"] == 2 * 80 * 8 * 128 * 4096 * 1 * 2


def test_list_options_and_seed() -> None:
    a = json.loads(invoke("temperature", "--logits", "2, 1, 0.5", "--temperatures", "0,1", "--json").stdout)
    assert a["by_temperature"][0]["probs"] == [1.0, 0.0, 0.0]
    s1 = json.loads(invoke("top-k", "--logits", "1,1,1", "--k", "3", "--draws", "30", "--seed", "1", "--json").stdout)
    s2 = json.loads(invoke("top-k", "--logits", "1,1,1", "--k", "3", "--draws", "30", "--seed", "2", "--json").stdout)
    assert s1["frequencies"] != s2["frequencies"]
    emb = invoke("embeddings", "--sentences", "I like tea|I enjoy tea|Taxes rose", "--json")
    assert json.loads(emb.stdout)["sentences"] == ["I like tea", "I enjoy tea", "Taxes rose"]


@pytest.mark.parametrize(("args", "message"), [
    (["temperature", "--logits", "1,2", "--temperatures", "-1"],
     "Error: --temperatures -1: values must be at least 0 (got -1)."),
    (["top-p", "--logits", "1,2", "--p", "1.5"], "Error: --p 1.5: must be at most 1."),
    (["top-p", "--logits", "1,2", "--p", "0"], "Error: --p 0: must be greater than 0."),
    (["temperature", "--logits", ""], "Error: --logits '': must not be empty."),
    (["top-k", "--logits", "1,2", "--k", "5"], "Error: --k 5 is more than the 2 tokens in the distribution."),
    (["attention", "--d-k", "abc"], "Error: --d-k abc: must be a whole number."),
    (["lora", "--seed", "x"], "Error: --seed x: must be a whole number."),
    (["tokens", "--encoding", "gpt2"], "Error: --encoding gpt2: must be one of cl100k_base, o200k_base."),
])
def test_bad_values_give_one_clear_line(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_unknown_demo_and_option_are_usage_errors() -> None:
    result = invoke("nosuch")
    assert result.exit_code == 2 and "No such command" in result.output
    result = invoke("lora", "--rnak", "8")
    assert result.exit_code == 2 and "No such option" in result.output


@pytest.mark.parametrize("name", demos.NAMES)
def test_every_demo_has_help_with_an_example(name: str) -> None:
    result = invoke(name, "--help")
    assert result.exit_code == 0
    assert f"llmquiz demo {name} --" in result.stdout
    assert "--json" in result.stdout and "--seed" in result.stdout


def test_temperature_zero_means_greedy_on_the_command_line() -> None:
    result = invoke("temperature", "--logits", "0.5,2,1", "--temperatures", "0", "--samples", "5")
    assert result.exit_code == 0
    assert "T = 0 (greedy)" in result.stdout
    assert "B B B B B" in result.stdout


def test_top_level_help_builds_no_demo_command_and_demo_help_lists_every_one(tmp_path: Path) -> None:
    import subprocess
    import sys

    from .conftest import env_for_subprocess

    code = ("import sys\nfrom llmquiz.cli import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('REGISTRY' if 'llmquiz.demos.registry' in sys.modules else 'LAZY', file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env_for_subprocess(tmp_path))
    assert out.stderr.strip().endswith("LAZY"), out.stderr
    listing = invoke("--help").stdout
    assert all(name in listing for name in demos.demo_names())
    assert invoke("top-p", "--help").exit_code == 0
    result = invoke("no-such-demo")
    assert result.exit_code == 2 and "no-such-demo" in result.output
