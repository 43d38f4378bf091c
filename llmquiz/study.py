"""The interactive study loop: ask, read, grade, explain, rate, save; repeat.

Terminal I/O lives here; the decisions live in `scheduling`, `session` and `grading`. Every review
is committed as soon as it is rated, so Ctrl-C, Ctrl-D or `/q` at any prompt ends the session with
everything answered so far saved.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.text import Text

from llmquiz import keyboard, render, scheduling
from llmquiz.card import Card, Deck
from llmquiz.errors import LlmquizError
from llmquiz.grading import Grade, grade
from llmquiz.review import Rating
from llmquiz.session import Session

MAX_ANSWER = 20_000  # characters graded; a pasted essay is cut here rather than stalling the grader

Ask = Callable[[Text], str]


@dataclass
class StudyOptions:
    """How a session runs."""

    mode: str = "free"  # free | flash


class _Quit(Exception):
    """The learner asked to stop."""


def _ask(con: Console) -> Ask:
    # readline gives input() arrow keys, history and line editing; Windows without it still works.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401

    def ask(prompt: Text) -> str:
        # Bytes the terminal's encoding cannot decode come back as text, never as an exception.
        return keyboard.repair(con.input(prompt))

    return ask


def run(con: Console, cards: list[Card], session: Session, options: StudyOptions,
        reasons: dict[str, str] | None = None, ask: Ask | None = None,
        decks: dict[str, Deck] | None = None) -> None:
    """Drill `cards` in order until they run out or the learner quits; then print the summary.

    `decks` (topic -> deck) lets the learner copy a card into their own deck when they overrule
    the grader; without it that offer is not made.
    """
    ask = ask or _ask(con)
    started = time.monotonic()
    try:
        with keyboard.tolerant_stdin():
            for i, card in enumerate(cards, 1):
                render.question(con, card, i, len(cards), (reasons or {}).get(card.id, ""))
                if options.mode == "flash":
                    _flash(con, card, session, ask)
                else:
                    _free(con, card, session, ask, (decks or {}).get(card.topic))
    except (_Quit, KeyboardInterrupt, EOFError):
        con.print()
    unsaved = session.finish()
    when = None
    if session.summary.next_due is not None:
        when = scheduling.humanize_delta(session.summary.next_due - datetime.now(UTC))
    render.summary(con, session.summary.to_dict(), time.monotonic() - started, when)
    if unsaved:
        render.notice(unsaved)
    elif session.summary.reviewed:
        render.plain(con, f"Progress saved to {session.store.path}", "dim")


def _command(text: str) -> str | None:
    t = text.strip().lower()
    if len(t) >= 2 and t[0] == "/" and t[1:] in {"h", "hint", "s", "skip", "d", "demo", "q", "quit"}:
        return t[1]
    return None


def _warm(card: Card) -> None:
    """Load the encoder and embed the card's rubric while the learner types, so grading is instant."""
    if card.predict is not None:
        return

    def work() -> None:
        # Ctrl-C must reach the main thread, which sits in the answer prompt: a signal taken by this
        # thread (or by the BLAS threads it may start) would leave that prompt waiting.
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        # Best effort: any failure here resurfaces, properly reported, when the answer is graded.
        with contextlib.suppress(Exception):
            from llmquiz.grading import default_encoder, neighbours, profile, rubric

            profile.get(rubric.from_card(card), default_encoder())
            neighbours.library()  # the other cards an answer may fit better (built once per process)

    threading.Thread(target=work, name="llmquiz-warm", daemon=True).start()


def _free(con: Console, card: Card, session: Session, ask: Ask, deck: Deck | None) -> None:
    render.legend(con, demo=card.demo is not None or card.predict is not None)
    _warm(card)
    hints = 0
    shown = time.monotonic()
    while True:
        text = ask(render.answer_prompt())
        cmd = _command(text)
        if cmd == "q":
            raise _Quit
        if cmd == "s":
            session.skip()
            render.plain(con, "Skipped.", "dim")
            return
        if cmd == "d":
            _demo(con, card, reveal=False)
            continue
        if cmd == "h":
            hints += 1
            render.hint(con, _hint(card, hints))
            continue
        break
    seconds = time.monotonic() - shown
    answer = text.strip()[:MAX_ANSWER]
    with con.status("Grading…", spinner="dots"):
        result = grade(card, answer)
    render.grade(con, card, result)
    suggested = scheduling.suggest_rating(result, len(card.key_points))
    if hints and suggested > Rating.HARD:
        suggested = Rating.HARD  # recalled with help is not a clean recall
    if result.unsure:
        render.judge_yourself(con, suggested.label)
    rating = _rate(con, card, ask, None if result.unsure else suggested)
    session.record(card, rating, answer=answer, grade=result, seconds=seconds)
    _saved_or_kept(session)
    overruled = result.verdict.value != "correct" and rating >= Rating.GOOD
    if overruled and deck is not None and answer and card.predict is None:
        _offer_accept(con, ask, deck, card, answer)


