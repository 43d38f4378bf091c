"""The `llmquiz` command line: parse, call the core, render. No YAML, SQL or math here.

Every `LlmquizError` raised below is caught once, in `commands.ErrorGroup`, and printed as one line
on stderr; Ctrl-C ends with a short message. Heavy modules are imported inside the commands that need
them, so `llmquiz --help` stays as fast as Typer itself.
"""

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from llmquiz.commands import DecksOpt, ErrorGroup, JsonOpt, TopicOpt, load_library, open_store, print_json

# llmquiz's matrices are small (a 64-wide GPT, a 384-wide encoder): a BLAS thread pool only adds
# hand-off cost, and its idle threads could take a Ctrl-C meant for the prompt. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

app = typer.Typer(
    cls=ErrorGroup,
    name="llmquiz",
    help="Drill LLM / GenAI interview questions: type answers, get them graded, review on schedule.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
decks_app = typer.Typer(cls=ErrorGroup, help="Check and describe deck files.", no_args_is_help=True)
app.add_typer(decks_app, name="decks")


def _show_version(value: bool) -> None:
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        typer.echo(f"llmquiz {version('llmquiz')}")
    except PackageNotFoundError:
        typer.echo("llmquiz (not installed as a package: version unknown)")
    raise typer.Exit()


@app.callback()
def _root(_version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                                 help="Print llmquiz's version and exit.")] = False) -> None:
    pass


@app.command()
def study(
    topic: TopicOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Cards in this session at most "
                                                                          "(default: session_limit).")] = None,
    mode: Annotated[str, typer.Option("--mode", "-m", help="free: type answers; flash: reveal and self-rate.",
                                      case_sensitive=False)] = "free",
    shuffle: Annotated[bool, typer.Option("--shuffle", help="Shuffle the due and new cards.")] = False,
    new: Annotated[int | None, typer.Option("--new", min=0, help="New cards at most (default: what is "
                                                                  "left of new_per_day).")] = None,
    due_only: Annotated[bool, typer.Option("--due-only", help="Only cards that are due.")] = False,
    decks: DecksOpt = None,
) -> None:
    """Study: answer each question in your own words; llmquiz grades it and schedules the card.

    Without --topic you get the cards due across all topics, then new ones up to your daily limit.
    With --topic you get that topic's due cards, its new ones, then your weakest, so there is
    always something to practise. Answers may take many lines: a blank line or Ctrl-D submits, /e
    writes in $EDITOR. At the prompts: /h hint, /d demo, /s skip, /b bury, /x suspend, /q quit; after
    the grade, /f flags it as wrong and /c edits the card into your deck. A card you rate Again
    comes back later in the session.

    Example: llmquiz study --topic attention --limit 5
    """
    import os
    import random
    from datetime import UTC, datetime

    from llmquiz import config, render, scheduling
    from llmquiz import study as study_loop
    from llmquiz.errors import UsageError
    from llmquiz.session import Session

    mode = mode.lower()
    if mode not in ("free", "flash"):
        raise UsageError(f"--mode must be 'free' or 'flash', not '{mode}'.")
    cfg = config.load()
    if cfg.encoder != "auto":
        os.environ.setdefault("LLMQUIZ_ENCODER", cfg.encoder)
    if mode == "free":
        # Now, not after the learner has typed an answer: a configured encoder that has gone missing.
        config.check_encoder(os.environ.get("LLMQUIZ_ENCODER", "auto"), load=False)
    library = load_library(decks)
    topic = topic or cfg.default_topic or None
    limit = limit or cfg.session_limit
    chosen = library.topic(topic) if topic else None
    cards = list(chosen.cards) if chosen else list(library.cards.values())
    now = datetime.now(UTC)
    con = render.console()
    with open_store() as store:
        if new is not None:
            new_limit = new
        elif chosen:
            new_limit = limit  # drilling a topic: its new cards are the point
        else:
            new_limit = max(0, cfg.new_per_day - scheduling.new_cards_today(store, now))
        seed = random.SystemRandom().randrange(2**32) if shuffle else None
        plan = scheduling.plan(cards, store, now=now, limit=limit, new_limit=new_limit, due_only=due_only,
                               cram=chosen is not None, shuffle_seed=seed, retention=cfg.desired_retention)
        if not plan.cards:
            when = scheduling.humanize_delta(plan.next_due - now) if plan.next_due else None
            due_text = f"; the next card is due {when}." if when else "."
            render.plain(con, f"Nothing to study right now{due_text} Try --topic TOPIC to practise a topic anyway.")
            return
        session = Session(store, mode=mode, retention=cfg.desired_retention)
        study_loop.run(con, plan.cards, session, study_loop.StudyOptions(mode=mode), plan.reasons,
                       decks=library.decks, pool=cards)


