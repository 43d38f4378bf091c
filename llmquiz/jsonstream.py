"""Reading JSON that nobody vouches for: nesting bounded before parsing, big documents streamed.

`json.loads` recurses once per nesting level, so `[[[[…` 100,000 deep raises RecursionError (or
worse) instead of a ValueError; `loads` here measures the depth first, with C-speed string
operations, and refuses a deep document as a ValueError like any other malformed input.

`Reader` walks a document that may be far bigger than memory (a backup of a million reviews): the
caller steps through the outer object and array by hand and decodes each element whole, never more
than `max_value` characters at a time.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import IO, Any

MAX_DEPTH = 100
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_WS = " \t\n\r"
_LOOKAHEAD = 64  # characters that must follow a number or error before the text counts as cut


def depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not count).

    Example:
        >>> depth('{"a": [1, [2]], "b": "[[["}')
        3
    """
    if "[" not in text and "{" not in text:
        return 0
    steps = map(_STEP.__getitem__, _BRACKETS.findall(_STRING.sub("", text)))
    return max(accumulate(steps, initial=0))


def too_deep(text: str, max_depth: int = MAX_DEPTH) -> bool:
    """Whether `text` nests deeper than `max_depth` (cheap: few brackets cannot nest deeply)."""
    return text.count("[") + text.count("{") > max_depth and depth(text) > max_depth


def loads(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads`, except that nesting deeper than `max_depth` is a ValueError saying so."""
    if too_deep(text, max_depth):
        raise ValueError(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"nested deeper than {max_depth} levels") from None


class Reader:
    """A JSON document read in chunks: `peek`/`take` step through punctuation, `value` decodes one element.

    `line` is the line of the next unread character (from 1), for error messages.
    """

    def __init__(self, f: IO[str], *, chunk: int = 1 << 16, max_value: int = 1 << 20) -> None:
        self.f = f
        self.chunk = chunk
        self.max_value = max_value
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1
        self._decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self.eof:
            return False
        if self.pos:
            self.buf = self.buf[self.pos:]
            self.pos = 0
        more = self.f.read(self.chunk)
        if not more:
            self.eof = True
            return False
        self.buf += more
        return True

    def _advance(self, end: int) -> None:
        self.line += self.buf.count("\n", self.pos, end)
        self.pos = end

    def peek(self) -> str:
        """The next character that is not white space, without consuming it ("" at the end)."""
        while True:
            n = len(self.buf)
            i = self.pos
            while i < n and self.buf[i] in _WS:
                i += 1
            self._advance(i)
            if i < n:
                return self.buf[i]
            if not self._fill():
                return ""

    def take(self, expected: str) -> str:
        """Consume the next non-space character, which must be one of `expected`; return it."""
        ch = self.peek()
        if not ch or ch not in expected:
            found = repr(ch) if ch else "the end of the file"
            raise ValueError(f"expected {' or '.join(repr(c) for c in expected)} but found {found}")
        self._advance(self.pos + 1)
        return ch

    def value(self) -> Any:
        """Decode the next complete JSON value (string, number, object, ...) of at most `max_value` characters."""
        self.peek()
        while True:
            try:
                obj, end = self._decoder.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise ValueError("nested too deeply to read") from None
            except json.JSONDecodeError as e:
                # Cut off at the end of what was read so far? Read on, up to the size limit.
                cut = len(self.buf) - e.pos < _LOOKAHEAD or e.msg.startswith("Unterminated string")
                if cut and len(self.buf) - self.pos <= self.max_value and not self.eof:
                    self._fill()  # may move the buffer: decode again from the start
                    continue
                if cut and not self.eof:
                    raise ValueError(f"a value longer than {self.max_value:,} characters") from None
                raise ValueError(f"invalid JSON ({e.msg})") from None
            # A number or literal ends where the text does not go on: make sure it does not.
            scalar = not isinstance(obj, dict | list | str)
            if scalar and len(self.buf) - end < _LOOKAHEAD and not self.eof:
                self._fill()
                continue
            if end - self.pos > self.max_value:
                raise ValueError(f"a value longer than {self.max_value:,} characters")
            self._advance(end)
            return obj

    def at_end(self) -> bool:
        """Whether only white space is left."""
        return self.peek() == ""
