"""Rich rendering: turns llmquiz's data (cards, grades, summaries, tables) into terminal output.

Nothing here decides anything; each function takes data and a console. `NO_COLOR` is honoured by
Rich itself, and every mark also carries a word or symbol so nothing depends on colour alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from llmquiz.card import Card
from llmquiz.grading import Grade

VERDICT_STYLE = {"correct": "bold green", "partial": "bold yellow", "wrong": "bold red"}
VERDICT_MARK = {"correct": "✓", "partial": "~", "wrong": "✗"}


def console(*, stderr: bool = False) -> Console:
    """A console for llmquiz output; colour off with NO_COLOR or when not a terminal."""
    return Console(stderr=stderr, highlight=False, soft_wrap=False,
                   no_color=bool(os.environ.get("NO_COLOR")) or None)


def error(message: str, details: Sequence[str] = ()) -> None:
    """Print a user-facing error as one line (plus detail lines) on stderr."""
    err = console(stderr=True)
    err.print(Text("Error: ", style="bold red") + Text(message))
    for line in details:
        err.print(Text(line), soft_wrap=True)


def notice(message: str) -> None:
    """A one-line warning on stderr."""
    console(stderr=True).print(Text("Note: ", style="bold yellow") + Text(message), soft_wrap=True)


def problems(con: Console, lines: Sequence[str], checked: int) -> None:
    """The result of `llmquiz decks validate`."""
    for line in lines:
        con.print(Text(line), soft_wrap=True)
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
        table.add_row(r["topic"], r["title"], str(r["cards"]), str(r["due"] or "-"), str(r["seen"] or "-"))
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
    con.print(Panel(Text(card.question, style="bold"), title=f"Card {index}/{total}",
                     subtitle=subtitle, title_align="left", subtitle_align="right", expand=True))


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
    con.print(Text("Hint: ", style="bold magenta") + Text(text))


def grade(con: Console, card: Card, g: Grade, *, show_answer: bool = True) -> None:
    """The verdict, the rubric (found / missed), any misconception, and the model answer."""
    verdict = g.verdict.value
    head = Text(f"{VERDICT_MARK[verdict]} {verdict.upper()}  {g.score}/5", style=VERDICT_STYLE[verdict])
    if g.unsure:
        head.append("  (the grader is unsure)", style="italic yellow")
    body: list[Any] = [head, Text(g.feedback)]
    if g.found or g.missed:
        body.append(Text(""))
    if g.found or g.missed:
        # A grid keeps a wrapped point indented under its own text, not under the mark.
        points = Table.grid(padding=(0, 1))
        points.add_column(width=3, justify="right")
        points.add_column()
        for point in g.found:
            points.add_row(Text("✓", style="green"), Text(point))
        for point in g.missed:
            points.add_row(Text("✗", style="red"), Text(point))
        body.append(points)
    if g.misconception is not None:
        body += [Text(""), Text("Misconception: ", style="bold red") + Text(g.misconception.claim),
                 Text("Correction: ", style="bold green") + Text(g.misconception.correction)]
    con.print(Panel(Group(*body), title="Grade", title_align="left", border_style=VERDICT_STYLE[verdict]))
    if show_answer:
        model_answer(con, card)


def model_answer(con: Console, card: Card, *, with_points: bool = False) -> None:
    """The card's model answer (and, for flash cards, its key points)."""
    body: list[Any] = [Text(card.answer)]
    if with_points and card.key_points:
        body.append(Text(""))
        points = Table.grid(padding=(0, 1))
        points.add_column(width=3, justify="right")
        points.add_column()
        for k in card.key_points:
            points.add_row("•", Text(k.point))
        body.append(points)
    if card.see_also:
        body += [Text(""), Text("See also: " + ", ".join(card.see_also), style="dim")]
    con.print(Panel(Group(*body), title="Model answer", title_align="left", border_style="blue"))


def judge_yourself(con: Console, leaning: str) -> None:
    """Shown when the grader is unsure: the learner rates, with the grader's leaning as a hint."""
    con.print(Text(f"The grader is unsure here, so judge your answer yourself (it leans to {leaning}).",
                   style="yellow"))


def rating_prompt(suggested: str | None) -> str:
    """The prompt text for choosing a rating."""
    if suggested:
        return f"Rating [bold]{suggested}[/] (Enter accepts, or 1-4): "
    return "Your rating (1-4): "


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
        lines += [Text(f"  {count}× ") + Text(point) for point, count in s["most_missed"][:3]]
    due = s.get("due_now", 0)
    if due:
        lines.append(Text(f"Still due now: {due} card{'s' * (due != 1)} (`llmquiz study` goes on with "
                          f"{'them' if due != 1 else 'it'})", style="bold yellow"))
    if when_next:
        lines.append(Text(f"Next review{' after those' if due else ''}: {when_next}", style="dim"))
    con.print(Panel(Group(*lines), title="Session", title_align="left"))


