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
from llmquiz.tables import fit

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
    text_width = max((len(x) for x in section.text), default=0)
    # The bar takes what the label and its figures leave, so the figures are never pushed off the edge.
    width = max(4, min(40, console.width - label_width - text_width - 4))
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


def _heatmap(section: Heatmap, console: Console) -> list[RichTable]:
    """The heat map as tables of as many columns as the width holds: a wide matrix wraps into blocks."""
    label_width = max((len(visible(x[:12])) for x in section.row_labels), default=0)
    per_block = max(1, (console.width - label_width) // 5)  # each cell is 4 characters and a space
    blocks = []
    for start in range(0, max(1, len(section.col_labels)), per_block):
        cols = range(start, min(start + per_block, len(section.col_labels)))
        table = RichTable(show_edge=False, box=None, pad_edge=False, header_style="bold cyan", padding=(0, 0))
        table.add_column("", justify="right", no_wrap=True)
        for c in cols:
            table.add_column(safe_text(section.col_labels[c][:4]), justify="right", no_wrap=True, min_width=5)
        for label, row in zip(section.row_labels, section.values, strict=True):
            cells = [Text("    ·", style="grey50") if row[c] is None else
                     Text(" " + f"{row[c]:.2f}".lstrip("0").rjust(4), style=_shade(row[c])) for c in cols]
            table.add_row(safe_text(label[:12]), *cells)
        blocks.append(table)
    return blocks


def render_section(section: Section, console: Console) -> None:
    """Draw one section: its title on a line of its own (never wrapped to the table's width), then it."""
    if not isinstance(section, Note | Spans):
        console.print(safe_text(section.title, style="bold"))
    if isinstance(section, Table):
        console.print(fit(console, _table(section)))
    elif isinstance(section, Bars):
        console.print(fit(console, _bars(section, console)))
    elif isinstance(section, Spans):
        console.print(_spans(section, console))
    elif isinstance(section, Heatmap):
        for block in _heatmap(section, console):
            console.print(block)
    elif isinstance(section, Note):
        console.print(safe_text(section.text, style="dim"))


def render_result(result: DemoResult, console: Console) -> None:
    """Draw the explanation, then every section separated by a blank line."""
    console.print(safe_text(result.explanation[0], style="bold"))
    console.print(safe_text(result.explanation[1]))
    for section in result.sections:
        console.print()
        render_section(section, console)
