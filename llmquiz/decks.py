"""Loading and validating decks: YAML files in, `Deck` and `Card` objects (or every problem) out.

Each file is read with YAML's safe loader, so a deck from a stranger cannot construct objects or read
files. Problems are collected, never raised one at a time, and each carries `file:line:col`. Parsed
files are cached by content hash, so re-loading unchanged decks costs a JSON read.
"""

from __future__ import annotations

import difflib
import gc
import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmquiz import paths
from llmquiz.card import Card, Deck, DemoRef, KeyPoint, Misconception, Predict
from llmquiz.errors import DeckError, TopicError

# Bump when parsing or validation rules change, so cached results are not reused.
CACHE_VERSION = "5"

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DECK_FIELDS = {"topic": True, "title": True, "description": True, "cards": True}
CARD_FIELDS = {
    "id": True, "question": True, "answer": True, "key_points": True, "difficulty": True,
    "misconceptions": False, "demo": False, "predict": False, "tags": False, "see_also": False,
    "accept": False, "reject": False,
}
KEY_POINT_FIELDS = {"point": True, "aliases": True}
MISCONCEPTION_FIELDS = {"claim": True, "correction": True, "aliases": False}
DEMO_FIELDS = {"name": True, "args": False}
PREDICT_FIELDS = {"demo": True, "args": False, "field": True, "tolerance": False}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a deck, at a place in a file."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


@dataclass
class Library:
    """Every deck loaded, after user decks have overridden shipped cards by id."""

    decks: dict[str, Deck]
    problems: list[Problem] = field(default_factory=list)

    @property
    def cards(self) -> dict[str, Card]:
        return {c.id: c for d in self.decks.values() for c in d.cards}

    def topic(self, query: str) -> Deck:
        """The deck for a topic slug or a unique prefix of one."""
        return self.decks[resolve_topic(query, list(self.decks))]

    def card(self, card_id: str) -> Card:
        """The card with this id, or a TopicError that suggests the closest id."""
        cards = self.cards
        if card_id in cards:
            return cards[card_id]
        close = difflib.get_close_matches(card_id, list(cards), n=1)
        hint = f" — did you mean '{close[0]}'?" if close else "; `llmquiz topics` lists the topics."
        raise TopicError(f"no card '{card_id}'{hint}")


def resolve_topic(query: str, topics: Sequence[str]) -> str:
    """Match a topic slug exactly, else by a unique prefix (of the slug or of one of its words).

    A typo gets the closest slug as a suggestion.

    Example:
        >>> resolve_topic("ag", ["rag", "agents"])
        'agents'
        >>> resolve_topic("attention", ["transformer-attention", "rag"])
        'transformer-attention'
    """
    q = query.strip().lower()
    if q in topics:
        return q
    starts = [t for t in topics if t.startswith(q)] if q else []
    if not starts and q:
        # "attention" finds "transformer-attention": any word of the slug may start the match.
        starts = [t for t in topics if any(part.startswith(q) for part in _word_suffixes(t))]
    if len(starts) == 1:
        return starts[0]
    if len(starts) > 1:
        raise TopicError(f"topic '{query}' is ambiguous: it starts {', '.join(sorted(starts))}; "
                         "type more of the name.")
    close = difflib.get_close_matches(q, list(topics), n=1, cutoff=0.6)
    if close:
        raise TopicError(f"no topic '{query}' — did you mean '{close[0]}'?")
    raise TopicError(f"no topic '{query}'; `llmquiz topics` lists them.")


def _word_suffixes(slug: str) -> list[str]:
    parts = slug.split("-")
    return ["-".join(parts[i:]) for i in range(1, len(parts))]


