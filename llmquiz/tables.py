"""Tables that fit the terminal without cutting a word or a number: wrapped where they can, stacked where not.

Rich shrinks a table that is too wide by cropping columns, so "1024" can show as "10" with no mark.
`fit` lays a table out itself: every column gets at least its longest word (a column marked
`no_wrap` gets its widest cell, so a number is never split; a header may fold down to its cells'
width), prose columns share what is left. A table whose columns cannot all fit
wraps into several narrower tables that repeat the row labels, and one that cannot even do that is
printed as one block per row ("header: value" lines).
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text


def _pads(table: Table) -> list[int]:
    # Mirrors how Rich pads cells: (left, right) per column, no outer padding when pad_edge is off.
    _, right, _, left = table.padding
    n = len(table.columns)
    pads = []
    for i in range(n):
        pad_left, pad_right = left, right
        if table.collapse_padding and i > 0:
            pad_left = max(0, pad_left - right)
        if not table.pad_edge:
            pad_left = 0 if i == 0 else pad_left
            pad_right = 0 if i == n - 1 else pad_right
        pads.append(pad_left + pad_right)
    return pads


def _extra(table: Table) -> int:
    # Border characters: the outer edges (when shown) and one separator between columns.
    if table.box is None:
        return 0
    return (2 if table.show_edge else 0) + max(0, len(table.columns) - 1)


# A cell that reads as a figure: "4,096", "-0.13", "$0.0001", "12%", "0/15", "4.00 GiB", or "-" for none.
_FIGURE = re.compile(r"^(?:[-+−$~]?(?:\d|\.\d|∞)|-$)")
PROSE_FOLD = 10  # a prose word longer than this may fold; a word holding a digit never does


def _text(console: Console, cell: RenderableType) -> Text:
    if isinstance(cell, Text):
        return cell
    if isinstance(cell, str):
        return console.render_str(cell)
    return Text(str(cell))


def _needs(console: Console, table: Table) -> tuple[list[int], list[int], list[int]]:
    """Each column's least width (longest word, or widest cell if no_wrap), the width at which its header
    need not fold, and its natural width; padding included."""
    options = console.options
    lows, heads, highs = [], [], []
    for column, pad in zip(table.columns, _pads(table), strict=True):
        low = high = 0
        for cell in column.cells:
            text = _text(console, cell)
            m = Measurement.get(console, options, text)
            if column.no_wrap:
                low = max(low, m.maximum)  # a no_wrap cell (a figure, a label) is never split
            else:
                figures = max((len(w) for w in text.plain.split() if any(c.isdigit() for c in w)), default=0)
                low = max(low, min(m.minimum, PROSE_FOLD), figures)
            high = max(high, m.maximum)
        head = low
        if table.show_header:
            # A long header word may fold down to the width of the column's cells (4 at least): a
            # folded "renormalised" still reads, and it keeps a narrow table a table.
            m = Measurement.get(console, options, _text(console, column.header))
            low = max(low, min(m.minimum, max(low, 4)))
            head = max(low, m.minimum)
            high = max(high, m.maximum)
        lows.append(low + pad)
        heads.append(head + pad)
        highs.append(max(high, head) + pad)
    return lows, heads, highs


def fits(console: Console, table: Table, width: int | None = None, *, fold_headers: bool = True) -> bool:
    """Whether `table` can be laid out in `width` columns without splitting a word or a number
    (nor a header word, unless `fold_headers`)."""
    lows, heads, _ = _needs(console, table)
    return sum(lows if fold_headers else heads) + _extra(table) <= (width or console.width)


def fit(console: Console, table: Table, width: int | None = None) -> RenderableType:
    """`table` laid out for `width` (default: the console's) so no cell is cut; or its rows stacked.

    Example:
        >>> console.print(fit(console, table))   # a 6-column table on a 60-column terminal
    """
    width = width or console.width
    lows, heads, highs = _needs(console, table)
    room = width - _extra(table)
    if sum(highs) <= room:
        return table
    if sum(lows) > room:
        # A grid of figures reads best wrapped into narrower grids; rows of prose read best as records.
        grid = all(_figures(console, c) for c in table.columns[1:])
        blocks = _column_blocks(console, table, width) if grid else []
        return Group(*blocks) if blocks else stacked(console, table)
    widths = list(lows)
    spare = room - sum(lows)
    # Unfold headers first, then give what is left to the columns that want more, widest wish first.
    for target in (heads, highs):
        while spare > 0:
            wants = [t - w for w, t in zip(widths, target, strict=True)]
            best = max(range(len(wants)), key=lambda i: wants[i])
            if wants[best] <= 0:
                break
            widths[best] += 1
            spare -= 1
    pads = _pads(table)
    for column, w, pad in zip(table.columns, widths, pads, strict=True):
        column.width = max(1, w - pad)
        column.no_wrap = False
        column.overflow = "fold"
    return table


def _figures(console: Console, column: Any) -> bool:
    """Whether every filled cell of `column` reads as a figure."""
    cells = [_text(console, c).plain.strip() for c in column.cells]
    return any(cells) and all(_FIGURE.match(c) for c in cells if c)


def _column_blocks(console: Console, table: Table, width: int) -> list[RenderableType]:
    """A table too wide for `width` as several narrower ones, each repeating the row labels; [] if even
    the labels and one column do not fit."""
    groups: list[list[int]] = []
    current = [0]
    for i in range(1, len(table.columns)):
        # Blocks are cut where headers still fit unfolded: a block is never short of room.
        if fits(console, _subtable(table, [*current, i]), width, fold_headers=False) or len(current) == 1:
            current.append(i)
        else:
            groups.append(current)
            current = [0, i]
        if not fits(console, _subtable(table, current), width):
            return []
    groups.append(current)
    if len(groups) < 2:
        return []
    out: list[RenderableType] = []
    for k, group in enumerate(groups):
        if k:
            out.append(Text(""))
        out.append(fit(console, _subtable(table, group), width))
    return out


def _subtable(table: Table, indices: list[int]) -> Table:
    """A copy of `table` with only the columns at `indices`."""
    sub = Table(box=table.box, show_header=table.show_header, show_edge=table.show_edge, pad_edge=table.pad_edge,
                padding=table.padding, collapse_padding=table.collapse_padding, header_style=table.header_style,
                show_lines=table.show_lines, highlight=table.highlight)
    columns = [table.columns[i] for i in indices]
    for c in columns:
        sub.add_column(c.header, justify=c.justify, style=c.style, header_style=c.header_style, no_wrap=c.no_wrap,
                       overflow=c.overflow, min_width=c.min_width, max_width=c.max_width)
    cells = [list(c.cells) for c in columns]
    for r, row in enumerate(table.rows):
        sub.add_row(*(col[r] for col in cells), style=row.style, end_section=row.end_section)
    return sub


def stacked(console: Console, table: Table) -> RenderableType:
    """The table as one block per row: the row's first cell, then an indented "header: value" line per cell.

    When even a label and a value cannot share a line, each value goes on its own line under its label.
    """
    columns = table.columns
    headers = [f"  {_text(console, c.header).plain or f'column {n + 1}'}:" for n, c in enumerate(columns)]
    cells = [[_text(console, cell) for cell in c.cells] for c in columns]
    label_width = max((len(h) for h in headers[1:]), default=0)
    value_width = max((Measurement.get(console, console.options, cell).maximum if c.no_wrap else
                       Measurement.get(console, console.options, cell).minimum
                       for c, col in zip(columns[1:], cells[1:], strict=True) for cell in col), default=0)
    side_by_side = label_width + 1 + value_width <= console.width
    blocks: list[RenderableType] = []
    for r in range(len(cells[0]) if cells else 0):
        first = cells[0][r].copy() if cells[0][r].plain else Text(f"row {r + 1}")
        first.stylize("bold")
        blocks.append(first)
        # A grid keeps a wrapped value indented under itself, clear of the labels.
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for c in range(1, len(columns)):
            value = cells[c][r]
            if not value.plain.strip():
                continue
            if side_by_side:
                grid.add_row(Text(headers[c], style="dim"), value)
            else:
                blocks += [Text(headers[c], style="dim"), Text("    ") + value]
        if side_by_side:
            blocks.append(grid)
    return Group(*blocks)
