"""Progress commands: stats, history, undo, reset, export, backup, restore, config.

Each function parses its options, calls the core and renders; `cli.py` registers them as top-level
commands. Errors are `LlmquizError`s, printed once by the root group.
"""

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from llmquiz.commands import (
    DecksOpt,
    ErrorGroup,
    JsonOpt,
    TopicOpt,
    complete_card,
    load_library,
    open_store,
    print_json,
)


def stats(topic: TopicOpt = None, days: Annotated[int, typer.Option(min=7, max=365, help="Days of history "
                                                                       "in the chart.")] = 30,
          decks: DecksOpt = None, as_json: JsonOpt = False) -> None:
    """Progress: per-topic recall, streak, reviews per day, due forecast, weak points, leeches.

    Example: llmquiz stats --topic rag
    """
    from llmquiz import config, render
    from llmquiz import stats as stats_core

    library = load_library(decks)
    cards = list(library.topic(topic).cards) if topic else list(library.cards.values())
    with open_store() as store:
        result = stats_core.compute(store, cards, now=datetime.now(UTC), days=days,
                                    retention=config.load().desired_retention)
    if as_json:
        print_json(result.to_dict())
    else:
        render.stats(render.console(), result.to_dict(), library.cards)


def history(card_id: Annotated[str, typer.Argument(help="The card id (`llmquiz cards` lists them).",
                                                   autocompletion=complete_card)],
            decks: DecksOpt = None, as_json: JsonOpt = False) -> None:
    """Every answer you gave to one card, with its grade and your rating.

    Example: llmquiz history attn-scaling
    """
    from llmquiz import render

    card = load_library(decks).card(card_id)
    with open_store() as store:
        reviews = store.reviews(card.id)
        state = store.state(card.id)
    if as_json:
        print_json({"card": card.id, "question": card.question, "due": state["due"] if state else None,
                     "reviews": [r.to_dict() for r in reviews]})
    else:
        render.history(render.console(), card, reviews, state)


def undo(as_json: JsonOpt = False) -> None:
    """Take back your last review: the answer is deleted and the card's schedule restored.

    Example: llmquiz undo
    """
    from llmquiz import render

    with open_store() as store:
        review = store.undo_last()
    if as_json:
        print_json({"undone": review.to_dict() if review else None})
    elif review is None:
        render.status("Nothing to undo: no reviews yet.")
    else:
        render.status(f"Undid your {review.rating.label} review of {review.card_id} "
                     f"({review.reviewed_at.astimezone():%Y-%m-%d %H:%M}); its schedule is back as it was.")


def reset(topic: TopicOpt = None, yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
          decks: DecksOpt = None) -> None:
    """Forget progress (all of it, or one topic's); asks first unless --yes.

    Example: llmquiz reset --topic rag --yes
    """
    from llmquiz import render
    from llmquiz.errors import UsageError

    if topic is not None and not topic.strip():
        raise UsageError("--topic needs a topic name (`llmquiz topics` lists them); nothing was reset. "
                         "To forget all your progress, leave --topic out.")
    deck = load_library(decks).topic(topic) if topic is not None else None  # an unknown topic is an error
    ids = [c.id for c in deck.cards] if deck else None
    what = f"progress on topic '{deck.topic}'" if deck else "ALL your progress"
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(f"refusing to reset {what} without confirmation; add --yes.")
        if not typer.confirm(f"Really forget {what}? A backup first is `llmquiz backup -o FILE`."):
            render.status("Nothing was reset.")
            return
    with open_store() as store:
        n = store.reset(ids)
    render.status(f"Reset {what}: {n} review{'s' * (n != 1)} removed.")


def unsuspend(card_ids: Annotated[list[str] | None, typer.Argument(help="Card ids to bring back (none: list "
                                                                      "the held cards).", show_default=False,
                                                                 autocompletion=complete_card)] = None,
              every: Annotated[bool, typer.Option("--all", help="Bring back every suspended or buried card.")] = False,
              as_json: JsonOpt = False) -> None:
    """Bring back cards you suspended (/x) or buried (/b) during study; with no card, list them.

    Example: llmquiz unsuspend attn-scaling
    """
    from llmquiz import render
    from llmquiz.errors import UsageError

    with open_store() as store:
        if not card_ids and not every:
            rows = [{"card": cid, "kind": kind, "until": _local(until)}
                    for cid, (kind, until) in store.holds(datetime.now(UTC)).items()]
            if as_json:
                print_json(rows)
            else:
                render.holds(render.console(), rows)
            return
        if card_ids and every:
            raise UsageError("give card ids or --all, not both.")
        released = store.release(None if every else card_ids)
    missing = sorted(set(card_ids or ()) - set(released))
    if as_json:
        print_json({"released": released, "not_held": missing})
        return
    # What was done goes to stderr, like every status line; the listing above is the data.
    if released:
        render.status(f"Back in your sessions: {', '.join(released)}.")
    if missing:
        render.notice(f"Not suspended or buried: {', '.join(missing)} (`llmquiz unsuspend` lists those that are).")
    if not released and not missing:
        render.status("No card was suspended or buried.")


