"""What each demo takes: its parameters, their types, defaults and ranges. Cheap to import (no numpy).

One table drives three things: the `llmquiz demo NAME --option` flags, the deck validator's check of a
card's `demo:` / `predict:` arguments, and the coercion of values (CLI strings or YAML scalars) into
the types a demo's `compute` receives.

Each range alone is not enough: `positions` with its largest width and offset together once took
16 GB, and a deck can set the arguments that `/d` runs. So a demo whose cost grows with its inputs
also estimates what one run takes as a whole (`Cost`), and values over `MAX_SECONDS` or `MAX_BYTES`
are refused with the options to lower, before anything is computed.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from llmquiz.errors import UsageError

# Parameter kinds: int, float, str, choice, bool, floats (list of numbers), strs (list of strings).
KINDS = ("int", "float", "str", "choice", "bool", "floats", "strs")
# What one demo run may take, estimated from its inputs (on one core of a 2020s laptop).
MAX_SECONDS = 3.0
MAX_BYTES = 256 * 2**20

_METAVAR = {"int": "INT", "float": "NUM", "str": "TEXT", "choice": "NAME", "bool": "",
            "floats": "N,N,...", "strs": "A|B|..."}


@dataclass(frozen=True)
class Param:
    """One input of a demo: a `--kebab-case` option on the CLI, a `snake_case` key in a card."""

    name: str
    kind: str
    default: Any
    help: str
    lo: float | None = None  # inclusive lower bound (numbers, or list items)
    hi: float | None = None  # inclusive upper bound
    lo_open: bool = False  # True: the lower bound itself is not allowed
    choices: tuple[str, ...] = ()
    min_len: int = 0  # lists and strings: at least this many items / characters
    max_len: int = 0  # lists: at most this many items (0: no limit)

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def metavar(self) -> str:
        return "|".join(self.choices) if self.kind == "choice" else _METAVAR[self.kind]


@dataclass(frozen=True)
class Cost:
    """What one run of a demo is estimated to take, and the parameters that drive it."""

    seconds: float
    bytes: float
    drivers: tuple[str, ...]


@dataclass(frozen=True)
class DemoSpec:
    """A demo's name, one-line summary, module, parameters, and (when inputs drive it) its cost."""

    name: str
    summary: str
    module: str
    params: tuple[Param, ...]
    cost: Callable[[dict[str, Any]], Cost] | None = None

    def param(self, key: str) -> Param | None:
        return next((p for p in self.params if p.name == key), None)


def _type_name(p: Param) -> str:
    return {"int": "a whole number", "float": "a number", "str": "text", "choice": "one of "
            + ", ".join(p.choices), "bool": "true or false", "floats": "a list of numbers",
            "strs": "a list of texts"}[p.kind]


def _number(p: Param, value: Any, integer: bool) -> float | int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        value = int(text) if integer and text.lstrip("+-").isdigit() else float(text)
    if integer:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError
            value = int(value)
        if not isinstance(value, int):
            raise ValueError
        return value
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError
    return float(value)


def _split_list(value: str, sep: str) -> list[str]:
    text = value.strip().strip("[]")
    return [part.strip().strip("'\"").strip() for part in text.split(sep) if part.strip()]


def _range_problem(p: Param, x: float) -> str | None:
    if p.lo is not None and (x < p.lo or (p.lo_open and x == p.lo)):
        word = "greater than" if p.lo_open else "at least"
        return f"must be {word} {_fmt(p.lo)}"
    if p.hi is not None and x > p.hi:
        return f"must be at most {_fmt(p.hi)}"
    return None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def coerce(p: Param, value: Any) -> Any:
    """`value` (a CLI string or a YAML scalar/list) as `p`'s type, or ValueError with the reason.

    Example:
        >>> coerce(Param("logits", "floats", None, ""), "2, 1, 0.5")
        [2.0, 1.0, 0.5]
    """
    if p.kind in ("int", "float"):
        try:
            x = _number(p, value, p.kind == "int")
        except (ValueError, TypeError):
            raise ValueError(f"must be {_type_name(p)}") from None
        problem = _range_problem(p, x)
        if problem:
            raise ValueError(problem)
        return x
    if p.kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
            return value.strip().lower() in ("true", "yes", "1")
        raise ValueError("must be true or false")
    if p.kind in ("str", "choice"):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError(f"must be {_type_name(p)}")
        text = str(value)
        if p.kind == "choice" and text not in p.choices:
            raise ValueError(f"must be one of {', '.join(p.choices)}")
        if len(text.strip()) < p.min_len:
            raise ValueError("must not be empty")
        return text
    # Lists: a YAML list, or a CLI string ("2,1,0.5" for numbers; "a|b|c" for texts).
    if isinstance(value, str):
        items: list[Any] = _split_list(value, "," if p.kind == "floats" else "|")
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError(f"must be {_type_name(p)}")
    if len(items) < p.min_len:
        raise ValueError("must not be empty" if p.min_len <= 1 else f"needs at least {p.min_len} items")
    if p.max_len and len(items) > p.max_len:
        raise ValueError(f"takes at most {p.max_len} items")
    if p.kind == "strs":
        if not all(isinstance(s, str) and s.strip() for s in items):
            raise ValueError("must be a list of non-empty texts")
        return [str(s) for s in items]
    out = []
    for item in items:
        try:
            x = _number(p, item, False)
        except (ValueError, TypeError):
            raise ValueError(f"must be a list of numbers ({item!r} is not a number)") from None
        problem = _range_problem(p, x)
        if problem:
            raise ValueError(f"values {problem} (got {_fmt(x)})")
        out.append(x)
    return out


