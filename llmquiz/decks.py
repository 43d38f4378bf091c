"""Loading and validating decks: YAML files in, `Deck` and `Card` objects (or every problem) out.

Each file is read by `deck_yaml` (safe loader, size limit, no aliases), so a deck from a stranger
cannot construct objects, read files or expand into billions of values; every value accepted has
the exact type the rest of llmquiz uses. Problems are collected, never raised one at a time, and
each carries `file:line:col`. Parsed files are cached by content hash, so re-loading unchanged
decks costs a JSON read.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from llmquiz import deck_yaml, outfile, paths
from llmquiz.card import Card, Deck, DemoRef, KeyPoint, Misconception, Predict
from llmquiz.errors import DeckError, TopicError

# Bump when parsing or validation rules change, so cached results are not reused.
CACHE_VERSION = "8"

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# One word, as Anki and the CSV export need it: letters, digits and - _ . : + (no spaces).
TAG = re.compile(r"^\w[\w.:+-]{0,63}$")
# `checked` (the date the deck's facts were last checked) is required of the shipped decks only.
DECK_FIELDS = {"topic": True, "title": True, "description": True, "checked": False, "cards": True}
CARD_FIELDS = {
    "id": True, "question": True, "answer": True, "key_points": False, "difficulty": True,
    "misconceptions": False, "demo": False, "predict": False, "tags": False, "see_also": False,
    "accept": False, "reject": False, "rubric": False,
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
        hint = f" — did you mean '{close[0]}'?" if close else "; `llmquiz cards` lists them (--search TEXT finds one)."
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
    close = closest_topic(q, topics)
    if close:
        raise TopicError(f"no topic '{query}' — did you mean '{close}'?")
    raise TopicError(f"no topic '{query}'; `llmquiz topics` lists them.")


def closest_topic(query: str, topics: Sequence[str]) -> str | None:
    """The topic a typo most likely meant, comparing with whole slugs and with their trailing words.

    Example:
        >>> closest_topic("atention", ["transformer-attention", "rag"])
        'transformer-attention'
    """
    # "atention" is far from "transformer-attention" as a whole but one letter from its last word.
    names = {t: t for t in topics}
    for t in topics:
        for tail in _word_suffixes(t):
            names.setdefault(tail, t)
    close = difflib.get_close_matches(query.strip().lower(), list(names), n=1, cutoff=0.6)
    return names[close[0]] if close else None


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


def parse_file(path: Path, raw: bytes | None = None) -> _Parsed:
    """Parse and validate one deck file on its own (cross-file checks come later).

    `raw` is the file's content when the caller has already read it. A file among the shipped decks
    must say when its facts were last checked (`checked:`); whether that date lies in the future
    depends on the day, so `load` checks it, not this cached step.
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
        doc = deck_yaml.read(raw)
    except deck_yaml.YamlProblem as e:
        parsed.add(e.mark, e.message)
        return parsed
    if doc is None:
        parsed.add((1, 1), "the file is empty; a deck needs topic, title, description and cards")
        return parsed
    for mark, message in doc.problems:
        parsed.add(mark, message)
    _DeckChecker(parsed, doc.marks, shipped=_is_shipped(path)).check(doc.data)
    return parsed


def _is_shipped(path: Path) -> bool:
    try:
        return path.resolve().parent == paths.shipped_decks_dir().resolve()
    except OSError:
        return False


