"""Browse commands: `llmquiz cards` lists and searches cards, `llmquiz show ID` prints one.

Thin: `llmquiz.browse` finds and gathers, `llmquiz.render` draws, `--json` prints the data.
"""

from datetime import UTC, datetime
from typing import Annotated

import typer

from llmquiz.commands import DecksOpt, JsonOpt, TopicOpt, complete_card, load_library, open_store, print_json


def cards(topic: TopicOpt = None,
          search: Annotated[str | None, typer.Option("--search", "-s", help="Words the card must hold (in its id, "
                                                     "question, answer, key points, tags or misconceptions).")] = None,
          decks: DecksOpt = None, as_json: JsonOpt = False) -> None:
    """List cards, optionally of one topic or holding some words, with where each stands in your schedule.

    Example: llmquiz cards --topic attention --search "sqrt d_k"
    """
    from llmquiz import browse, render

    library = load_library(decks)
    deck = library.topic(topic) if topic else None
    found = browse.search(deck.cards if deck else library.cards.values(), search)
    with open_store() as store:
        rows = [r.to_dict() for r in browse.rows(found, store.due_times(), datetime.now(UTC))]
    if as_json:
        print_json(rows)
        return
    what = [f"topic {deck.topic}" if deck else "all topics"] + ([f"search '{search}'"] if search else [])
    render.cards_table(render.console(), rows, ", ".join(what))


def show(card_id: Annotated[str, typer.Argument(metavar="ID", help="The card id (`llmquiz cards` lists them).",
                                                autocompletion=complete_card)],
         decks: DecksOpt = None, as_json: JsonOpt = False) -> None:
    """Show one card: its question, model answer, key points, misconceptions, demo and your progress.

    Example: llmquiz show attn-scaling
    """
    from llmquiz import browse, render

    card = load_library(decks).card(card_id)
    with open_store() as store:
        state = store.states([card.id]).get(card.id)
        view = browse.view(card, state[1] if state else None, store.reviews(card.id), datetime.now(UTC))
    if as_json:
        print_json(view.to_dict())
    else:
        render.card_view(render.console(), view.to_dict())