def _local(until: str | None) -> str | None:
    return datetime.fromisoformat(until).astimezone().strftime("%Y-%m-%d %H:%M") if until else None


def export(fmt: Annotated[str, typer.Option("--format", "-f", help="anki (.apkg), csv or markdown.")],
           output: Annotated[Path, typer.Option("--output", "-o", help="File to write ('-' for standard "
                                                                        "output).")],
           topic: TopicOpt = None,
           with_progress: Annotated[bool, typer.Option("--with-progress", help="Anki only: carry each card's "
                                                       "due date, FSRS memory state and reviews.")] = False,
           decks: DecksOpt = None) -> None:
    """Export cards to Anki, CSV or Markdown (model answer, key points and misconceptions on the back).

    The Anki package has one subdeck per topic (llmquiz::TOPIC); `llmquiz import` reads it back.

    Example: llmquiz export --format anki --topic rag --with-progress -o rag.apkg
    """
    from llmquiz import config, render
    from llmquiz import export as exporter

    library = load_library(decks)
    deck = library.topic(topic) if topic else None
    cards = list(deck.cards) if deck else list(library.cards.values())
    progress = None
    if with_progress:
        from llmquiz.anki_export import CardProgress

        with open_store() as store:
            states = store.states([c.id for c in cards])
            progress = {cid: CardProgress(state, tuple(store.reviews(cid))) for cid, (state, _) in states.items()}
    n = exporter.export(cards, fmt.lower(), output, deck.title if deck else "LLM interview", progress=progress,
                        retention=config.load().desired_retention)
    carried = f" ({len(progress)} with their schedule)" if progress is not None else ""
    render.status(f"Wrote {n} cards to {_where(output)}{carried}.")


def backup(output: Annotated[Path, typer.Option("--output", "-o", help="JSON file to write ('-' for "
                                                                       "standard output).")]) -> None:
    """Save all your progress (reviews and schedules) to a JSON file.

    Example: llmquiz backup -o llmquiz-progress.json
    """
    from llmquiz import backup as backups
    from llmquiz import render

    with open_store() as store:
        counts = backups.backup(store, output)
    render.status(f"Saved {counts['reviews']} reviews of {counts['cards']} cards to {_where(output)}.")


def _where(output: Path) -> str:
    from llmquiz import outfile

    return "standard output" if outfile.is_stdout(output) else str(output)


def restore(source: Annotated[Path, typer.Argument(help="A file written by `llmquiz backup`.")]) -> None:
    """Merge a backup into your progress; reviews you already have are skipped.

    Example: llmquiz restore llmquiz-progress.json
    """
    from llmquiz import backup as backups
    from llmquiz import render

    with open_store() as store:
        counts = backups.restore(store, source)
    render.status(f"Restored {counts['added']} reviews ({counts['skipped']} already present); "
                 f"{counts['total']} in all.")


config_app = typer.Typer(cls=ErrorGroup, help="Show or change settings (a TOML file in your config folder).",
                         no_args_is_help=True)


@config_app.command("show")
def config_show(as_json: JsonOpt = False) -> None:
    """Show every setting, its value and what it does.

    Example: llmquiz config show
    """
    from llmquiz import config, render

    cfg = config.load()
    if as_json:
        print_json({"path": str(config.config_path()), **cfg.to_dict()})
    else:
        render.config(render.console(), cfg.to_dict(), config.HELP, str(config.config_path()))


@config_app.command("set")
def config_set(key: Annotated[str, typer.Argument(help="Setting name (see `llmquiz config show`).")],
               value: Annotated[str, typer.Argument(help="New value.")]) -> None:
    """Change one setting.

    Example: llmquiz config set new_per_day 10
    """
    from llmquiz import config, render

    cfg = config.set_value(key, value)
    shown = cfg.to_dict()[key]
    render.status(f"{key} = {str(shown).lower() if isinstance(shown, bool) else shown}")