def parse_card(path: Path, topic: str, known: Iterable[str]) -> tuple[Card | None, dict[str, Any] | None,
                                                                     list[Problem]]:
    """Parse and validate a file holding one card (a mapping, as under a deck's `cards:`).

    Used when the learner edits a card: `topic` is the deck it belongs to, `known` the card ids that
    `see_also` may name. The file is read by `deck_yaml` with a deck's limits. Returns the card, its
    plain data (for writing back) and every problem.
    """
    shown = _display(path)
    parsed = _Parsed(shown)
    try:
        raw = path.read_bytes()
    except OSError as e:
        parsed.add((1, 1), f"cannot read the card: {e.strerror or e}")
        return None, None, parsed.problems
    try:
        doc = deck_yaml.read(raw)
    except deck_yaml.YamlProblem as e:
        parsed.add(e.mark, e.message)
        return None, None, parsed.problems
    if doc is None:
        parsed.add((1, 1), "the file is empty; a card needs id, question, answer, key_points (or rubric: derived) "
                                 "and difficulty")
        return None, None, parsed.problems
    for mark, message in doc.problems:
        parsed.add(mark, message)
    data = doc.data
    # Marks are taken as if the card sat first under `cards:`, so messages read as in a deck.
    checker = _DeckChecker(parsed, {("cards", 0, *where): mark for where, mark in doc.marks.items()})
    card = checker.card(data, ("cards", 0), topic)
    if card is not None:
        _cross_check([card], {*known, card["id"]}, parsed.problems)
    if card is None or card["invalid"] or parsed.problems:
        return None, data if isinstance(data, dict) else None, parsed.problems
    return _build_card(card), data, []


