"""Draw a DemoResult with Rich: the two-line explanation, then each section (table, bars, spans, heat map).

A demo's strings can come from a deck (a card's `demo: args`) or the command line, so every one is
drawn as a `Text` with control characters made visible (`render.visible`): never as Rich markup, which
a str cell, header or label would otherwise be.
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from llmquiz.demos.result import Bars, DemoResult, Heatmap, Note, Section, Spans, Table
from llmquiz.render import safe_text, visible

# Background colours for alternating token spans: distinct, readable with black text.
_SPAN_STYLES = ("black on #ffd7af", "black on #afd7ff", "black on #d7ffaf", "black on #ffafd7",
                "black on #d7d7ff", "black on #afffd7")
_EIGHTHS = " ▏▎▍▌▋▊▉"
# Cells that read as numbers ("+0.13", "$0.0001", "4.00 GiB", "12%", "−∞") are right-aligned.
_NUMERIC = re.compile(r"^[-+−$]?(\d|\.\d|∞)")


def bar(fraction: float, width: int) -> str:
    """A bar `fraction` (0-1) of `width` cells long, drawn with eighth-block precision."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[part] if part else "")).ljust(width)


def _table(section: Table) -> RichTable:
    table = RichTable(header_style="bold cyan", show_edge=False, pad_edge=False)
    for n, column in enumerate(section.columns):
        cells = [row[n] for row in section.rows if n < len(row) and row[n]]
        numeric = n > 0 and all(_NUMERIC.match(c) for c in cells)
        # Numbers and row labels never wrap (a number split over two lines misreads); prose columns may.
        table.add_column(safe_text(column), justify="right" if numeric else "left", overflow="fold",
                         no_wrap=numeric or n == 0)
    for n, row in enumerate(section.rows):
        table.add_row(*(safe_text(cell) for cell in row), style="bold" if n in section.highlight else None)
    return table


def _bars(section: Bars, console: Console) -> RichTable:
    scale = section.scale or max((abs(v) for v in section.values), default=1.0) or 1.0
    label_width = max((len(x) for x in section.labels), default=1)
    width = max(10, min(40, console.width - label_width - 24))
    table = RichTable(show_header=False, show_edge=False, box=None, pad_edge=False)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    for n, (label, value) in enumerate(zip(section.labels, section.values, strict=True)):
        dim = n < len(section.dim) and section.dim[n]
        table.add_row(safe_text(label), Text(bar(abs(value) / scale, width), style="grey50" if dim else "green"),
                      safe_text(section.text[n] if n < len(section.text) else ""))
    return table


def _spans(section: Spans, console: Console) -> Text:
    text = Text()
    text.append(visible(section.title) + "\n", style="bold")
    # Without colour (NO_COLOR, a pipe) the boundaries would vanish, so a bar marks each one instead.
    plain = console.no_color or console.color_system is None
    for n, piece in enumerate(section.pieces):
        if plain:
            text.append(("|" if n else "") + visible(piece))
        else:
            text.append(visible(piece), style=_SPAN_STYLES[n % len(_SPAN_STYLES)])
    if section.caption:
        text.append("\n" + visible(section.caption), style="dim")
    return text


def _shade(value: float) -> str:
    # White → deep blue; the text flips to white on dark cells so numbers stay readable.
    v = min(max(value, 0.0), 1.0)
    red = green = int(255 - 200 * v)
    fg = "white" if v > 0.5 else "black"
    return f"{fg} on rgb({red},{green},255)"


def _heatmap(section: Heatmap) -> RichTable:
    table = RichTable(show_edge=False, box=None, pad_edge=False, header_style="bold cyan", padding=(0, 0))
    table.add_column("", justify="right", no_wrap=True)
    for label in section.col_labels:
        # Four characters and a space between columns.
        table.add_column(safe_text(label[:4]), justify="right", no_wrap=True, min_width=5)
    for label, row in zip(section.row_labels, section.values, strict=True):
        cells = [Text("    ·", style="grey50") if v is None else Text(" " + f"{v:.2f}".lstrip("0").rjust(4),
                                                                        style=_shade(v)) for v in row]
        table.add_row(safe_text(label[:12]), *cells)
    return table


def render_section(section: Section, console: Console) -> None:
    """Draw one section: its title on a line of its own (never wrapped to the table's width), then it."""
    if not isinstance(section, Note | Spans):
        console.print(safe_text(section.title, style="bold"))
    if isinstance(section, Table):
        console.print(_table(section))
    elif isinstance(section, Bars):
        console.print(_bars(section, console))
    elif isinstance(section, Spans):
        console.print(_spans(section, console))
    elif isinstance(section, Heatmap):
        console.print(_heatmap(section))
    elif isinstance(section, Note):
        console.print(safe_text(section.text, style="dim"))


def render_result(result: DemoResult, console: Console) -> None:
    """Draw the explanation, then every section separated by a blank line."""
    console.print(safe_text(result.explanation[0], style="bold"))
    console.print(safe_text(result.explanation[1]))
    for section in result.sections:
        console.print()
        render_section(section, console)
