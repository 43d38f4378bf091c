"""Anki fields are HTML; llmquiz cards are plain text. This turns one into the other, safely.

The standard library's HTML parser reads the markup as data: nothing is fetched, run or expanded
beyond character references. Script and style bodies are dropped, block tags become line breaks,
images and sound become nothing (llmquiz shows text only), and control characters are removed so a
field cannot drive the terminal.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tags after which the text continues on a new line.
_BLOCK = {"br", "div", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "hr",
          "blockquote", "pre"}
_HIDDEN = {"script", "style", "head", "title", "template"}
_SOUND = re.compile(r"\[sound:[^\]]*\]")
_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::(.*?))?\}\}", re.S)
# Terminal escape sequences whole (CSI such as "ESC[2J", OSC such as a window title), then any other
# C0 or C1 control except tab and newline, and the bidirectional overrides that can hide text.
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|[\x1b\x9d]\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(data)


def to_text(html: str) -> str:
    """Plain text of an HTML field: tags gone, entities decoded, lines and spaces tidied.

    Example:
        >>> to_text("<b>Paris</b>&nbsp;is the capital.<br>On the <i>Seine</i>.[sound:a.mp3]")
        'Paris is the capital.\\nOn the Seine.'
    """
    parser = _Text()
    parser.feed(_SOUND.sub("", html))
    parser.close()
    text = _CONTROL.sub("", _ESCAPE.sub("", "".join(parser.out)).replace("\xa0", " "))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def has_cloze(text: str) -> bool:
    """True when a field holds Anki cloze deletions (`{{c1::answer}}`)."""
    return _CLOZE.search(text) is not None


def cloze(text: str, *, reveal: bool) -> str:
    """A cloze field as a question (each deletion shown as its hint or `[...]`) or with every deletion revealed.

    Example:
        >>> cloze("{{c1::Paris}} is on the {{c2::Seine::river}}.", reveal=False)
        '[...] is on the [river].'
        >>> cloze("{{c1::Paris}} is on the {{c2::Seine::river}}.", reveal=True)
        'Paris is on the Seine.'
    """
    if reveal:
        return _CLOZE.sub(lambda m: m.group(1), text)
    return _CLOZE.sub(lambda m: f"[{m.group(2) or '...'}]", text)