def _offer_accept(con: Console, ask: Ask, deck: Deck, card: Card, answer: str) -> None:
    """After the learner overrules a low grade, offer to keep their answer as an accepted one."""
    reply = ask(render.accept_prompt())
    if reply.strip().lower() not in ("y", "yes"):
        return
    from llmquiz import user_decks

    try:
        path = user_decks.add_accepted(deck, card, answer)
    except OSError as e:
        render.plain(con, f"Could not write your deck: {e.strerror}.", "red")
        return
    render.plain(con, f"Saved to {path}; your copy of the card now overrides the shipped one.", "dim")


def _flash(con: Console, card: Card, session: Session, ask: Ask) -> None:
    render.legend(con, demo=card.demo is not None, flash=True)
    shown = time.monotonic()
    while True:
        cmd = _command(ask(render.reveal_prompt()))
        if cmd == "q":
            raise _Quit
        if cmd == "s":
            session.skip()
            return
        if cmd == "d":
            _demo(con, card, reveal=False)
            continue
        break
    seconds = time.monotonic() - shown
    render.model_answer(con, card, with_points=True)
    rating = _rate(con, card, ask, None)
    session.record(card, rating, seconds=seconds)
    _saved_or_kept(session)


def _saved_or_kept(session: Session) -> None:
    """Tell the learner when a rating could not be saved yet: it is kept, and retried with the next one."""
    if session.store.notice:
        render.notice(session.store.notice)  # a damaged file was moved aside and a new one started
        session.store.notice = None
    if session.save_error:
        n = len(session.unsaved)
        render.notice(f"Not saved yet: {session.save_error} Your rating{'s' * (n != 1)} ({n}) "
                      f"{'are' if n != 1 else 'is'} kept and will be saved with your next answer or at the end.")


def _rate(con: Console, card: Card, ask: Ask, suggested: Rating | None) -> Rating:
    while True:
        text = ask(render.rating_prompt(suggested.label if suggested else None))
        cmd = _command(text)
        if cmd == "q":
            raise _Quit
        if cmd == "d":
            _demo(con, card, reveal=True)
            continue
        if not text.strip() and suggested is not None:
            return suggested
        rating = Rating.parse(text)
        if rating is not None:
            return rating
        render.plain(con, "Type 1, 2, 3 or 4 (or again / hard / good / easy).", "yellow")


def _hint(card: Card, n: int) -> str:
    if card.predict is not None:
        return "Run the demo with /d to see how the number is computed — after you have guessed."
    points = card.key_points
    if not points:
        return "No hints for this card."
    if n == 1:
        return f"A complete answer makes {len(points)} point{'s' * (len(points) != 1)}."
    k = points[min(n - 2, len(points) - 1)]
    words = k.point.split()
    shown = " ".join(w if i < max(2, len(words) // 3) else "_" * min(len(w), 6) for i, w in enumerate(words))
    return shown


def _demo(con: Console, card: Card, *, reveal: bool) -> None:
    ref = card.demo
    if ref is None and card.predict is not None and reveal:
        from llmquiz.card import DemoRef

        ref = DemoRef(card.predict.demo, dict(card.predict.args))
    if ref is None:
        render.plain(con, "This card has no demo." if card.predict is None else
                     "Answer first: the demo would give this card's answer away.", "dim")
        return
    try:
        from llmquiz import demos

        result = demos.run(ref.name, ref.args)  # type: ignore[attr-defined]
        demos.render(result, con)  # type: ignore[attr-defined]
    except LlmquizError as e:
        render.plain(con, f"The demo could not run: {e.message}", "red")
    except AttributeError:
        render.plain(con, f"The '{ref.name}' demo is not available in this version.", "dim")


def grade_once(card: Card, answer: str, *, encoder: Any = None) -> Grade:
    """Grade one answer with the same limits the study loop applies."""
    return grade(card, keyboard.repair(answer).strip()[:MAX_ANSWER], encoder=encoder)
