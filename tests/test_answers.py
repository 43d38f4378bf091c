"""Reading an answer: many lines, a blank line or Ctrl-D to submit, pastes kept whole, stray input dropped."""

from __future__ import annotations

import os
import pty
import select
from collections.abc import Iterator

import pytest
from rich.console import Console

from llmquiz.study import _answer_command
from llmquiz.terminal import Answer, Terminal, read_answer


def typed(*lines: str | type[EOFError]):
    """An `ask` that returns `lines` one by one (EOFError stands for Ctrl-D) and records the prompts."""
    queue: Iterator[str | type[EOFError]] = iter(lines)
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        line = next(queue)
        if line is EOFError:
            raise EOFError
        assert isinstance(line, str)
        return line

    return ask, prompts


def read(*lines: str | type[EOFError], pending: tuple[bool, ...] = ()) -> Answer:
    ask, _ = typed(*lines)
    waiting = iter(pending)
    return read_answer(ask, lambda: next(waiting, False), _answer_command, "› ", "… ")


def test_lines_are_read_until_a_blank_line() -> None:
    ask, prompts = typed("Scaling keeps logits small,", "so the softmax stays soft.", "", "never read")
    answer = read_answer(ask, lambda: False, _answer_command, "› ", "… ")
    assert answer == Answer("Scaling keeps logits small,\nso the softmax stays soft.")
    assert prompts == ["› ", "… ", "… "]


def test_ctrl_d_submits_what_was_typed() -> None:
    assert read("one line", EOFError).text == "one line"


def test_ctrl_d_before_any_text_ends_the_session() -> None:
    with pytest.raises(EOFError):
        read(EOFError)


def test_a_blank_line_with_more_input_waiting_is_part_of_a_paste() -> None:
    # A paste in a terminal without bracketed paste: the blank line is followed by more lines at once.
    answer = read("First paragraph.", "", "3", "", pending=(True, False))
    assert answer.text == "First paragraph.\n\n3"


def test_an_empty_answer_is_reported_as_empty_not_as_a_rating() -> None:
    assert read("") == Answer("")
    # ...unless it heads a paste.
    assert read("", "pasted", "", pending=(True, False)).text == "pasted"


def test_commands_act_on_the_first_line_only_but_e_and_q_act_anywhere() -> None:
    assert read("/h").command == "h"
    assert read("/skip").command == "s"
    assert read("It depends on", "/s", "").text == "It depends on\n/s"
    editor = read("A draft", "/e")
    assert (editor.command, editor.text) == ("e", "A draft")
    assert read("A draft", "/q").command == "q"


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_drain_discards_input_typed_before_the_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    master, slave = pty.openpty()
    try:
        term = Terminal(Console())
        term.fd = slave
        os.write(master, b"the tail of a paste\n3\n")
        assert select.select([slave], [], [], 1)[0]
        assert term.pending()
        term.drain()
        assert not term.pending()
        os.write(master, b"2\n")  # typed after the prompt appeared: kept
        assert select.select([slave], [], [], 1)[0]
        assert os.read(slave, 100) == b"2\n"
    finally:
        os.close(master)
        os.close(slave)
