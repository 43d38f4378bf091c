"""Tables at any width: no number is ever cut, in the demos above all (issue: "1024" showed as "10")."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from llmquiz import demos
from llmquiz.cli import app
from llmquiz.tables import fit

# A number as a reader sees one: "1,073,741,824", "-0.13", "2.93e-03", "12%" (not the 2 of "d2").
NUMBER = re.compile(r"(?<![\w.])[-+−]?\d[\d,]*(?:\.\d+)?(?:e[-+]\d+)?%?")


def _console(width: int) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=width, no_color=True, color_system=None, highlight=False), buf


def _render_demo(name: str, width: int) -> str:
    con, buf = _console(width)
    demos.render(demos.run(name, {}), con)
    return buf.getvalue()


def _numbers(text: str) -> Counter[str]:
    return Counter(n.rstrip(",") for n in NUMBER.findall(text))


def _readings(text: str) -> list[tuple[float, int, bool]]:
    """Each number shown: (value, decimals shown, written in scientific notation); percents also as fractions."""
    out = []
    for token in NUMBER.findall(text):
        plain = token.rstrip(",%").replace(",", "").replace("−", "-")
        value = float(plain)
        decimals = len(plain.split(".")[1].split("e")[0]) if "." in plain else 0
        out.append((value, decimals, "e" in plain))
        if token.endswith("%"):
            out.append((value / 100, decimals + 2, False))
    return out


def _shows(x: float, readings: list[tuple[float, int, bool]]) -> bool:
    """Whether some number on screen is `x` as displayed: rounded to its decimals, or grouped with commas."""
    for value, decimals, scientific in readings:
        if scientific and abs(x - value) <= 0.006 * abs(value):
            return True
        if not scientific and decimals == 0 and (x == value or (abs(x) >= 100 and abs(x - value) <= 0.5)):
            return True
        if not scientific and decimals > 0 and abs(x - value) <= 0.5 * 10 ** -decimals + 1e-12:
            return True
    return False


@pytest.mark.parametrize("name", demos.demo_names())
@pytest.mark.parametrize("width", [60, 40])
def test_a_narrow_render_of_every_demo_shows_every_number_of_the_wide_one(name: str, width: int) -> None:
    wide = _numbers(_render_demo(name, 200))
    narrow = _numbers(_render_demo(name, width))
    assert not wide - narrow, f"{name} at {width} columns lost {dict(wide - narrow)}"


@pytest.mark.parametrize("name", demos.demo_names())
def test_a_60_column_render_shows_every_headline_number_of_the_json(name: str) -> None:
    # The JSON also holds whole matrices and every kept token; its top-level figures are what a
    # learner reads the demo for, and each one must be on screen at 60 columns.
    result = CliRunner().invoke(app, ["demo", name, "--json"])
    data: dict[str, Any] = json.loads(result.stdout)
    screen = CliRunner().invoke(app, ["demo", name], env={"COLUMNS": "60"}).stdout
    assert max(len(line) for line in screen.splitlines()) <= 60
    readings = _readings(screen)
    missing = {k: v for k, v in data.items()
               if isinstance(v, int | float) and not isinstance(v, bool) and not _shows(v, readings)}
    assert not missing, f"{name}: {missing} not on a 60-column screen"


def test_the_attention_table_keeps_1024_whole_at_60_columns() -> None:
    out = _render_demo("attention", 60)
    assert re.search(r"^1024\s", out, flags=re.M), out


def _table(columns: list[str], rows: list[list[str]], *, numeric_from: int = 1) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    for n, title in enumerate(columns):
        table.add_column(title, no_wrap=n >= numeric_from, justify="right" if n >= numeric_from else "left")
    for row in rows:
        table.add_row(*row)
    return table


@pytest.mark.parametrize("width", range(20, 121, 7))
def test_fit_never_cuts_a_cell_at_any_width(width: int) -> None:
    columns = ["label", "bytes", "size", "ratio", "percent", "renormalised"]
    rows = [[f"row {i}", f"{2 ** (20 + i):,}", f"{1.5 * i:.2f} MiB", f"{i}×", f"{7 * i}%", f"{i / 7:.6f}"]
            for i in range(1, 6)]
    con, buf = _console(width)
    con.print(fit(con, _table(columns, rows)))
    out = buf.getvalue()
    assert max(len(line) for line in out.splitlines()) <= width
    shown = _numbers(out)
    for row in rows:
        for cell in row[1:]:
            for number in NUMBER.findall(cell):
                assert shown[number.rstrip(",")] >= 1, (width, number, out)


def test_fit_leaves_a_table_that_fits_as_it_is() -> None:
    con, _ = _console(100)
    table = _table(["a", "b"], [["x", "1"]])
    assert fit(con, table) is table and table.columns[1].width is None


def test_a_table_that_cannot_fit_is_stacked_as_header_value_lines() -> None:
    con, buf = _console(30)
    prose = Table(show_edge=False, pad_edge=False)
    for title in ("id", "topic", "question"):
        prose.add_column(title, no_wrap=title != "question")
    prose.add_row("inf-predict-kv-cache-mha", "inference-deployment", "How big is the cache?")
    con.print(fit(con, prose))
    out = buf.getvalue()
    assert "inf-predict-kv-cache-mha" in out and "topic:" in out and "inference-deployment" in out
    assert "question:" in out


def test_topics_and_stats_tables_keep_their_numbers_at_40_columns() -> None:
    for args in (["topics"], ["stats"], ["decks", "stats"]):
        wide = _numbers(CliRunner().invoke(app, args, env={"COLUMNS": "200"}).stdout)
        narrow_out = CliRunner().invoke(app, args, env={"COLUMNS": "40"}).stdout
        assert max(len(line) for line in narrow_out.splitlines()) <= 40, args
        assert not wide - _numbers(narrow_out), (args, dict(wide - _numbers(narrow_out)))


def test_a_prose_word_may_fold_but_a_word_with_a_figure_never_does() -> None:
    con, buf = _console(30)
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("question")
    table.add_row("kv", "How big is the cache of a Llama-2-7B-class model at 4,096 tokens, parameter-efficiently?")
    con.print(fit(con, table))
    out = buf.getvalue()
    assert "Llama-2-7B-class" in out and "4,096" in out
    assert max(len(line) for line in out.splitlines()) <= 30


def test_decks_stats_at_60_columns_keeps_topic_names_whole() -> None:
    out = CliRunner().invoke(app, ["decks", "stats"], env={"COLUMNS": "60"}).stdout
    assert "tokenization-embeddings" in out and max(len(line) for line in out.splitlines()) <= 60
    assert out.count("topic ") >= 2  # wrapped into two grids, each with the topic column
