"""`llmquiz flags`: the grades learners marked as wrong (with /f during study), for fixing the cards."""

from typing import Annotated

import typer

from llmquiz.commands import DecksOpt, JsonOpt, TopicOpt, complete_card, load_library, print_json


def flags(topic: TopicOpt = None,
          card: Annotated[str | None, typer.Option("--card", "-c", help="Only this card's flags.",
                                                   autocompletion=complete_card)] = None,
          decks: DecksOpt = None, as_json: JsonOpt = False) -> None:
    """List the grades you flagged as wrong during study: card, deck file:line, answer, grade, note.

    A deck author can fix each card from this list (its key points, aliases or accepted answers).
    The flags are kept in flags.jsonl in your data folder.

    Example: llmquiz flags --topic attention --json
    """
    from llmquiz import flags as flag_store
    from llmquiz import render

    slug = load_library(decks).topic(topic).topic if topic else None
    found = flag_store.load(topic=slug, card_id=card)
    if as_json:
        print_json(found.to_dict())
    else:
        render.flags(render.console(), found.to_dict())
