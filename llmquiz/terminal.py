"""The learner's side of a study session in a terminal: answers as long as interview answers.

An answer is read line by line until a blank line or Ctrl-D, so a paragraph (or three) arrives whole.
Terminals that support bracketed paste (turned on here through readline) deliver a paste as one block,
blank lines and all; in a terminal without it, a blank line that more input is already waiting behind
is taken as part of a paste, not as the end of the answer. Before every prompt whose reply changes
something (a rating, a yes/no), whatever was typed or pasted earlier is thrown away, so the tail of an
answer can never rate a card. Without a terminal (a pipe, a test runner) lines are read as they come.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

from llmquiz import keyboard, render

try:
    import termios
except ImportError:  # Windows: no terminal modes to manage; prompts still work
    termios = None  # type: ignore[assignment]

# How long input must stay quiet before a prompt is shown: a paste still streaming in is discarded too.
SETTLE_SECONDS = 0.05
DRAIN_LIMIT_SECONDS = 0.5


@dataclass(frozen=True)
class Answer:
    """What the learner submitted: the answer text, or a /command typed on its own line."""

    text: str
    command: str | None = None


Commands = Callable[[str, bool], str | None]


def read_answer(ask: Callable[[Text], str], pending: Callable[[], bool], commands: Commands,
                first: Text, more: Text) -> Answer:
    """Read lines until a blank line or Ctrl-D; a /command alone on a line is returned as such.

    `commands(line, first_line)` names the command a line is, or None. `pending()` tells whether more
    input is already waiting (the rest of a paste). A Ctrl-D before anything was typed raises
    EOFError, as at any other prompt: the learner wants to stop.

    Example:
        >>> lines = iter(["Paris,", "on the Seine", ""])
        >>> read_answer(lambda p: next(lines), lambda: False, lambda t, f: None, Text("› "), Text("… ")).text
        'Paris,\\non the Seine'
    """
    lines: list[str] = []
    while True:
        try:
            line = ask(more if lines else first)
        except EOFError:
            if not lines:
                raise
            break
        command = commands(line, not lines)
        if command is not None:
            # A command ends the answer; `/e` carries the lines so far into the editor.
            return Answer("\n".join(lines).strip(), command)
        if line.strip():
            lines.append(line.rstrip())
            continue
        if not lines:
            # An empty first line means "I don't know" unless it heads a paste.
            if pending():
                continue
            return Answer("")
        if pending():
            lines.append("")  # a blank line inside a paste: a paragraph break, not the end
            continue
        break
    return Answer("\n".join(lines).strip())


class Terminal:
    """Prompts on a Rich console, with the terminal-only safeguards when stdin is a terminal."""

    def __init__(self, con: Console) -> None:
        self.con = con
        self.fd = _tty_fd()
        if self.fd is not None:
            with contextlib.suppress(ImportError):
                # readline gives input() arrow keys, history and line editing; Windows without it still works.
                import readline

                # Python turns bracketed paste off; on, a terminal wraps each paste so it arrives as a block.
                readline.parse_and_bind("set enable-bracketed-paste on")

    def ask(self, prompt: Text | str) -> str:
        """One line of input after `prompt` (shown as text, never as markup).

        Bytes the terminal's encoding cannot decode come back as text, never as an exception
        (`keyboard`; the study loop reads inside `keyboard.tolerant_stdin`).
        """
        return keyboard.repair(self.con.input(prompt))

    def answer(self, commands: Commands) -> Answer:
        """A multi-line answer (see `read_answer`)."""
        return read_answer(self.ask, self.pending, commands, render.answer_prompt(), render.more_prompt())

    def choose(self, prompt: Text | str) -> str:
        """A prompt whose reply changes something: earlier keystrokes are discarded first."""
        self.drain()
        return self.ask(prompt)

    def confirm(self, question: str, *, default: bool = False) -> bool:
        """A yes/no question; its `[y/N]` (or `[Y/n]`) is shown as written."""
        reply = self.choose(render.yes_no_prompt(question, default=default)).strip().lower()
        return default if not reply else reply in ("y", "yes")

    def pending(self) -> bool:
        """Whether input is already waiting to be read (the rest of a paste)."""
        if self.fd is None:
            return False
        import select

        try:
            return bool(select.select([self.fd], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def drain(self) -> None:
        """Throw away input typed or pasted before now, waiting for a paste still arriving to end."""
        if self.fd is None or termios is None:
            return
        import select

        deadline = time.monotonic() + DRAIN_LIMIT_SECONDS
        with contextlib.suppress(OSError, ValueError, termios.error):
            while True:
                termios.tcflush(self.fd, termios.TCIFLUSH)
                if time.monotonic() > deadline or not select.select([self.fd], [], [], SETTLE_SECONDS)[0]:
                    return

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Keep keys pressed meanwhile (during grading) off the screen; `choose` discards them later."""
        saved = None
        if self.fd is not None and termios is not None:
            with contextlib.suppress(OSError, ValueError, termios.error):
                saved = termios.tcgetattr(self.fd)
                quiet = list(saved)
                quiet[3] &= ~termios.ECHO
                termios.tcsetattr(self.fd, termios.TCSANOW, quiet)
        try:
            yield
        finally:
            if saved is not None:
                with contextlib.suppress(OSError, ValueError, termios.error):
                    termios.tcsetattr(self.fd, termios.TCSANOW, saved)


def _tty_fd() -> int | None:
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        return None  # a test runner's fake stdin
    try:
        return fd if sys.stdin.isatty() else None
    except (OSError, ValueError):
        return None
