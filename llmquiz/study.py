"""The interactive study loop: ask, read, grade, explain, rate, save; repeat.

Terminal I/O lives here and in `terminal`; the decisions live in `scheduling`, `session`, `queue` and
`grading`. Every review is committed as soon as it is rated, so Ctrl-C, Ctrl-D or `/q` at any prompt
ends the session with everything answered so far saved. A card rated into a learning step comes back
later in the same session (see `queue`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rich.console import Console

from llmquiz import keyboard, render, scheduling
from llmquiz.card import Card, Deck
from llmquiz.errors import LlmquizError, StoreError
from llmquiz.grading import Grade, grade
from llmquiz.queue import StudyQueue
from llmquiz.review import Rating
from llmquiz.session import Session
from llmquiz.terminal import Terminal

MAX_ANSWER = 20_000  # characters graded; a pasted essay is cut here rather than stalling the grader

# The keys of the study loop: /x or /word. Answer prompt: ANSWER_KEYS; rating prompt: RATING_KEYS.
KEYS = {"h": "hint", "s": "skip", "d": "demo", "q": "quit", "e": "editor", "b": "bury", "x": "suspend",
        "f": "flag", "c": "card"}
ANSWER_KEYS = "hsdqebx"
REVEAL_KEYS = "sdqbx"
RATING_KEYS = "dqfcbx"
EDITOR_HEAD = ("# Write your answer below, save and close the editor to submit it.\n"
               "# Lines starting with # are left out; an empty answer submits nothing.\n")


@dataclass
class StudyOptions:
    """How a session runs."""

    mode: str = "free"  # free | flash


class _Quit(Exception):
    """The learner asked to stop."""


class _SetAside(Exception):
    """The card on screen was buried or suspended: no rating is recorded."""


@dataclass
class _Sitting:
    """What every step of one session needs."""

    con: Console
    term: Terminal
    session: Session
    queue: StudyQueue
    decks: dict[str, Deck] = field(default_factory=dict)


def run(con: Console, cards: list[Card], session: Session, options: StudyOptions,
        reasons: dict[str, str] | None = None, terminal: Terminal | None = None,
        decks: dict[str, Deck] | None = None, pool: Sequence[Card] | None = None) -> None:
    """Drill `cards` in order, plus the learning steps they earn, until done or the learner quits.

    `decks` (topic -> deck) lets the learner copy a card into their own deck (to keep an answer or fix
    the card); without it those offers are not made. `pool` is what the session was drawn from (by
    default `cards`): the summary counts the cards of it still due.
    """
    s = _Sitting(con, terminal or Terminal(con), session, StudyQueue(cards), dict(decks or {}))
    started = time.monotonic()
    try:
        with keyboard.tolerant_stdin():
            while (item := s.queue.next(session.clock())) is not None:
                card, back = item
                reason = "again: a learning step" if back else (reasons or {}).get(card.id, "")
                render.question(con, card, s.queue.shown, s.queue.total, reason)
                with contextlib.suppress(_SetAside):
                    if options.mode == "flash":
                        _flash(s, card)
                    else:
                        _free(s, card)
    except (_Quit, KeyboardInterrupt, EOFError):
        con.print()
    unsaved = session.flush()
    summary = session.finish(pool if pool is not None else cards)
    when = None
    if summary.next_due is not None:
        when = scheduling.humanize_delta(summary.next_due - session.clock())
        when = "in under a minute" if when == "now" else when
    render.summary(con, summary.to_dict(), time.monotonic() - started, when)
    if unsaved:
        render.notice(unsaved)
    elif summary.reviewed:
        render.plain(con, f"Progress saved to {session.store.path}", "dim")


def _command(text: str, allowed: str) -> str | None:
    t = text.strip().lower()
    if len(t) >= 2 and t[0] == "/":
        for key in allowed:
            if t[1:] in (key, KEYS[key]):
                return key
    return None


def _answer_command(line: str, first: bool) -> str | None:
    # On later lines of an answer only /e (taking the lines along) and /q act: "/s" there is text.
    return _command(line, ANSWER_KEYS if first else "eq")


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


def _free(s: _Sitting, card: Card) -> None:
    con = s.con
    render.legend(con, demo=card.demo is not None or card.predict is not None)
    _warm(card)
    hints = 0
    shown = time.monotonic()
    while True:
        entry = s.term.answer(_answer_command)
        cmd = entry.command
        if cmd in ("q", "s", "b", "x"):
            _leave(s, card, cmd)
        if cmd == "d":
            _demo(con, card, reveal=False)
            continue
        if cmd == "h":
            hints += 1
            render.hint(con, _hint(card, hints))
            continue
        answer = entry.text
        if cmd == "e":
            answer = _write_in_editor(s, entry.text)
            if not answer:
                continue
            render.plain(con, answer)
        if answer:
            break
        if s.term.confirm("No answer given. Reveal the model answer?"):
            seconds = time.monotonic() - shown
            render.model_answer(con, card, with_points=True)
            _rate_and_record(s, card, None, seconds=seconds)
            return
        render.plain(con, "Then type your answer (a blank line or Ctrl-D submits it).", "dim")
    seconds = time.monotonic() - shown
    answer = answer[:MAX_ANSWER]
    with s.term.hold(), con.status("Grading…", spinner="dots"):
        result = grade(card, answer)
    render.grade(con, card, result)
    suggested = scheduling.suggest_rating(result, len(card.key_points))
    if hints and suggested > Rating.HARD:
        suggested = Rating.HARD  # recalled with help is not a clean recall
    if result.unsure:
        render.judge_yourself(con, suggested.label)
    rating = _rate_and_record(s, card, None if result.unsure else suggested, answer=answer, result=result,
                              seconds=seconds)
    overruled = result.verdict.value != "correct" and rating >= Rating.GOOD
    deck = s.decks.get(card.topic)
    if overruled and deck is not None and answer and card.predict is None:
        _offer_accept(s, deck, card, answer)


def _leave(s: _Sitting, card: Card, cmd: str) -> None:
    """Quit, skip, bury or suspend: the card on screen gets no rating.

    A bury or suspend the store cannot take is reported and the card leaves this sitting only: like a
    failed save, it never ends the session.
    """
    if cmd == "q":
        raise _Quit
    if cmd == "s":
        s.session.skip()
        render.plain(s.con, "Skipped.", "dim")
        raise _SetAside
    s.queue.drop(card.id)
    try:
        if cmd == "b":
            until = s.session.bury(card)
            render.plain(s.con, f"Buried {card.id} until {until.astimezone():%a %H:%M}.", "dim")
        elif cmd == "x":
            s.session.suspend(card)
            render.plain(s.con, f"Suspended {card.id}: no session shows it until `llmquiz unsuspend {card.id}`.",
                         "dim")
    except StoreError as e:
        what = "buried" if cmd == "b" else "suspended"
        render.notice(f"{card.id} could not be {what}: {e.message} It is left out of this session only.")
    _saved_or_kept(s.session)
    raise _SetAside


def _write_in_editor(s: _Sitting, draft: str) -> str:
    from llmquiz import editor

    try:
        return editor.edit_text(EDITOR_HEAD + (draft + "\n" if draft else ""))
    except LlmquizError as e:
        render.plain(s.con, f"{e.message} Type your answer here instead.", "yellow")
        return ""


def _offer_accept(s: _Sitting, deck: Deck, card: Card, answer: str) -> None:
    """After the learner overrules a low grade, offer to keep their answer as an accepted one."""
    if not s.term.confirm("Add your answer to this card's accepted answers in your own deck?"):
        return
    from llmquiz import user_decks

    try:
        path = user_decks.add_accepted(deck, card, answer)
    except LlmquizError as e:  # the deck file cannot be read, or written (outfile says why)
        render.plain(s.con, e.message, "red")
        return
    render.plain(s.con, f"Saved to {path}; your copy of the card now overrides the shipped one.", "dim")


def _flash(s: _Sitting, card: Card) -> None:
    render.legend(s.con, demo=card.demo is not None, flash=True)
    shown = time.monotonic()
    while True:
        cmd = _command(s.term.ask(render.reveal_prompt()), REVEAL_KEYS)
        if cmd in ("q", "s", "b", "x"):
            _leave(s, card, cmd)
        if cmd == "d":
            _demo(s.con, card, reveal=False)
            continue
        break
    seconds = time.monotonic() - shown
    render.model_answer(s.con, card, with_points=True)
    _rate_and_record(s, card, None, seconds=seconds)


def _saved_or_kept(session: Session) -> None:
    """Tell the learner when a rating could not be saved yet: it is kept, and retried with the next one."""
    if session.store.notice:
        render.notice(session.store.notice)  # a damaged file was moved aside and a new one started
        session.store.notice = None
    if session.save_error:
        n = len(session.unsaved)
        render.notice(f"Not saved yet: {session.save_error} Your rating{'s' * (n != 1)} ({n}) "
                      f"{'are' if n != 1 else 'is'} kept and will be saved with your next answer or at the end.")


def _rate_and_record(s: _Sitting, card: Card, suggested: Rating | None, *, answer: str = "",
                     result: Grade | None = None, seconds: float = 0.0) -> Rating:
    """Ask for the rating (showing when each brings the card back), save it, queue a learning step."""
    rating, card = _rate(s, card, suggested, answer, result)
    review = s.session.record(card, rating, answer=answer, grade=result, seconds=seconds)
    _saved_or_kept(s.session)
    if scheduling.in_learning(review.state_after) and review.state_after is not None:
        s.queue.again(card, datetime.fromisoformat(review.state_after["due"]))
    return rating


def _rate(s: _Sitting, card: Card, suggested: Rating | None, answer: str,
          result: Grade | None) -> tuple[Rating, Card]:
    """The learner's rating, and the card as it stands (they may have edited it meanwhile)."""
    intervals = s.session.preview(card)
    render.rating_keys(s.con, [(r.label, scheduling.interval_label(intervals[r])) for r in Rating],
                       graded=result is not None, demo=card.demo is not None or card.predict is not None)
    allowed = RATING_KEYS if result is not None else RATING_KEYS.replace("f", "")
    while True:
        text = s.term.choose(render.rating_prompt(suggested.label if suggested else None))
        cmd = _command(text, allowed)
        if cmd in ("q", "b", "x"):
            _leave(s, card, cmd)
        if cmd == "d":
            _demo(s.con, card, reveal=True)
            continue
        if cmd == "f" and result is not None:
            _flag(s, card, answer, result)
            continue
        if cmd == "c":
            card = _edit_card(s, card)
            continue
        if not text.strip() and suggested is not None:
            return suggested, card
        rating = Rating.parse(text)
        if rating is not None:
            return rating, card
        render.plain(s.con, "Type 1, 2, 3 or 4 (or again / hard / good / easy).", "yellow")


