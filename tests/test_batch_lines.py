"""`grade --batch` input that is hostile costs one error line, never the lines after it.

Nesting 100,000 deep, a line longer than the limit, bytes that are not UTF-8 and random JSON each
get exactly one result; the hypothesis fuzz (bounded) checks that for any line.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from llmquiz import batch_lines
from llmquiz.cli import app

runner = CliRunner()
GOOD = json.dumps({"question": "Why scale?", "reference": "The variance grows with d_k.",
                   "answer": "because the variance grows with d_k"})


def _grade(data: bytes, encoder) -> list[dict]:
    return list(batch_lines.grade_lines(io.BytesIO(data), encoder))


def test_nesting_a_hundred_thousand_deep_is_one_error_and_later_lines_are_graded(hashing) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    obj = '{"question": "q", "reference": "r", "answer": ' + "[" * 100_000 + "]" * 100_000 + "}"
    out = _grade(f"{deep}\n{obj}\n{GOOD}\n".encode(), hashing)
    assert out[0] == {"line": 1, "error": "nested deeper than 100 levels"}
    assert out[1] == {"line": 2, "error": "nested deeper than 100 levels"}
    assert out[2]["verdict"] == "correct" and len(out) == 3


def test_the_cli_survives_deep_nesting(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LLMQUIZ_ENCODER", "hashing")
    path = tmp_path / "answers.jsonl"
    path.write_text("[" * 100_000 + "\n" + GOOD + "\n")
    result = runner.invoke(app, ["grade", "--batch", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["line"] == 1 and "nested deeper" in lines[0]["error"] and lines[1]["verdict"] == "correct"


def test_a_line_over_the_limit_is_skipped_in_bounded_pieces(hashing, monkeypatch) -> None:
    monkeypatch.setattr(batch_lines, "MAX_LINE", 1000)
    out = list(batch_lines.grade_lines(io.BytesIO(b'{"a": "' + b"x" * 50_000 + b'"}\n' + GOOD.encode()), hashing))
    assert out[0] == {"line": 1, "error": "line longer than 1,000 characters"} and out[1]["verdict"] == "correct"
    read = list(batch_lines.read_lines(io.BytesIO(b"x" * 10_000 + b"\nshort\n"), limit=100))
    assert read == [(1, None), (2, "short\n")]


def test_bytes_that_are_not_utf8_are_replaced_not_fatal(hashing) -> None:
    latin1 = json.dumps({"question": "q", "reference": "Paris is the capital.", "answer": "PLACEHOLDER"})
    data = latin1.replace("PLACEHOLDER", "caf\u00e9").encode("latin-1") + b"\n" + GOOD.encode()
    out = _grade(data, hashing)
    assert len(out) == 2 and "verdict" in out[0] and out[1]["verdict"] == "correct"


LINES = st.one_of(
    st.text(max_size=200),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                 max_leaves=10).map(json.dumps),
    st.fixed_dictionaries({"question": st.text(max_size=30), "reference": st.text(max_size=60),
                           "answer": st.text(max_size=60)},
                          optional={"key_points": st.lists(st.text(max_size=20) | st.dictionaries(
                              st.sampled_from(["point", "aliases"]), st.text(max_size=10) | st.lists(
                                  st.integers() | st.text(max_size=5), max_size=3)), max_size=3),
                                    "misconceptions": st.lists(st.text(max_size=20) | st.dictionaries(
                                        st.sampled_from(["claim", "correction", "aliases"]),
                                        st.text(max_size=10) | st.integers()), max_size=2),
                                    "id": st.integers() | st.text(max_size=5)}).map(json.dumps),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINES, min_size=1, max_size=4))
def test_fuzz_every_line_gets_one_result_and_the_good_line_after_them_is_graded(hashing, lines: list[str]) -> None:
    text = "\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines) + "\n" + GOOD + "\n"
    data = text.encode("utf-8", "surrogatepass")
    out = _grade(data, hashing)
    expected = sum(1 for raw in data.split(b"\n") if raw.decode("utf-8", "replace").strip())
    assert len(out) == expected
    assert out[-1]["verdict"] == "correct"
    for o in out:
        json.dumps(o)  # every result can be written out