class _DeckChecker:
    """Checks one parsed document against the deck format and builds plain card dicts."""

    def __init__(self, parsed: _Parsed, marks: dict[tuple, tuple[int, int]], *, shipped: bool = False) -> None:
        self.parsed = parsed
        self.marks = marks
        self.shipped = shipped  # a shipped deck must record when its facts were last checked

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
        checked = self.checked(data)
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
        self.parsed.deck = {"topic": topic, "title": title, "description": description, "cards": cards,
                            "checked": checked, "checked_at": list(self.at(("checked",)))}

    def checked(self, data: dict[str, Any]) -> str | None:
        """`checked:` as an ISO date (YYYY-MM-DD), or None when absent or wrong (then reported)."""
        if "checked" not in data:
            if self.shipped:
                self.err((), "deck: missing field 'checked': a shipped deck records the date its facts were "
                             "last checked, like `checked: 2026-12-07` (docs/reviewing-cards.md)")
            return None
        value = data["checked"]
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            with contextlib.suppress(ValueError):  # 2026-02-30 stays text and is reported below
                value = date.fromisoformat(value.strip())
        if type(value) is date:  # YAML reads an unquoted 2026-12-07 as a date; a datetime is refused
            return value.isoformat()
        what = "a date and time" if isinstance(value, datetime) else _shown(value)
        self.err(("checked",), f"checked must be the date the deck's facts were last checked, as YYYY-MM-DD "
                               f"(like 2026-12-07), not {what}")
        return None

    def card(self, raw: Any, path: tuple, topic: str) -> dict[str, Any] | None:
        cid = raw.get("id") if isinstance(raw, dict) else None
        what = f"card '{cid}'" if isinstance(cid, str) else f"card {path[-1] + 1}"
        errors_before = len(self.parsed.problems)  # before the field check: a missing field invalidates too
        if not self.fields(raw, path, CARD_FIELDS, what):
            return None
        card_id = self.text(raw.get("id", _MISSING), (*path, "id"), f"{what}: id")
        if card_id:
            self.parsed.ids.append((card_id, *self.at((*path, "id"))))
        if card_id and not SLUG.match(card_id):
            self.err((*path, "id"), f"{what}: id must be lowercase letters, digits and hyphens")
        question = self.text(raw.get("question", _MISSING), (*path, "question"), f"{what}: question")
        answer = self.text(raw.get("answer", _MISSING), (*path, "answer"), f"{what}: answer")
        difficulty = raw.get("difficulty")
        # Exactly an int: 1.0 equals 1 in Python but would break '★' * difficulty later.
        if "difficulty" in raw and (type(difficulty) is not int or difficulty not in (1, 2, 3)):
            self.err((*path, "difficulty"), f"{what}: difficulty must be 1, 2 or 3, not {_shown(difficulty)}")
            difficulty = None  # the card dict is cached as JSON: keep no raw YAML value in it
        predict = self.predict(raw.get("predict"), (*path, "predict"), what) if "predict" in raw else None
        derived = self.rubric(raw, path, what)
        if "key_points" not in raw and not derived:  # required, unless the rubric is derived
            self.err(path, f"{what}: missing field 'key_points'")
        key_points = self.key_points(raw.get("key_points"), (*path, "key_points"), what,
                                     allow_empty=predict is not None or derived)
        misconceptions = self.misconceptions(raw.get("misconceptions"), (*path, "misconceptions"), what)
        demo = self.demo(raw.get("demo"), (*path, "demo"), what) if "demo" in raw else None
        tags = self.tags(raw.get("tags"), (*path, "tags"), what)
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
            "accept": accept, "reject": reject, "source": f"{self.parsed.path}:{line}", "derived_rubric": derived,
            "marks": {"see_also": [self.at((*path, "see_also", i)) for i in range(len(see_also))],
                      "id": self.at((*path, "id")), "demo": self.at((*path, "demo")),
                      "predict": self.at((*path, "predict"))},
        }

    def rubric(self, raw: dict[str, Any], path: tuple, what: str) -> bool:
        """`rubric: derived` (key points come from the answer); the only value the field takes."""
        if "rubric" not in raw:
            return False
        if raw["rubric"] != "derived":
            self.err((*path, "rubric"), f"{what}: rubric must be 'derived' (key points taken from the answer), "
                                        f"not {_shown(raw['rubric'])}; to write key points, remove the line")
            return False
        if raw.get("key_points"):
            self.err((*path, "rubric"), f"{what}: rubric: derived takes the key points from the answer; "
                                        "remove either it or key_points")
        return True
    def tags(self, value: Any, path: tuple, what: str) -> list[str]:
        tags = self.texts(value, path, f"{what}: tags")
        for i, tag in enumerate(tags):
            if not TAG.match(tag):
                self.err((*path, i), f"{what}: tag '{tag}' must be one word of letters, digits and - _ . : + "
                                     "(no spaces), at most 64 characters")
        return tags

    def args(self, value: Any, path: tuple, what: str) -> dict[str, Any] | None:
        """A demo's arguments: a mapping of names to text, numbers, true/false or lists of those.

        Only such plain values survive the JSON cache and the demo's own checks; a date, a set or a
        nested mapping is reported here rather than crashing a later command.
        """
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.err(path, f"{what} must be a mapping of name: value, not {_kind(value)}")
            return None
        ok = True
        for key, item in value.items():
            where = (*path, key)
            if not isinstance(key, str):
                self.err(where, f"{what}: argument name {_shown(key)} must be text")
                ok = False
            elif not (_plain(item) or (isinstance(item, list) and all(_plain(x) for x in item))):
                self.err(where, f"{what}: argument '{key}' must be text, a number, true/false or a list of "
                                f"those, not {_kind(item)}")
                ok = False
        return value if ok else None

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
        args = self.args(value.get("args"), (*path, "args"), f"{what}: demo args")
        return {"name": name, "args": args} if name and args is not None else None

    def predict(self, value: Any, path: tuple, what: str) -> dict | None:
        if not self.fields(value, path, PREDICT_FIELDS, f"{what}: predict"):
            return None
        demo = self.text(value.get("demo"), (*path, "demo"), f"{what}: predict demo")
        fld = self.text(value.get("field"), (*path, "field"), f"{what}: predict field")
        args = self.args(value.get("args"), (*path, "args"), f"{what}: predict args")
        tolerance = value.get("tolerance", 0)
        if args is None:
            return None
        if type(tolerance) not in (int, float) or not math.isfinite(tolerance) or tolerance < 0:
            self.err((*path, "tolerance"), f"{what}: predict tolerance must be a number >= 0, not "
                                           f"{_shown(tolerance)}")
            return None
        return {"demo": demo, "args": args, "field": fld, "tolerance": float(tolerance)} if demo and fld else None


_MISSING = object()


def _plain(value: Any) -> bool:
    """Text, true/false, or a finite number: a value JSON and the demos take as it is."""
    if isinstance(value, float):
        return math.isfinite(value)
    return type(value) in (str, int, bool)


def _shown(value: Any) -> str:
    """A value as the deck author wrote it, cut short: `1.0`, `'one'`, `true`."""
    text = repr(value) if isinstance(value, str) else _kind(value) if isinstance(value, dict | list) else str(value)
    if isinstance(value, bool):
        text = str(value).lower()
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "empty"}.get(
        type(value), type(value).__name__)


