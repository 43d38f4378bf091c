"""What a demo returns: its numbers as plain data, plus a description of what to draw.

A demo never touches Rich. It fills `data` (what `--json` prints and predict cards read) and lists
`sections`: tables, bar charts, coloured token spans, heat maps and notes that `render.py` draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Table:
    """Rows of cells under column headers; `highlight` rows are drawn bold."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    highlight: tuple[int, ...] = ()


@dataclass(frozen=True)
class Bars:
    """A horizontal bar chart: one bar per (label, value); `text` is printed after each bar."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    text: tuple[str, ...]
    scale: float = 0.0  # the value of a full-width bar; 0 means the largest value
    dim: tuple[bool, ...] = ()  # bars drawn dimmed (e.g. tokens a filter dropped)


@dataclass(frozen=True)
class Spans:
    """Pieces of text drawn in alternating colours (tokens), with an optional caption per piece."""

    title: str
    pieces: tuple[str, ...]
    caption: str = ""


@dataclass(frozen=True)
class Heatmap:
    """A matrix drawn as shaded cells (values in [0, 1]); masked cells (None) are drawn blank."""

    title: str
    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]


@dataclass(frozen=True)
class Note:
    """A line or two of plain text."""

    text: str


Section = Table | Bars | Spans | Heatmap | Note


@dataclass(frozen=True)
class DemoResult:
    """One run of a demo: two lines of explanation, the numbers, and what to draw."""

    name: str
    explanation: tuple[str, str]
    data: dict[str, Any]
    sections: tuple[Section, ...] = field(default=())
    # Paths in `data` whose values come from random draws (a sampled estimate, not a formula's result);
    # "*" stands for any list index. Predict cards call such a value "measured", never "exact".
    measured: tuple[str, ...] = ()

    def is_measured(self, path: str) -> bool:
        """Whether the value at `path` (or what holds it) was measured on random draws.

        Example:
            >>> DemoResult("x", ("", ""), {}, measured=("runs.*.samples",)).is_measured("runs.2.samples.0")
            True
        """
        parts = path.split(".")
        for pattern in self.measured:
            pat = pattern.split(".")
            if len(pat) <= len(parts) and all(p in ("*", q) for p, q in zip(pat, parts, strict=False)):
                return True
        return False

    def to_dict(self) -> dict[str, Any]:
        """The demo's name, explanation and numbers (no drawing instructions): what `--json` prints."""
        return {"demo": self.name, "explanation": list(self.explanation), **self.data}

    def value(self, path: str) -> Any:
        """The value at `path` in `data`: a key, or dotted keys and list indices (`rows.0.prob`).

        Raises KeyError when the path does not exist.
        """
        node: Any = self.data
        for part in path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list | tuple) and part.lstrip("-").isdigit() and -len(node) <= int(
                    part) < len(node):
                node = node[int(part)]
            else:
                raise KeyError(path)
        return node