def deck_dirs(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Shipped decks, `LLMQUIZ_DECKS` folders, `extra`, then the learner's own folder; later ones override.

    The learner's own folder comes last: it holds the corrections llmquiz saved at their request
    (an answer they accepted over the grader), which are the most specific of all.
    """
    dirs = [paths.shipped_decks_dir()]
    env = os.environ.get("LLMQUIZ_DECKS", "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += [Path(p) for p in extra]
    if paths.user_decks_dir().is_dir():
        dirs.append(paths.user_decks_dir())
    return dirs


def deck_files(target: Path) -> list[Path]:
    """The deck files of a folder (its *.yaml and *.yml), or the file itself."""
    if target.is_dir():
        return sorted(p for p in target.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [target]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------------
# Parsing one file


class _Parsed:
    """The validated content of one file: a deck as plain data plus its problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.deck: dict[str, Any] | None = None
        self.problems: list[Problem] = []
        # Every card id with its place, valid card or not, so duplicates are found either way.
        self.ids: list[tuple[str, int, int]] = []

    def add(self, mark: tuple[int, int], message: str) -> None:
        self.problems.append(Problem(self.path, mark[0], mark[1], message))


def _marks(node: Any, path: tuple[Any, ...] = (), out: dict | None = None) -> dict[tuple, tuple[int, int]]:
    """Map each value's path in the document to its (line, col), 1-based."""
    import yaml

    out = {} if out is None else out
    out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out[(*path, "<key>", key.value)] = (key.start_mark.line + 1, key.start_mark.column + 1)
                _marks(value, (*path, key.value), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _marks(item, (*path, i), out)
    return out


def _loader() -> tuple[type, type]:
    import yaml

    # libyaml's C loader when present: the same safe rules, about ten times faster.
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.YAMLError


def parse_file(path: Path, raw: bytes | None = None) -> _Parsed:
    """Parse and validate one deck file on its own (cross-file checks come later).

    `raw` is the file's content when the caller has already read it.
    """
    shown = _display(path)
    parsed = _Parsed(shown)
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as e:
            parsed.add((1, 1), f"cannot read the file: {e.strerror or e}")
            return parsed
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        parsed.add((line, col), f"not UTF-8 text (byte 0x{raw[e.start]:02x}); save the file as UTF-8")
        return parsed
    composed = _compose(text, parsed)
    if composed is None:
        return parsed
    node, data = composed
    if node is None:
        parsed.add((1, 1), "the file is empty; a deck needs topic, title, description and cards")
        return parsed
    _DeckChecker(parsed, _marks(node)).check(data)
    return parsed


def _compose(text: str, parsed: _Parsed) -> tuple[Any, Any] | None:
    """The YAML node and its data, or None after adding the syntax problem to `parsed`."""
    loader, yaml_error = _loader()
    try:
        # Compose once and construct from that node: yaml.load would parse the text a second time.
        reader = loader(text)
        try:
            node = reader.get_single_node()
            data = reader.construct_document(node) if node is not None else None
        finally:
            reader.dispose()
    except yaml_error as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        context, cmark = getattr(e, "context", None), getattr(e, "context_mark", None)
        if context and cmark is not None and mark is not None and cmark.line != mark.line:
            problem = f"{problem} ({context} that starts at line {cmark.line + 1})"
        if "could not determine a constructor" in str(e):
            problem = "YAML tags that build objects (like !!python/...) are not allowed in decks"
        parsed.add(where, f"YAML syntax: {problem}")
        return None
    return node, data


def parse_card(path: Path, topic: str, known: Iterable[str]) -> tuple[Card | None, dict[str, Any] | None,
                                                                     list[Problem]]:
    """Parse and validate a file holding one card (a mapping, as under a deck's `cards:`).

    Used when the learner edits a card: `topic` is the deck it belongs to, `known` the card ids that
    `see_also` may name. Returns the card, its plain data (for writing back) and every problem.
    """
    shown = _display(path)
    parsed = _Parsed(shown)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        parsed.add((1, 1), f"cannot read the card: {getattr(e, 'strerror', None) or e}")
        return None, None, parsed.problems
    composed = _compose(text, parsed)
    if composed is None:
        return None, None, parsed.problems
    node, data = composed
    if node is None:
        parsed.add((1, 1), "the file is empty; a card needs id, question, answer, key_points and difficulty")
        return None, None, parsed.problems
    # Marks are taken as if the card sat first under `cards:`, so messages read as in a deck.
    checker = _DeckChecker(parsed, _marks(node, ("cards", 0)))
    card = checker.card(data, ("cards", 0), topic)
    if card is not None:
        _cross_check([card], {*known, card["id"]}, parsed.problems)
    if card is None or card["invalid"] or parsed.problems:
        return None, data if isinstance(data, dict) else None, parsed.problems
    return _build_card(card), data, []


class _DeckChecker:
    """Checks one parsed document against the deck format and builds plain card dicts."""

    def __init__(self, parsed: _Parsed, marks: dict[tuple, tuple[int, int]]) -> None:
        self.parsed = parsed
        self.marks = marks

    def at(self, path: tuple) -> tuple[int, int]:
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path, (1, 1))

    def err(self, path: tuple, message: str) -> None:
        self.parsed.add(self.at(path), message)

    def fields(self, value: Any, path: tuple, spec: dict[str, bool], what: str) -> bool:
        if not isinstance(value, dict):
            self.err(path, f"{what} must be a mapping of fields, not {_kind(value)}")
            return False
        for key in value:
            if key not in spec:
                close = difflib.get_close_matches(str(key), list(spec), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f"; allowed: {', '.join(spec)}"
                self.parsed.add(self.marks.get((*path, "<key>", key), self.at(path)),
                                f"{what}: unknown field '{key}'{hint}")
        for key, required in spec.items():
            if required and key not in value:
                self.err(path, f"{what}: missing field '{key}'")
        return True

    def text(self, value: Any, path: tuple, what: str) -> str | None:
        if value is _MISSING:
            return None  # already reported as a missing field
        if value is None or (isinstance(value, str) and not value.strip()):
            self.err(path, f"{what} is empty")
            return None
        if not isinstance(value, str):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
            self.err(path, f"{what} must be text, not {_kind(value)}")
            return None
        return value.strip()

    def texts(self, value: Any, path: tuple, what: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.err(path, f"{what} must be a list, not {_kind(value)}")
            return []
        out = [self.text(v, (*path, i), f"{what}[{i + 1}]") for i, v in enumerate(value)]
        return [t for t in out if t is not None]

    def check(self, data: Any) -> None:
        if not self.fields(data, (), DECK_FIELDS, "deck"):
            return
        topic = self.text(data.get("topic", _MISSING), ("topic",), "topic")
        if topic and not SLUG.match(topic):
            self.err(("topic",), f"topic '{topic}' must be lowercase letters, digits and hyphens")
        title = self.text(data.get("title", _MISSING), ("title",), "title")
        description = self.text(data.get("description", _MISSING), ("description",), "description")
        cards_raw = data.get("cards")
        cards: list[dict[str, Any]] = []
        if not isinstance(cards_raw, list) or not cards_raw:
            if "cards" in data:
                self.err(("cards",), "cards must be a non-empty list of cards")
        else:
            for i, raw in enumerate(cards_raw):
                card = self.card(raw, ("cards", i), topic or "")
                if card:
                    cards.append(card)
        self.parsed.deck = {"topic": topic, "title": title, "description": description, "cards": cards}

    def card(self, raw: Any, path: tuple, topic: str) -> dict[str, Any] | None:
        cid = raw.get("id") if isinstance(raw, dict) else None
        what = f"card '{cid}'" if isinstance(cid, str) else f"card {path[-1] + 1}"
        if not self.fields(raw, path, CARD_FIELDS, what):
            return None
        errors_before = len(self.parsed.problems)
        card_id = self.text(raw.get("id", _MISSING), (*path, "id"), f"{what}: id")
        if card_id:
            self.parsed.ids.append((card_id, *self.at((*path, "id"))))
        if card_id and not SLUG.match(card_id):
            self.err((*path, "id"), f"{what}: id must be lowercase letters, digits and hyphens")
        question = self.text(raw.get("question", _MISSING), (*path, "question"), f"{what}: question")
        answer = self.text(raw.get("answer", _MISSING), (*path, "answer"), f"{what}: answer")
        difficulty = raw.get("difficulty")
        if "difficulty" in raw and (isinstance(difficulty, bool) or difficulty not in (1, 2, 3)):
            self.err((*path, "difficulty"), f"{what}: difficulty must be 1, 2 or 3, not {difficulty!r}")
        predict = self.predict(raw.get("predict"), (*path, "predict"), what) if "predict" in raw else None
        key_points = self.key_points(raw.get("key_points"), (*path, "key_points"), what,
                                     allow_empty=predict is not None)
        misconceptions = self.misconceptions(raw.get("misconceptions"), (*path, "misconceptions"), what)
        demo = self.demo(raw.get("demo"), (*path, "demo"), what) if "demo" in raw else None
        tags = self.texts(raw.get("tags"), (*path, "tags"), f"{what}: tags")
        see_also = self.texts(raw.get("see_also"), (*path, "see_also"), f"{what}: see_also")
        accept = self.texts(raw.get("accept"), (*path, "accept"), f"{what}: accept")
        reject = self.texts(raw.get("reject"), (*path, "reject"), f"{what}: reject")
        if not card_id:
            return None
        line, _ = self.at(path)
        return {
            # An invalid card is kept out of the library but still cross-checked (see_also, demo).
            "invalid": len(self.parsed.problems) > errors_before or not (question and answer),
            "id": card_id, "topic": topic, "question": question, "answer": answer,
            "key_points": key_points, "misconceptions": misconceptions, "difficulty": difficulty,
            "demo": demo, "predict": predict, "tags": tags, "see_also": see_also,
            "accept": accept, "reject": reject, "source": f"{self.parsed.path}:{line}",
            "marks": {"see_also": [self.at((*path, "see_also", i)) for i in range(len(see_also))],
                      "id": self.at((*path, "id")), "demo": self.at((*path, "demo")),
                      "predict": self.at((*path, "predict"))},
        }

    def key_points(self, value: Any, path: tuple, what: str, allow_empty: bool) -> list[dict]:
        if value is None or value == []:
            if not allow_empty:
                self.err(path, f"{what}: key_points is empty; list the concepts a complete answer contains")
            return []
        if not isinstance(value, list):
            self.err(path, f"{what}: key_points must be a list, not {_kind(value)}")
            return []
        out = []
        for i, kp in enumerate(value):
            where = (*path, i)
            if isinstance(kp, str):
                point = self.text(kp, where, f"{what}: key point {i + 1}")
                if point:
                    out.append({"point": point, "aliases": [point]})
                continue
            if not self.fields(kp, where, KEY_POINT_FIELDS, f"{what}: key point {i + 1}"):
                continue
            point = self.text(kp.get("point"), (*where, "point"), f"{what}: key point {i + 1} point")
            aliases = self.texts(kp.get("aliases"), (*where, "aliases"), f"{what}: key point {i + 1} aliases")
            if "aliases" in kp and not aliases:
                self.err((*where, "aliases"), f"{what}: key point {i + 1} has no aliases")
            if point and aliases:
                out.append({"point": point, "aliases": aliases})
        return out

    def misconceptions(self, value: Any, path: tuple, what: str) -> list[dict]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.err(path, f"{what}: misconceptions must be a list, not {_kind(value)}")
            return []
        out = []
        for i, m in enumerate(value):
            where = (*path, i)
            if not self.fields(m, where, MISCONCEPTION_FIELDS, f"{what}: misconception {i + 1}"):
                continue
            claim = self.text(m.get("claim"), (*where, "claim"), f"{what}: misconception {i + 1} claim")
            fix = self.text(m.get("correction"), (*where, "correction"),
                            f"{what}: misconception {i + 1} correction")
            aliases = self.texts(m.get("aliases"), (*where, "aliases"), f"{what}: misconception aliases")
            if claim and fix:
                out.append({"claim": claim, "correction": fix, "aliases": aliases})
        return out

    def demo(self, value: Any, path: tuple, what: str) -> dict | None:
        if isinstance(value, str):
            return {"name": value.strip(), "args": {}}
        if not self.fields(value, path, DEMO_FIELDS, f"{what}: demo"):
            return None
        name = self.text(value.get("name"), (*path, "name"), f"{what}: demo name")
        args = value.get("args") or {}
        if not isinstance(args, dict):
            self.err((*path, "args"), f"{what}: demo args must be a mapping, not {_kind(args)}")
            return None
        return {"name": name, "args": args} if name else None

    def predict(self, value: Any, path: tuple, what: str) -> dict | None:
        if not self.fields(value, path, PREDICT_FIELDS, f"{what}: predict"):
            return None
        demo = self.text(value.get("demo"), (*path, "demo"), f"{what}: predict demo")
        fld = self.text(value.get("field"), (*path, "field"), f"{what}: predict field")
        args = value.get("args") or {}
        tolerance = value.get("tolerance", 0)
        if not isinstance(args, dict):
            self.err((*path, "args"), f"{what}: predict args must be a mapping")
            return None
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance < 0:
            self.err((*path, "tolerance"), f"{what}: predict tolerance must be a number >= 0")
            return None
        return {"demo": demo, "args": args, "field": fld, "tolerance": float(tolerance)} if demo and fld else None


_MISSING = object()


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "empty"}.get(
        type(value), type(value).__name__)


# ---------------------------------------------------------------------------------------------
# Caching and assembling


def _cached_parse(path: Path) -> _Parsed:
    """`parse_file`, reusing an earlier result for byte-identical content."""
    try:
        raw = path.read_bytes()
    except OSError:
        return parse_file(path)
    digest = hashlib.sha256(CACHE_VERSION.encode() + b"\0" + str(path).encode() + b"\0" + raw).hexdigest()
    cache = paths.cache_dir() / "decks" / f"{digest}.json"
    try:
        blob = json.loads(cache.read_text(encoding="utf-8"))
        parsed = _Parsed(blob["path"])
        parsed.deck = blob["deck"]
        parsed.problems = [Problem(**p) for p in blob["problems"]]
        parsed.ids = [tuple(i) for i in blob["ids"]]
        if parsed.path == _display(path):
            return parsed
    except (OSError, ValueError, KeyError, TypeError):
        pass
    parsed = parse_file(path, raw)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"path": parsed.path, "deck": parsed.deck,
                                   "problems": [p.__dict__ for p in parsed.problems],
                                   "ids": parsed.ids}), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only cache only costs speed
    return parsed