# ---------------------------------------------------------------------------------------------
# Caching and assembling


def check_content(path: Path, raw: bytes) -> list[Problem]:
    """Every problem `raw` would have as the deck file `path`, before it is written there.

    The result is cached like a loaded file's, so loading those bytes from `path` later is free.
    """
    parsed = _cached_parse(path, raw)
    return parsed.problems + _future_checked(parsed, date.today())


def _cached_parse(path: Path, raw: bytes | None = None) -> _Parsed:
    """`parse_file`, reusing an earlier result for byte-identical content."""
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError:
            return parse_file(path)
    # Whether the file is a shipped deck changes its rules (`checked:` required), so it is in the key.
    key = f"{CACHE_VERSION}\0{path}\0{_is_shipped(path)}\0".encode()
    digest = hashlib.sha256(key + raw).hexdigest()
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
        blob = json.dumps({"path": parsed.path, "deck": parsed.deck,
                           "problems": [p.__dict__ for p in parsed.problems], "ids": parsed.ids}).encode("utf-8")
        outfile.replace_file(cache, lambda f: f.write(blob))
    except (OSError, TypeError, ValueError):
        pass  # a read-only cache, or (a bug) a value JSON cannot hold, only costs speed
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
        derived_rubric=bool(d.get("derived_rubric")),
    )


def load(targets: Sequence[str | Path] | None = None, *, extra: Iterable[str | Path] = (),
         use_cache: bool = True, today: date | None = None) -> Library:
    """Load decks from `targets` (files or folders), or from the shipped and user folders.

    Later folders override earlier ones card by card. Every problem is collected in
    `Library.problems`; use `load_valid` to get an exception instead. A deck's `checked:` date may
    not be after `today` (by default the local date).
    """
    # The loader builds hundreds of thousands of small acyclic dicts, lists and dataclasses; CPython's
    # cyclic GC would re-scan the growing heap many times over and cost most of the time.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _load(targets, extra, use_cache, today or date.today())
    finally:
        if paused:
            gc.enable()


def _load(targets: Sequence[str | Path] | None, extra: Iterable[str | Path], use_cache: bool,
          today: date) -> Library:
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
                problems += parsed.problems + _future_checked(parsed, today)
                if parsed.deck is None or not parsed.deck.get("topic"):
                    continue
                _merge(parsed, decks, where, seen_here, problems)
                every += parsed.deck["cards"]
    _cross_check(every, {c["id"] for c in every}, problems)
    built = {
        slug: Deck(slug, d["title"] or slug, d["description"] or "",
                   tuple(_build_card(c) for c in d["cards"].values() if not c["invalid"]), d["path"],
                   date.fromisoformat(d["checked"]) if d["checked"] else None)
        for slug, d in decks.items() if d["cards"]
    }
    return Library(dict(sorted(built.items())), problems)


def _merge(parsed: _Parsed, decks: dict, where: dict, seen_here: dict, problems: list[Problem]) -> None:
    """Add a file's cards; a duplicate id within one folder is an error, across folders an override."""
    deck = parsed.deck
    assert deck is not None
    slug = deck["topic"]
    target = decks.setdefault(slug, {"title": deck["title"], "description": deck["description"],
                                     "cards": {}, "path": parsed.path, "checked": None})
    # A topic spread over several files was last checked on the oldest date any of them gives; a
    # file without one (a learner's own corrections) does not make the shipped facts unchecked.
    if deck.get("checked") and (target["checked"] is None or deck["checked"] < target["checked"]):
        target["checked"] = deck["checked"]
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


def _future_checked(parsed: _Parsed, today: date) -> list[Problem]:
    """A `checked:` date after `today`: checked by the day, so never cached with the file's problems."""
    deck = parsed.deck or {}
    checked = deck.get("checked")
    if not checked or date.fromisoformat(checked) <= today:
        return []
    line, col = deck.get("checked_at") or (1, 1)
    return [Problem(parsed.path, line, col, f"checked: {checked} is in the future (today is {today.isoformat()}); "
                                            "give the date the deck's facts were last checked")]


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