def _flag(s: _Sitting, card: Card, answer: str, result: Grade) -> None:
    from llmquiz import flags

    note = s.term.ask("What is wrong with the grade? (one line; Enter to skip) ")
    try:
        flags.flag_grade(card, answer, result, note)
    except LlmquizError as e:
        render.plain(s.con, e.message, "red")
        return
    render.plain(s.con, "Flagged. `llmquiz flags` lists it for whoever fixes the card; now rate your answer.",
                 "dim")


def _edit_card(s: _Sitting, card: Card) -> Card:
    """Edit `card` into the learner's deck; the session goes on with the new version."""
    from llmquiz import user_decks

    deck = s.decks.get(card.topic)
    if deck is None:
        render.plain(s.con, "This session has no deck to save an edited card into.", "yellow")
        return card
    known = {c.id for d in s.decks.values() for c in d.cards}

    def again(problems: list[str]) -> bool:
        for line in problems:
            render.plain(s.con, line, "red")
        return s.term.confirm("Fix it in the editor?", default=True)

    try:
        new = user_decks.edit_card(deck, card, known, again)
    except LlmquizError as e:
        render.plain(s.con, e.message, "yellow")
        return card
    except OSError as e:
        render.plain(s.con, f"Could not write your deck: {e.strerror}.", "red")
        return card
    if new is None:
        render.plain(s.con, "Nothing was saved; the card is as it was.", "dim")
        return card
    s.queue.replace(new)
    s.decks[deck.topic] = _with_card(deck, new)
    render.plain(s.con, f"Saved to {new.source}, where it replaces the card; your progress on {new.id} is "
                 "kept. Now rate your answer.", "dim")
    return new


def _with_card(deck: Deck, card: Card) -> Deck:
    from dataclasses import replace

    return replace(deck, cards=tuple(card if c.id == card.id else c for c in deck.cards))


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
