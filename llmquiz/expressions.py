"""Arithmetic a learner types as a predicted number: `sqrt(64)`, `2^10`, `4096/32`, `32 × 128`, `2π`.

A small recursive-descent parser over a fixed grammar, never `eval`: numbers, + - * / ^ ** (also ×, ·,
÷, √), parentheses, the constant π, and the functions sqrt, log2, log10, ln/log (natural) and exp.
Results are floats; anything else, or a result too large to be a number (2^99999), is no expression.

Example:
    >>> evaluate("sqrt(64)"), evaluate("2^10"), evaluate("4096/32")
    (8.0, 1024.0, 128.0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

MAX_LENGTH = 200  # an answer longer than this is prose, not arithmetic

_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sqrt": math.sqrt, "√": math.sqrt, "log2": math.log2, "log10": math.log10, "ln": math.log,
    "log": math.log, "exp": math.exp,
}
_TOKEN = re.compile(r"\s*(?:(?P<num>\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
                    r"|\.\d+(?:[eE][-+]?\d+)?)|(?P<fn>sqrt|log2|log10|ln|log|exp|√)|(?P<pi>π|pi\b)"
                    r"|(?P<op>\*\*|[-+*/^()×·÷−]))", re.IGNORECASE)
_OPS = {"×": "*", "·": "*", "÷": "/", "−": "-"}


class _Stop(Exception):
    """The text is not an expression the grammar accepts."""


def tokens(text: str) -> list[tuple[str, str]] | None:
    """(kind, text) pairs for the whole of `text`, or None when some of it is not arithmetic."""
    out: list[tuple[str, str]] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            return None
        kind = m.lastgroup or ""
        value = m.group(kind)
        out.append((kind, _OPS.get(value, value.lower())))
        pos = m.end()
    return out


class _Parser:
    # expr := term (('+'|'-') term)* ; term := unary (('*'|'/') unary | implicit factor)* ;
    # unary := ('-'|'+') unary | power ; power := atom (('^'|'**') unary)? ; atom := num | π | fn atom | (expr)
    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks = toks
        self.i = 0
        self.operations = 0  # operators and functions applied: a bare number is no expression

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise _Stop
        self.i += 1
        return tok

    def expr(self) -> float:
        value = self.term()
        while (tok := self.peek()) and tok[1] in ("+", "-"):
            self.take()
            right = self.term()
            value = value + right if tok[1] == "+" else value - right
            self.operations += 1
        return value

    def term(self) -> float:
        value = self.unary()
        while tok := self.peek():
            if tok[1] in ("*", "/"):
                self.take()
                right = self.unary()
                if tok[1] == "/" and right == 0:
                    raise _Stop
                value = value * right if tok[1] == "*" else value / right
            elif tok[0] == "pi":
                # "2π" multiplies; "8 (sqrt 64)" is a remark after the answer, so nothing else juxtaposes.
                value *= self.unary()
            else:
                break
            self.operations += 1
        return value

    def unary(self) -> float:
        tok = self.peek()
        if tok and tok[1] in ("-", "+"):
            self.take()
            value = self.unary()
            return -value if tok[1] == "-" else value
        return self.power()

    def power(self) -> float:
        base = self.atom()
        tok = self.peek()
        if tok and tok[1] in ("^", "**"):
            self.take()
            exponent = self.unary()
            self.operations += 1
            try:
                value = math.pow(base, exponent)
            except (OverflowError, ValueError):
                raise _Stop from None
            return value
        return base

    def atom(self) -> float:
        kind, text = self.take()
        if kind == "num":
            return float(text.replace(",", ""))
        if kind == "pi":
            self.operations += 1
            return math.pi
        if kind == "fn":
            arg = self.atom()
            self.operations += 1
            try:
                return _FUNCTIONS[text](arg)
            except (OverflowError, ValueError):
                raise _Stop from None
        if text == "(":
            value = self.expr()
            if self.take()[1] != ")":
                raise _Stop
            return value
        raise _Stop


def _value(toks: list[tuple[str, str]]) -> float | None:
    # "3-4" is a range a learner gives, not minus one: a lone difference of two numbers is no expression.
    if [t[0] for t in toks] == ["num", "op", "num"] and toks[1][1] == "-":
        return None
    parser = _Parser(toks)
    try:
        value = parser.expr()
    except (_Stop, OverflowError, ZeroDivisionError):
        return None
    if parser.i != len(toks) or parser.operations == 0 or not math.isfinite(value):
        return None
    return value


def evaluate(text: str) -> float | None:
    """The value of `text` if the whole of it is arithmetic with at least one operation, else None.

    A bare number ("65,536") is left to the caller's number reading, which knows units and suffixes.
    """
    if len(text) > MAX_LENGTH:
        return None
    toks = tokens(text)
    return _value(toks) if toks else None


_START = re.compile(r"(?:[-+−]\s*)?(?:\b(?:sqrt|log2|log10|ln|log|exp)\b|√|\(|\d|\.\d)", re.IGNORECASE)


def leading(text: str) -> float | None:
    """The value of the longest arithmetic that starts where `text`'s first number (or function) does.

    Example:
        >>> leading("about 2^10 tokens"), leading("8 (sqrt 64)")
        (1024.0, None)
    """
    if len(text) > MAX_LENGTH:
        return None
    start = _START.search(text)
    if not start:
        return None
    toks: list[tuple[str, str]] = []
    pos, rest = start.start(), text
    while pos < len(rest):
        m = _TOKEN.match(rest, pos)
        if not m or m.end() == pos:
            break
        kind = m.lastgroup or ""
        toks.append((kind, _OPS.get(m.group(kind), m.group(kind).lower())))
        pos = m.end()
    for end in range(len(toks), 0, -1):
        value = _value(toks[:end])
        if value is not None:
            return value
    return None
