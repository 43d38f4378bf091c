"""Command groups that live in their own modules; `llmquiz.cli` attaches each module's `app`.

`ErrorGroup` is the one place an `LlmquizError` becomes a one-line message and an exit code. Every
group uses it, so a sub-app behaves the same when run on its own (as in its tests) as under `llmquiz`;
nested groups re-raise nothing, because the innermost one has already turned the error into an exit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from llmquiz.errors import LlmquizError

DecksOpt = Annotated[list[Path] | None, typer.Option(
    "--decks", help="Extra deck folder or file (repeatable); its cards override shipped ones by id. "
                    "Also: LLMQUIZ_DECKS.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print data as JSON instead of a table.")]
TopicOpt = Annotated[str | None, typer.Option("--topic", "-t", help="Topic slug or a unique prefix.")]


def print_json(data: Any) -> None:
    """Write `data` as indented JSON on stdout (plain, never wrapped by Rich)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def load_library(decks: list[Path] | None) -> Any:
    """Every deck (shipped, user folders, `--decks`), or a DeckError listing every problem."""
    from llmquiz import decks as deck_loader

    return deck_loader.load_valid(extra=decks or [])


def open_store() -> Any:
    """The progress store; a file that had to be moved aside is reported once on stderr."""
    from llmquiz import render
    from llmquiz.store import Store

    store = Store.open()
    if store.notice:
        render.notice(store.notice)
    return store


class ErrorGroup(TyperGroup):
    """Prints llmquiz's errors as one line on stderr and exits with the error's code."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        # Parsing the options can import a good deal (Typer loads its validators on first use): a
        # Ctrl-C there would otherwise end the program without a word.
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except KeyboardInterrupt:
            from llmquiz import render

            render.error("Interrupted.")
            raise typer.Exit(130) from None

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LlmquizError as e:
            from llmquiz import render

            render.error(e.message, e.details)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            from llmquiz import render

            render.error("Interrupted.")
            raise typer.Exit(130) from None
