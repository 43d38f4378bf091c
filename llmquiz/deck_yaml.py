"""Reading one deck file's YAML safely: the document, the place of every value, or one fatal problem.

A deck may come from a stranger, so reading it is bounded before anything is built from it: the file
has a size limit, YAML's safe loader builds only plain values (no objects), and aliases (`*name`,
which repeat an anchored `&name` value) are refused, because a few hundred bytes of nested aliases
expand to billions of values in anything that walks the result. Duplicate keys, which YAML would
silently resolve to the last one, are reported. Positions are 1-based (line, column).

Example:
    >>> doc = read(b"topic: rag\\ntitle: RAG\\n")
    >>> doc.data["title"], doc.marks[("title",)]
    ('RAG', (2, 8))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 256 * 1024  # twice the largest shipped deck; a bigger topic can span several files
MAX_DEPTH = 32  # a deck nests six levels at most (deck, cards, card, demo, args, list)

Mark = tuple[int, int]


class YamlProblem(Exception):
    """The file cannot be read as a deck at all: one message at one place."""

    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


@dataclass
class Document:
    """A deck file's content as plain data, each value's place, and problems that still let it be checked."""

    data: Any
    marks: dict[tuple[Any, ...], Mark]
    problems: list[tuple[Mark, str]] = field(default_factory=list)


def _loader() -> tuple[type, type]:
    import yaml

    # libyaml's C loader when present: the same safe rules, about ten times faster.
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.YAMLError


def read(raw: bytes) -> Document | None:
    """The document in `raw` (None for an empty file), or YamlProblem with the place and the reason."""
    if len(raw) > MAX_BYTES:
        raise YamlProblem((1, 1), f"the file is {len(raw) // 1024:,} KiB, over the {MAX_BYTES // 1024} KiB limit "
                                  "for one deck file; split it into several files (they may share a topic)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise YamlProblem((line, col), f"not UTF-8 text (byte 0x{raw[e.start]:02x}); "
                                       "save the file as UTF-8") from None
    loader, yaml_error = _loader()
    reader = loader(text)
    try:
        try:
            # Composing is linear in the file: an alias is the anchored node itself, not a copy.
            node = reader.get_single_node()
        except yaml_error as e:
            raise YamlProblem(*_syntax(e)) from None
        if node is None:
            return None
        marks, problems = _walk(node, text)
        try:
            data = reader.construct_document(node)
        except yaml_error as e:
            raise YamlProblem(*_syntax(e)) from None
        except Exception:  # any failure to build a stranger's value is a problem in the deck
            # A scalar that matches a YAML type but cannot be built: a 5,000-digit int, 2024-13-45,
            # `!!bool maybe`.
            raise YamlProblem(*_unbuildable(node, loader)) from None
    finally:
        reader.dispose()
    return Document(data, marks, problems)


def _syntax(e: Any) -> tuple[Mark, str]:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    context, cmark = getattr(e, "context", None), getattr(e, "context_mark", None)
    if context and cmark is not None and mark is not None and cmark.line != mark.line:
        problem = f"{problem} ({context} that starts at line {cmark.line + 1})"
    if "could not determine a constructor" in str(e):
        problem = "YAML tags that build objects (like !!python/...) are not allowed in decks"
    return where, f"YAML syntax: {problem}"


def _mark(node: Any) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _walk(root: Any, text: str) -> tuple[dict[tuple[Any, ...], Mark], list[tuple[Mark, str]]]:
    """Each value's path -> place, and duplicate keys; YamlProblem on an alias or too deep a nesting.

    Iterative, and each node is visited once: a node reached twice is an alias, refused on sight.
    """
    import yaml

    marks: dict[tuple[Any, ...], Mark] = {}
    problems: list[tuple[Mark, str]] = []
    seen: set[int] = set()
    stack: list[tuple[Any, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            raise YamlProblem(*_alias(text, node))
        seen.add(id(node))
        if len(path) > MAX_DEPTH:
            raise YamlProblem(_mark(node), f"values nest more than {MAX_DEPTH} levels deep; a deck needs six")
        marks[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], Mark] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    where = _mark(key)
                    if (key.tag, key.value) in first:
                        problems.append((where, f"duplicate key '{key.value}' (also at line "
                                                f"{first[key.tag, key.value][0]}); keep one"))
                    else:
                        first[key.tag, key.value] = where
                        marks[(*path, "<key>", key.value)] = where
                else:
                    stack.append((key, (*path, "<complex key>")))
                stack.append((value, (*path, key.value if isinstance(key, yaml.ScalarNode) else "<complex key>")))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, i)) for i, item in enumerate(node.value))
    return marks, problems


def _alias(text: str, node: Any) -> tuple[Mark, str]:
    """The first alias in `text` (events are flat, so this is linear too), else the shared node."""
    import yaml

    loader, _ = _loader()
    events = loader(text)
    try:
        while (event := events.get_event()) is not None:
            if isinstance(event, yaml.AliasEvent):
                return ((event.start_mark.line + 1, event.start_mark.column + 1),
                        f"YAML aliases (*{event.anchor}, repeating the value anchored &{event.anchor}) are "
                        "not allowed in decks; write the value out in full")
    finally:
        events.dispose()
    return _mark(node), "YAML aliases (*name) are not allowed in decks; write the value out in full"


def _unbuildable(root: Any, loader: type) -> tuple[Mark, str]:
    """The first scalar that YAML cannot turn into a value, found by building each one alone."""
    import yaml

    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            builder = loader("")
            try:
                builder.construct_object(node, deep=True)
            except Exception as e:  # as in read(): whatever the failure, it is this value's
                shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
                return _mark(node), f"the value '{shown}' cannot be read as {_tag_name(node.tag)} ({_reason(e)})"
            finally:
                builder.dispose()
        elif isinstance(node, yaml.MappingNode):
            stack.extend(v for pair in reversed(node.value) for v in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return _mark(root), "a value cannot be read"


def _tag_name(tag: str) -> str:
    return tag.rsplit(":", 1)[-1]


def _reason(e: Exception) -> str:
    if isinstance(e, KeyError):  # `!!bool maybe`: not among the type's words
        return "not a value of that type"
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    if "integer string conversion" in text:
        return "too many digits"
    return text if len(text) <= 80 else text[:77] + "..."