@app.command()
def topics(decks: DecksOpt = None, as_json: JsonOpt = False) -> None:
    """List the topics with their cards, cards due now, and cards seen.

    Example: llmquiz topics --json
    """
    from llmquiz import progress, render

    library = load_library(decks)
    with open_store() as store:
        rows = progress.topic_rows(library, store)
    if as_json:
        print_json(rows)
    else:
        render.topics_table(render.console(), rows)


@decks_app.command("validate")
def decks_validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Deck files or folders (default: every deck "
                                                            "llmquiz loads).", show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check deck files and report every problem as file:line:col: message (exit 1 if any).

    Example: llmquiz decks validate my-decks/
    """
    from llmquiz import decks as deck_loader
    from llmquiz import render

    targets = list(paths) if paths else deck_loader.deck_dirs()
    library = deck_loader.load(targets if paths else None)
    problems = [str(p) for p in deck_loader.sorted_problems(library.problems)]
    checked = sum(len(deck_loader.deck_files(Path(t))) if Path(t).exists() else 1 for t in targets)
    if as_json:
        print_json({"files": checked, "cards": len(library.cards), "problems": problems})
    else:
        render.problems(render.console(), problems, checked)
    if problems:
        raise typer.Exit(1)


@decks_app.command("stats")
def decks_stats(decks: DecksOpt = None, as_json: JsonOpt = False) -> None:
    """Cards per topic, cards with demos and self-tests, and cards missing optional fields.

    Example: llmquiz decks stats --json
    """
    from llmquiz import progress, render

    data = progress.deck_stats(load_library(decks))
    if as_json:
        print_json(data)
    else:
        render.deck_stats(render.console(), data)


@app.command("grade")
def grade_cmd(
    answer: Annotated[str | None, typer.Argument(help="Your answer (with --card).", show_default=False)] = None,
    card: Annotated[str | None, typer.Option("--card", "-c", help="The card id to grade against.")] = None,
    batch: Annotated[str | None, typer.Option("--batch", help="JSON-lines file of {question, reference, "
                                                             "answer} to grade ('-' for stdin).")] = None,
    encoder: Annotated[str | None, typer.Option("--encoder", help="Sentence encoder: auto, hashing, "
                                                                 "minilm, or a model folder.")] = None,
    decks: DecksOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Grade an answer to a card, or a batch of answers, exactly as the study loop would.

    Example: llmquiz grade --card attn-scaling "it keeps softmax from saturating"
    """
    from llmquiz import config, render
    from llmquiz.errors import UsageError
    from llmquiz.grading.encoders import get_encoder

    if encoder is None and not os.environ.get("LLMQUIZ_ENCODER"):
        # The same precedence as `study`: --encoder, then LLMQUIZ_ENCODER, then `config set encoder`.
        encoder = config.load().encoder
    if batch is not None:
        if card or answer:
            raise UsageError("--batch reads answers from a file; leave out --card and the answer text.")
        _grade_batch(batch, get_encoder(encoder))
        return
    if not card or answer is None:
        raise UsageError('give --card ID and the answer text, e.g. llmquiz grade --card attn-scaling "..."; '
                         "or --batch FILE.")
    from llmquiz import study as study_loop

    the_card = load_library(decks).card(card)
    result = study_loop.grade_once(the_card, answer, encoder=get_encoder(encoder))
    if as_json:
        print_json({"card": the_card.id, **result.to_dict()})
        return
    con = render.console()
    render.plain(con, the_card.question, "bold")
    render.grade(con, the_card, result)


def _grade_batch(source: str, encoder: Any) -> None:
    from llmquiz import batch_lines
    from llmquiz.errors import UsageError

    if source == "-":
        lines = sys.stdin.buffer
    else:
        try:
            lines = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as e:
            raise UsageError(f"cannot read {source}: {e.strerror}; give a JSON-lines file or -.") from None
    try:
        failed = 0
        for out in batch_lines.grade_lines(lines, encoder):
            failed += "error" in out
            sys.stdout.write(_json_line(out))
            sys.stdout.flush()
    finally:
        if lines is not sys.stdin.buffer:
            lines.close()
    if failed:
        from llmquiz import render

        render.notice(f"{failed} line{'s' * (failed != 1)} could not be graded (see their \"error\").")
        raise typer.Exit(1)


def _json_line(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data)  # a lone surrogate from the input: escaped, so the line stays valid UTF-8
    return text + "\n"


def _register() -> None:
    """Attach the commands that live in their own modules."""
    from llmquiz.commands import browse, demo, flags, importing, model, progress

    for fn in (browse.cards, browse.show, progress.stats, progress.history, progress.undo, progress.reset,
               progress.unsuspend, progress.export, progress.backup, progress.restore, flags.flags):
        app.command()(fn)
    app.command("import")(importing.import_cards)
    app.add_typer(progress.config_app, name="config")
    app.add_typer(demo.app, name="demo")
    app.add_typer(model.app, name="model")


_register()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
