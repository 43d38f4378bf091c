"""Command groups that live in their own modules; `llmquiz.cli` attaches each module's `app`.

`ErrorGroup` is the one place an `LlmquizError` becomes a one-line message and an exit code. Every
group uses it, so a sub-app behaves the same when run on its own (as in its tests) as under `llmquiz`;
nested groups re-raise nothing, because the innermost one has already turned the error into an exit.
"""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from llmquiz.errors import LlmquizError
from llmquiz.launch import say_interrupted


def complete_topic(incomplete: str) -> list[str]:
    """Topic slugs for shell completion of --topic."""
    from llmquiz import decks as deck_loader

    try:
        slugs = list(deck_loader.load().decks)
    except Exception:
        return []
    return [s for s in slugs if s.startswith(incomplete)]


def complete_card(incomplete: str) -> list[str]:
    """Card ids for shell completion of `show` and `history`."""
    from llmquiz import decks as deck_loader

    try:
        ids = list(deck_loader.load().cards)
    except Exception:
        return []
    return [i for i in ids if i.startswith(incomplete)]


DecksOpt = Annotated[list[Path] | None, typer.Option(
    "--decks", help="Extra deck folder or file (repeatable); its cards override shipped ones by id. "
                    "Also: LLMQUIZ_DECKS.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print data as JSON instead of a table.")]
TopicOpt = Annotated[str | None, typer.Option("--topic", "-t", help="Topic slug or a unique prefix.",
                                              autocompletion=complete_topic)]


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
        store.notice = None
    return store


def apply_color_setting() -> None:
    """Colour off for this whole process when NO_COLOR is set or `config set color false` says so.

    Off means no escape codes at all, bold included: `render.console()` reads NO_COLOR, and Typer's help
    and usage errors are told to write plain text too.
    """
    import os

    from llmquiz import paths

    off = bool(os.environ.get("NO_COLOR"))
    if not off:
        if not (paths.config_dir() / "config.toml").is_file():
            return  # the default is colour on; skipping the config module keeps `--help` fast
        from llmquiz import config

        try:
            off = not config.load().color
        except LlmquizError:
            return  # a broken config file is reported by the command that reads it
    if not off:
        return
    os.environ["NO_COLOR"] = "1"
    # Typer reads this when its Rich help module loads; set the module itself if that has happened.
    os.environ["_TYPER_FORCE_DISABLE_TERMINAL"] = "1"
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is not None:
        rich_utils.FORCE_TERMINAL = False  # type: ignore[attr-defined]


class ErrorGroup(TyperGroup):
    """Prints llmquiz's errors as one line on stderr and exits with the error's code."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        # Before the arguments are parsed: `--help` renders during parsing and must honour the setting too.
        if parent is None:
            apply_color_setting()
        # Parsing the options can import a good deal (Typer loads its validators on first use): a
        # Ctrl-C there would otherwise end the program without a word.
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except KeyboardInterrupt:
            say_interrupted()
            raise typer.Exit(130) from None

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LlmquizError as e:
            from llmquiz import render

            render.error(e.message, e.details)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            say_interrupted()
            raise typer.Exit(130) from None
