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

    It interprets no markup or emoji codes in strings, and shows control characters as escapes.
    """
    con = _Console(stderr=stderr, highlight=False, soft_wrap=False, markup=False, emoji=False,
                   no_color=bool(os.environ.get("NO_COLOR")) or None)
    con.push_render_hook(_VisibleHook())  # type: ignore[arg-type]
    return con


def error(message: str, details: Sequence[str] = ()) -> None:
    """Print a user-facing error as one line (plus detail lines) on stderr."""
    err = console(stderr=True)
    err.print(Text("Error: ", style="bold red") + safe_text(message))
    for line in details:
        err.print(safe_text(line), soft_wrap=True)


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
    con.print(table)


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
    """The one-line key legend under a question."""
    parts = ["Enter reveals" if flash else "type your answer, Enter submits"]
    if not flash:
        parts += ["/h hint"]
    if demo:
        parts.append("/d demo")
    parts += ["/s skip", "/q quit"]
    con.print(Text(" · ".join(parts), style="dim"))


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
        for point in g.found:
            points.add_row(Text("✓", style="green"), safe_text(point))
        for point in g.missed:
            points.add_row(Text("✗", style="red"), safe_text(point))
        body.append(points)
    if g.misconception is not None:
        body += [Text(""), Text("Misconception: ", style="bold red") + safe_text(g.misconception.claim),
                 Text("Correction: ", style="bold green") + safe_text(g.misconception.correction)]
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
    """The prompt for choosing a rating."""
    choices = "1 again · 2 hard · 3 good · 4 easy"
    if suggested:
        return Text.assemble("Rating ", (suggested, "bold"), f" (Enter accepts, or {choices}): ")
    return Text(f"Your rating ({choices}): ")


def answer_prompt() -> Text:
    """The prompt the learner types an answer at."""
    return Text.assemble(("›", "bold cyan"), " ")


def reveal_prompt() -> Text:
    """The flash-card prompt before the answer is shown."""
    return Text.assemble(("(Enter to reveal)", "dim"), " ")


def accept_prompt() -> Text:
    """The offer to keep an overruled answer in the learner's own deck."""
    return Text("Add your answer to this card's accepted answers in your own deck? [y/N] ")


def summary(con: Console, s: dict[str, Any], elapsed: float, when_next: str | None) -> None:
    """The end-of-session summary."""
    lines = [Text(f"Cards done: {s['reviewed']}" + (f" (skipped {s['skipped']})" if s["skipped"] else ""),
                  style="bold")]
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
    if when_next:
        lines.append(Text(f"Next review: {when_next}", style="dim"))
    con.print(Panel(Group(*lines), title="Session", title_align="left"))


def plain(con: Console, text: str, style: str = "") -> None:
    """A line of text with no markup interpretation."""
    con.print(safe_text(text, style=style), soft_wrap=True)


def deck_stats(con: Console, data: dict[str, Any]) -> None:
    """`llmquiz decks stats`: per-topic counts, then cards missing optional fields."""
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    cols = [("topic", "topic"), ("cards", "cards"), ("demo", "with_demo"), ("predict", "predict"),
            ("accept", "with_accept"), ("reject", "with_reject"), ("misconc.", "with_misconceptions")]
    for title, _ in cols:
        table.add_column(title, justify="left" if title == "topic" else "right",
                         style="cyan" if title == "topic" else None)
    for t in data["topics"]:
        table.add_row(*(safe_text(str(t[key])) for _, key in cols))
    table.add_section()
    table.add_row("all", *(str(data["totals"][key]) for _, key in cols[1:]), style="bold")
    con.print(table)
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


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _bars(con: Console, title: str, rows: Sequence[tuple[str, int]], style: str) -> None:
    peak = max((n for _, n in rows), default=0) or 1
    width = 40
    con.print(Text(title, style="bold"))
    for label, n in rows:
        bar = "█" * round(width * n / peak) if n else ""
        con.print(Text(f"  {label}  ") + Text(bar, style=style) + Text(f" {n}" if n else " ·", style="dim"))


def stats(con: Console, data: dict[str, Any], cards: dict[str, Card]) -> None:
    """`llmquiz stats`: the topic table, streak, daily chart, forecast, weak points and leeches."""
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for title in ("topic", "seen", "recall now", "acc. 7d", "acc. 30d", "reviews 30d"):
        table.add_column(title, justify="left" if title == "topic" else "right",
                         style="cyan" if title == "topic" else None)
    for t in data["topics"]:
        table.add_row(safe_text(t["topic"]), f"{t['seen']}/{t['cards']}", _pct(t["mean_retrievability"]),
                      _pct(t["accuracy_7d"]), _pct(t["accuracy_30d"]), str(t["reviews_30d"]))
    con.print(table)
    con.print(Text(f"\nReviews: {data['reviews']}   Streak: {data['streak']} day{'s' * (data['streak'] != 1)}",
                   style="bold"))
    con.print()
    per_day = data["per_day"]
    _bars(con, f"Reviews per day (last {len(per_day)} days)",
          [(d["day"][5:], d["reviews"]) for d in per_day[-14:]], "green")
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
    con.print(table)
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
    con.print(table)
    con.print(safe_text(f"File: {path}", style="dim"))
