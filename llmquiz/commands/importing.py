"""`llmquiz import`: bring cards from Anki, a CSV/TSV or a Quizlet export into your own decks."""

from pathlib import Path
from typing import Annotated

import typer

from llmquiz.commands import DecksOpt, JsonOpt, print_json


def import_cards(
    source: Annotated[Path, typer.Argument(help="An Anki .apkg, a .csv/.tsv with a header row, or a Quizlet "
                                                "text export (term TAB definition per line).", show_default=False)],
    topic: Annotated[str | None, typer.Option("--topic", "-t", help="Put every card in this topic (default: "
                                              "the card's own, its Anki deck, or the file's name).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="auto, apkg, csv, tsv or quizlet.")] = "auto",
    separator: Annotated[str | None, typer.Option("--separator", help="Between question and answer (Quizlet: "
                                                  "default TAB; CSV: ','; '\\t' for a tab).")] = None,
    row_separator: Annotated[str | None, typer.Option("--row-separator", help="Quizlet: between cards "
                                                      "(default a newline).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be imported; write nothing.")] = False,
    decks: DecksOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import cards into your own deck folder, one file per topic; re-importing updates them.

    Cards without key points get a derived rubric (key points taken from the answer); `llmquiz decks
    stats` lists them. Ids are kept from llmquiz exports, else made from the note (stable, never a
    shipped card's).

    Example: llmquiz import ~/Downloads/japanese.apkg --topic japanese
    """
    from llmquiz import importing, render

    result = importing.import_file(source, fmt=fmt.lower(), topic=topic, separator=separator,
                                   row_separator=row_separator, extra_decks=decks or [], dry_run=dry_run)
    if as_json:
        print_json(result.to_dict())
    else:
        render.import_result(render.console(), result.to_dict())