def _build_card(d: dict[str, Any]) -> Card:
    demo = DemoRef(d["demo"]["name"], dict(d["demo"]["args"])) if d.get("demo") else None
    pr = d.get("predict")
    predict = Predict(pr["demo"], dict(pr["args"]), pr["field"], pr["tolerance"]) if pr else None
    return Card(
        id=d["id"], topic=d["topic"], question=d["question"], answer=d["answer"],
        key_points=tuple(KeyPoint(k["point"], tuple(k["aliases"])) for k in d["key_points"]),
        difficulty=d["difficulty"],
        misconceptions=tuple(Misconception(m["claim"], m["correction"], tuple(m["aliases"]))
                             for m in d["misconceptions"]),
        demo=demo, predict=predict, tags=tuple(d["tags"]), see_also=tuple(d["see_also"]),
        accept=tuple(d["accept"]), reject=tuple(d["reject"]), source=d["source"],
    )


def load(targets: Sequence[str | Path] | None = None, *, extra: Iterable[str | Path] = (),
         use_cache: bool = True) -> Library:
    """Load decks from `targets` (files or folders), or from the shipped and user folders.

    Later folders override earlier ones card by card. Every problem is collected in
    `Library.problems`; use `load_valid` to get an exception instead.
    """
    # The loader builds hundreds of thousands of small acyclic dicts, lists and dataclasses; CPython's
    # cyclic GC would re-scan the growing heap many times over and cost most of the time.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _load(targets, extra, use_cache)
    finally:
        if paused:
            gc.enable()


