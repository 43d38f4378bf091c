"""Text from decks and answers reaches the terminal as text: no escape sequences, no Rich markup.

A deck may set a title that clears the screen, sets the window title, plants a hyperlink, or holds
markup that Rich would act on (`[link=...]`) or choke on (`a [/] b`). Every command must show such text
as it is written, with the control characters made visible.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from typer.testing import CliRunner

from llmquiz import render
from llmquiz.cli import app
from llmquiz.store import Store

runner = CliRunner()

CLEAR = "\x1b[2J"
TITLE = "\x1b]0;pwned\x07"
LINK = "[link=https://evil.example]click[/link]"
# Double-quoted YAML: the escapes below become the raw control characters above once parsed.
DECK = r"""topic: zz-nasty
title: "a [/] b \x1b[2J [link=https://evil.example]click[/link]"
description: A deck that tries to drive the terminal.
cards:
  - id: zz-nasty-one
    question: "Which\x1b]0;pwned\x07 river [bold]runs[/bold] through Paris?\x1b[2JValid!"
    answer: "The Seine.\r[link=https://evil.example]click[/link] \u202eevil"
    key_points: [{point: "the Seine\x1b[2J", aliases: [seine]}]
    difficulty: 1
"""


@pytest.fixture
def nasty(tmp_path: Path) -> Path:
    folder = tmp_path / "nasty"
    folder.mkdir()
    (folder / "nasty.yaml").write_text(DECK, encoding="utf-8")
    return folder


def run(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input)


def assert_inert(out: str) -> None:
    """No raw control character reached the output, and the markup is shown, not applied."""
    assert not any(ch in out for ch in "\x1b\x07\r\u202e"), repr(out)


def test_visible_escapes_controls_and_keeps_layout_characters() -> None:
    assert render.visible("a\x1b[2Jb\x07c\rd\x9be\u202ef\u2066g") == "a\\x1b[2Jb\\x07c\\x0dd\\x9be\\u202ef\\u2066g"
    assert render.visible("tab\tand\nnewline, café 😀") == "tab\tand\nnewline, café 😀"
    assert render.visible("caf\udce9") == "caf\\xe9"  # a byte surrogateescape kept
    once = render.visible("\x1b[2J")
    assert render.visible(once) == once


def test_topics_shows_a_hostile_title_as_text(nasty: Path) -> None:
    result = run("topics", "--decks", str(nasty))
    assert result.exit_code == 0, result.output
    assert re.search(r"a \[/\] b \\x1b\[2J\s+│\s+1 │.*\n.*│ \[link=https://evil\.example\]click\[/link\]",
                     result.output)
    assert_inert(result.output)


def test_topics_on_a_colour_terminal_makes_no_hyperlink(nasty: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    out = run("topics", "--decks", str(nasty)).output
    assert "\x1b[1m" in out  # colour is on: Rich writes its own styles
    assert "\x1b]8;" not in out and "\x1b]0;" not in out and CLEAR not in out
    assert "[link=https://evil.example]click[/link]" in out


def test_study_shows_the_question_and_answer_as_text(nasty: Path) -> None:
    result = run("study", "--topic", "zz-nasty", "--decks", str(nasty), input="the seine \x1b[31m[red]\n\n\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Which\\x1b]0;pwned\\x07 river [bold]runs[/bold] through Paris?\\x1b[2JValid!" in out
    assert "The Seine.\\x0d[link=https://evil.example]click[/link] \\u202eevil" in out
    assert "✓ the Seine\\x1b[2J" in out
    assert_inert(out)
    # The answer is stored as typed; `history` shows it as text too.
    with Store.open() as store:
        assert store.reviews()[0].answer == "the seine \x1b[31m[red]"
    history = run("history", "zz-nasty-one", "--decks", str(nasty))
    assert "the seine \\x1b[31m[red]" in history.output
    assert_inert(history.output)


def test_grade_json_stays_data(nasty: Path) -> None:
    result = run("grade", "--card", "zz-nasty-one", "--decks", str(nasty), "--json", "the seine")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["card"] == "zz-nasty-one"


def test_a_problem_quoting_a_hostile_key_is_shown_as_text(tmp_path: Path) -> None:
    path = tmp_path / "deck.yaml"
    path.write_text(DECK.replace("    difficulty: 1\n", '    difficulty: 1\n    "\\x1b]0;pwned\\x07": 1\n'),
                    encoding="utf-8")
    result = run("decks", "validate", str(path))
    assert result.exit_code == 1
    assert "card 'zz-nasty-one': unknown field '\\x1b]0;pwned\\x07'" in result.output
    assert_inert(result.output)


def test_an_unknown_topic_typed_with_escapes_is_echoed_as_text(nasty: Path) -> None:
    result = run("study", "--topic", CLEAR + "zz", "--decks", str(nasty))
    assert result.exit_code == 1
    assert "no topic '\\x1b[2Jzz'" in result.output
    assert_inert(result.output)


def test_demo_text_from_a_card_or_the_command_line_is_drawn_as_text() -> None:
    text = f"{TITLE}x {LINK} a [/] b"
    result = run("demo", "tokens", "--text", text)
    assert result.exit_code == 0, result.output
    assert_inert(result.output)
    assert "\\x1b|]|0" in result.output and "[|link|=" in result.output  # one token per |, as text


def test_render_functions_are_safe_on_any_console() -> None:
    # A plain Rich console interprets markup in str: the render functions must pass Text, not str.
    from llmquiz import decks

    plain = Console(file=io.StringIO(), width=100, force_terminal=True)
    library = decks.load([Path(__file__).parent / "fixtures" / "mini_decks"])
    card = library.card("zz-capital")
    rows = [{"topic": "zz", "title": "a [/] b " + LINK, "cards": 1, "due": 0, "seen": 0}]
    render.topics_table(plain, rows)
    render.hint(plain, "[bold]x[/bold] " + CLEAR)
    render.plain(plain, LINK)
    out = plain.file.getvalue()
    assert "a [/] b" in out and out.count("[link=https://evil.example]click[/link]") == 2
    assert "\x1b]8;" not in out and CLEAR not in out
    assert isinstance(render.rating_prompt("good"), Text)
    render.model_answer(plain, card)


def test_the_console_itself_prints_any_string_as_text() -> None:
    # A command that prints a plain str through llmquiz's console (not Text) is covered too.
    con = render.console()
    con.file = io.StringIO()
    con.print("a [/] b " + LINK + " :smile: " + CLEAR + TITLE)
    con.print(Text("built elsewhere " + CLEAR))  # a Text some other code made from a deck's string
    out = con.file.getvalue()
    assert out == ("a [/] b [link=https://evil.example]click[/link] :smile: \\x1b[2J\\x1b]0;pwned\\x07\n"
                   "built elsewhere \\x1b[2J\n")


def test_every_demo_section_is_drawn_as_text_on_any_console() -> None:
    from llmquiz import demos
    from llmquiz.demos.result import Bars, DemoResult, Heatmap, Note, Spans, Table

    nasty = "a [/] b " + CLEAR
    result = DemoResult("tokens", (nasty, LINK), {}, (
        Table(nasty, (nasty, "n"), ((nasty, "1"), (LINK, "2"))),
        Bars(nasty, (nasty,), (1.0,), (LINK,)),
        Spans(nasty, (nasty, LINK), caption=nasty),
        Heatmap(nasty, (nasty,), ("[/]x",), ((0.5,),)),
        Note(nasty),
    ))
    plain = Console(file=io.StringIO(), width=100, force_terminal=True)  # markup on, colour on
    demos.render(result, plain)
    out = plain.file.getvalue()
    assert "\x1b]8;" not in out and CLEAR not in out
    assert out.count("[link=https://evil.example]click[/link]") == 4 and "a [/] b \\x1b[2J" in out


def test_cards_and_show_draw_a_hostile_card_as_text(nasty: Path) -> None:
    # `cards` and `show` (from main) meet the same deck text as `study`: shown, never acted on.
    for args in (("cards", "--decks", str(nasty)), ("show", "zz-nasty-one", "--decks", str(nasty))):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert_inert(result.output)
        assert "[bold]runs[/bold]" in result.output
    # On a console that would interpret markup, the render functions still pass it through as text.
    from datetime import UTC, datetime

    from llmquiz import browse, decks

    card = decks.load([nasty]).card("zz-nasty-one")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    plain = Console(file=io.StringIO(), width=200, force_terminal=True)
    render.cards_table(plain, [r.to_dict() for r in browse.rows([card], {}, now)], "search " + LINK)
    render.card_view(plain, browse.view(card, None, (), now).to_dict())
    out = plain.file.getvalue()
    assert "\x1b]8;" not in out and CLEAR not in out and TITLE not in out
    assert out.count("[link=https://evil.example]click[/link]") == 2 and "[bold]runs[/bold]" in out