def resolve(spec: DemoSpec, args: dict[str, Any] | None) -> dict[str, Any]:
    """Every parameter of `spec` with its value: given ones coerced, missing ones defaulted.

    Raises UsageError naming the option (`--temperatures`) on the first bad value.
    """
    args = dict(args or {})
    unknown = [k for k in args if spec.param(str(k)) is None]
    if unknown:
        raise UsageError(_unknown_message(spec, str(unknown[0]), flag=True))
    out: dict[str, Any] = {}
    for p in spec.params:
        if args.get(p.name) is None:
            out[p.name] = list(p.default) if isinstance(p.default, tuple) else p.default
            continue
        try:
            out[p.name] = coerce(p, args[p.name])
        except ValueError as exc:
            raise UsageError(f"{p.flag} {_show(args[p.name])}: {exc}.") from None
    too_costly = over_budget(spec, out)
    if too_costly:
        raise UsageError(f"{too_costly}.")
    return out


def over_budget(spec: DemoSpec, values: dict[str, Any], *, flags: bool = True) -> str | None:
    """Why `values` (every parameter, coerced) cost more than one run may take, or None.

    The parameters to lower are named as options (`--text`), or with `flags=False` as a card's keys.

    Example:
        >>> from llmquiz.demos.registry import BY_NAME
        >>> over_budget(BY_NAME["bpe"], {"text": "ab " * 20000, "merges": 500})
        'These inputs together would take about 37 s (a demo may take 3 s): lower --text or --merges'
    """
    if spec.cost is None:
        return None
    cost = spec.cost(values)
    over = []
    if cost.seconds > MAX_SECONDS:
        over.append(f"about {cost.seconds:,.0f} s (a demo may take {MAX_SECONDS:g} s)")
    if cost.bytes > MAX_BYTES:
        over.append(f"about {_size(cost.bytes)} of memory (a demo may use {_size(MAX_BYTES)})")
    if not over:
        return None
    names = [("--" + name.replace("_", "-")) if flags else name for name in cost.drivers]
    lower = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
    return f"{'These inputs' if flags else 'these arguments'} together would take {' and '.join(over)}: lower {lower}"


def _size(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB" if n >= 2**30 else f"{n / 2**20:,.0f} MiB"


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    text = str(value)
    return repr(text) if not text or " " in text else text


def _unknown_message(spec: DemoSpec, key: str, *, flag: bool) -> str:
    names = [p.name for p in spec.params]
    close = difflib.get_close_matches(key, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f"; it takes: {', '.join(names)}"
    if flag:
        return f"Demo {spec.name!r} has no option --{key.replace('_', '-')}{hint}."
    return f"no argument {key!r}{hint}"


def problems(spec: DemoSpec, args: dict[str, Any]) -> list[str]:
    """Every problem with a card's arguments for `spec`, one sentence each (empty when fine)."""
    out: list[str] = []
    if not isinstance(args, dict):
        return ["arguments must be a mapping of name: value"]
    for key, value in args.items():
        p = spec.param(str(key))
        if p is None:
            out.append(_unknown_message(spec, str(key), flag=False))
            continue
        if value is None:
            continue
        try:
            coerce(p, value)
        except ValueError as exc:
            out.append(f"argument {key!r} {exc} (got {_short(value)})")
    if not out:
        values = {p.name: list(p.default) if isinstance(p.default, tuple) else p.default for p in spec.params}
        values.update({str(k): coerce(spec.param(str(k)), v) for k, v in args.items() if v is not None})  # type: ignore[arg-type]
        too_costly = over_budget(spec, values, flags=False)
        if too_costly:
            out.append(too_costly)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