def _load(targets: Sequence[str | Path] | None, extra: Iterable[str | Path], use_cache: bool) -> Library:
    groups = [[Path(t)] for t in targets] if targets else [[d] for d in deck_dirs(extra)]
    problems: list[Problem] = []
    decks: dict[str, dict[str, Any]] = {}
    where: dict[str, dict[str, Any]] = {}   # card id -> the card dict in force
    every: list[dict[str, Any]] = []        # every card dict, valid or not, for cross-file checks
    for group in groups:
        seen_here: dict[str, tuple[str, int, int]] = {}
        for target in group:
            if not target.exists():
                problems.append(Problem(str(target), 1, 1, "no such file or folder"))
                continue
            for path in deck_files(target):
                parsed = _cached_parse(path) if use_cache else parse_file(path)
                problems += parsed.problems
                if parsed.deck is None or not parsed.deck.get("topic"):
                    continue
                _merge(parsed, decks, where, seen_here, problems)
                every += parsed.deck["cards"]
    _cross_check(every, {c["id"] for c in every}, problems)
    built = {
        slug: Deck(slug, d["title"] or slug, d["description"] or "",
                   tuple(_build_card(c) for c in d["cards"].values() if not c["invalid"]), d["path"])
        for slug, d in decks.items() if d["cards"]
    }
    return Library(dict(sorted(built.items())), problems)