def plain(con: Console, text: str, style: str = "") -> None:
    """A line of text with no markup interpretation."""
    con.print(Text(text, style=style), soft_wrap=True)


def deck_stats(con: Console, data: dict[str, Any]) -> None:
    """`llmquiz decks stats`: per-topic counts, then cards missing optional fields."""
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    cols = [("topic", "topic"), ("cards", "cards"), ("demo", "with_demo"), ("predict", "predict"),
            ("accept", "with_accept"), ("reject", "with_reject"), ("misconc.", "with_misconceptions")]
    for title, _ in cols:
        table.add_column(title, justify="left" if title == "topic" else "right",
                         style="cyan" if title == "topic" else None)
    for t in data["topics"]:
        table.add_row(*(str(t[key]) for _, key in cols))
    table.add_section()
    table.add_row("all", *(str(data["totals"][key]) for _, key in cols[1:]), style="bold")
    con.print(table)
    missing = data["missing"]
    if missing:
        con.print(Text(f"\n{len(missing)} card{'s' * (len(missing) != 1)} missing optional fields:", style="bold"))
        for m in missing[:30]:
            con.print(Text(f"  {m['card']}", style="cyan") + Text(f"  {', '.join(m['missing'])}  ({m['source']})",
                                                                   style="dim"))
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
        table.add_row(t["topic"], f"{t['seen']}/{t['cards']}", _pct(t["mean_retrievability"]),
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
            con.print(Text(f"  {m['times']}× ") + Text(m["point"]) + Text(f"  ({m['card']})", style="dim"))
    if data["leeches"]:
        con.print(Text("\nLeeches (failed 4+ times): rewrite them in your words or study the demo", style="bold red"))
        for leech in data["leeches"]:
            question = cards[leech["card"]].question if leech["card"] in cards else ""
            con.print(Text(f"  {leech['card']}", style="cyan") + Text(f"  {leech['lapses']} lapses  ") +
                      Text(question, style="dim"))
            for a in leech["last_answers"]:
                con.print(Text(f"      {a['at'][:10]} {a['verdict'] or '-':8} ") + Text(a["answer"][:80] or "(empty)"))


def history(con: Console, card: Card, reviews: Sequence[Any], state: dict[str, Any] | None) -> None:
    """`llmquiz history CARD`: each past answer with its grade and rating."""
    con.print(Text(card.question, style="bold"))
    if not reviews:
        con.print(Text("No reviews of this card yet.", style="dim"))
        return
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for title in ("when", "verdict", "score", "rating", "secs", "answer"):
        table.add_column(title, overflow="fold")
    for r in reviews:
        table.add_row(f"{r.reviewed_at.astimezone():%Y-%m-%d %H:%M}", r.verdict or "-",
                      "-" if r.score is None else str(r.score), r.rating.label, f"{r.seconds:.0f}",
                      Text(r.answer or "(empty)"))
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
        table.add_row(key, shown or '""', help_text.get(key, ""))
    con.print(table)
    con.print(Text(f"File: {path}", style="dim"))


def flags(con: Console, data: dict[str, Any]) -> None:
    """`llmquiz flags`: each flagged grade with the card's source, the answer and the note."""
    rows = data["flags"]
    if not rows:
        con.print(Text("No flagged grades. Press /f at the rating prompt to flag one.", style="dim"))
    for f in rows:
        g = f["grade"]
        head = Text(f["card"], style="bold cyan") + Text(f"  {f['source']}", style="dim")
        con.print(head)
        con.print(Text(f"  {f['flagged_at'][:16].replace('T', ' ')} UTC  graded "
                       f"{g.get('verdict', '?')} {g.get('score', '?')}/5"))
        for mark, key in (("✓", "found"), ("✗", "missed")):
            points = [p if isinstance(p, str) else str(p.get("point", p)) for p in g.get(key) or []]
            if points:
                con.print(Text(f"  {mark} {key}: ") + Text("; ".join(points)), soft_wrap=True)
        if f["note"]:
            con.print(Text("  note: ", style="bold") + Text(f["note"]))
        con.print(Text("  answer: ", style="bold") + Text(f["answer"] or "(empty)"), soft_wrap=True)
    if data["unreadable"]:
        con.print(Text(f"{data['unreadable']} unreadable line{'s' * (data['unreadable'] != 1)} in "
                       f"{data['path']} skipped.", style="yellow"))
    elif rows:
        con.print(Text(f"{len(rows)} flag{'s' * (len(rows) != 1)} in {data['path']}", style="dim"))


def holds(con: Console, rows: Sequence[dict[str, Any]]) -> None:
    """`llmquiz unsuspend` with no card: the suspended and buried cards."""
    if not rows:
        con.print(Text("No card is suspended or buried.", style="dim"))
        return
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for title in ("card", "held", "until"):
        table.add_column(title, style="cyan" if title == "card" else None, overflow="fold")
    for r in rows:
        table.add_row(r["card"], r["kind"], r["until"] or "you unsuspend it")
    con.print(table)