def _merge(parsed: _Parsed, decks: dict, where: dict, seen_here: dict, problems: list[Problem]) -> None:
    """Add a file's cards; a duplicate id within one folder is an error, across folders an override."""
    deck = parsed.deck
    assert deck is not None
    slug = deck["topic"]
    target = decks.setdefault(slug, {"title": deck["title"], "description": deck["description"],
                                     "cards": {}, "path": parsed.path})
    duplicates = set()
    for cid, line, col in parsed.ids:
        if cid in seen_here:
            fpath, fline, fcol = seen_here[cid]
            problems.append(Problem(parsed.path, line, col,
                                    f"duplicate card id '{cid}' (also at {fpath}:{fline})"))
            problems.append(Problem(fpath, fline, fcol, f"duplicate card id '{cid}' (also at {parsed.path}:{line})"))
            duplicates.add(cid)
            continue
        seen_here[cid] = (parsed.path, line, col)
    for card in deck["cards"]:
        cid = card["id"]
        if cid in duplicates:
            continue
        if card["invalid"]:
            continue
        if cid in where:  # a user deck replaces the shipped card, wherever it lived
            old = where[cid]
            decks[old["topic"]]["cards"].pop(cid, None)
        where[cid] = card
        target["cards"][cid] = card


def _cross_check(cards: list[dict[str, Any]], known: set[str], problems: list[Problem]) -> None:
    from llmquiz import demos

    names = set(demos.demo_names())
    check_args = getattr(demos, "check_args", None)
    for card in cards:
        cid = card["id"]
        path = card["source"].rsplit(":", 1)[0]
        for ref, (line, col) in zip(card["see_also"], card["marks"]["see_also"], strict=False):
            if ref not in known:
                close = difflib.get_close_matches(ref, sorted(known), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                problems.append(Problem(path, line, col, f"card '{cid}': see_also names unknown card '{ref}'{hint}"))
        for key, ref in (("demo", card.get("demo")), ("predict", card.get("predict"))):
            if not ref:
                continue
            name = ref["name"] if key == "demo" else ref["demo"]
            line, col = card["marks"][key]
            if name not in names:
                close = difflib.get_close_matches(name, sorted(names), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f"; demos: {', '.join(sorted(names))}"
                problems.append(Problem(path, line, col, f"card '{cid}': unknown demo '{name}'{hint}"))
            elif check_args is not None:
                for message in check_args(name, ref["args"]):
                    problems.append(Problem(path, line, col, f"card '{cid}': {key} '{name}': {message}"))


def load_valid(targets: Sequence[str | Path] | None = None, *, extra: Iterable[str | Path] = ()) -> Library:
    """Like `load`, but raise `DeckError` listing every problem if any deck is broken."""
    lib = load(targets, extra=extra)
    if lib.problems:
        n = len(lib.problems)
        raise DeckError(f"{n} problem{'s' * (n != 1)} in the decks; fix {'them' if n != 1 else 'it'} "
                        "(`llmquiz decks validate` lists them again):",
                        details=[str(p) for p in sorted(lib.problems, key=_order)])
    if not lib.decks:
        raise DeckError("no decks found; pass --decks PATH or set LLMQUIZ_DECKS to a folder of deck files.")
    return lib


def _order(p: Problem) -> tuple[str, int, int]:
    return (p.path, p.line, p.col)


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file, line, column order."""
    return sorted(set(problems), key=_order)
