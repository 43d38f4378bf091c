"""`llmquiz import`: cards from another tool become cards in the learner's own deck folder.

Each source card gets a stable id (the one an llmquiz export carried, else a slug of its front text
plus a hash of its Anki guid or front text, never one a shipped deck uses), a topic (`--topic`, the
card's own, its Anki deck, or the file's name), and a rubric: the key points the source gave, else
`rubric: derived`, which tells the grader to derive them from the model answer as it does for
`grade --batch`. Cards are merged into one YAML file per topic in the user deck folder (a card
already there is updated in place, keeping what the source does not carry, such as accepted
answers). Every file is validated before it is written, and the whole library after: if any card
would not load, nothing is changed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmquiz import paths, sources, user_decks
from llmquiz.errors import SourceError
from llmquiz.sources import Skip, SourceCard

SLUG_WORDS = 8  # words of the front text an id is made of
DEFAULT_DIFFICULTY = 2
# Fields of a carried llmquiz card that a deck file holds, in the order they are written.
CARD_KEYS = ("id", "question", "answer", "key_points", "rubric", "misconceptions", "difficulty", "demo", "predict",
             "tags", "see_also", "accept", "reject")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class ImportResult:
    """What an import did (or, with `dry_run`, would do)."""

    source: str
    kind: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)  # ids that replace cards of a shipped or --decks deck
    unchanged: list[str] = field(default_factory=list)  # ids already there word for word: not copied
    derived: list[str] = field(default_factory=list)  # ids whose key points the grader derives
    skipped: list[Skip] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "added": self.added, "updated": self.updated,
                "overrides": self.overrides, "unchanged": self.unchanged, "derived": self.derived,
                "skipped": [{"place": s.place, "reason": s.reason} for s in self.skipped],
                "topics": self.topics, "files": self.files, "dry_run": self.dry_run}


def slug(text: str, words: int = SLUG_WORDS) -> str:
    """Lowercase ASCII words joined by hyphens.

    Example:
        >>> slug("What's the capital of France?")
        'what-s-the-capital-of-france'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text)[:words])


def _hash(text: str, n: int) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def new_id(card: SourceCard, reserved: set[str], taken: dict[str, str]) -> str:
    """A stable id for a card without one: its front text's slug and a hash of its guid (or front text).

    The same note gets the same id on every import, so re-importing updates cards instead of adding
    them twice; an id in `reserved` (shipped and --decks cards) or taken by another card is never used.
    """
    base = slug(card.question, 6) or "card"
    for n in (6, 10, 16, 40):
        cid = f"{base}-{_hash(card.key, n)}"
        if cid not in reserved and taken.get(cid, card.key) == card.key:
            return cid
    raise SourceError(f"{card.place}: cannot make an id that no other card uses; give it an id column.")


def _carried_id(card: SourceCard) -> str | None:
    if card.id is None:
        return None
    return card.id if _SLUG.match(card.id) else (slug(card.id, 12) or None)


def _topic(card: SourceCard, option: str | None, path: Path) -> str:
    deck = card.deck.removeprefix("llmquiz::") if card.deck != "Default" else ""
    for candidate in (option, card.topic, deck, path.stem):
        topic = slug((candidate or "").replace("::", " "), 10)
        if topic:
            return topic
    return "imported"


def _tags(tags: Iterable[str], topic: str) -> list[str]:
    # A deck tag is one word of at most 64 characters (decks.TAG).
    out = [slug(t.replace("::", " "), 6)[:64].rstrip("-") for t in tags]
    return list(dict.fromkeys(t for t in out if t and t != topic))[:20]


def _card_entry(card: SourceCard, cid: str, topic: str, known: set[str]) -> dict[str, Any]:
    """The deck-file mapping for one imported card."""
    if card.card is not None:
        return _carried(card, cid, known)
    entry: dict[str, Any] = {"id": cid, "question": card.question, "answer": card.answer}
    if card.key_points:
        entry["key_points"] = list(card.key_points)
    else:
        entry["rubric"] = "derived"
    entry["difficulty"] = card.difficulty or DEFAULT_DIFFICULTY
    tags = _tags(card.tags, topic)
    if tags:
        entry["tags"] = tags
    return entry


def _carried(card: SourceCard, cid: str, known: set[str]) -> dict[str, Any]:
    """A card an llmquiz export carried whole; the visible fields win where they were edited in Anki.

    The carried JSON may come from anyone: each field is kept only when it has the type a deck
    needs, and a demo this llmquiz does not have (or whose arguments it refuses) is dropped, so
    one odd note costs its extras, never the import.
    """
    from llmquiz.htmltext import to_text

    data = dict(card.card or {})
    entry: dict[str, Any] = {"id": cid}
    for key, shown in (("question", card.question), ("answer", card.answer)):
        original = data.get(key)
        # The note shows the text as HTML; if it still reads the same, keep the original's exact spacing.
        keep = isinstance(original, str) and to_text(_escape(original)) == shown
        entry[key] = original if keep else shown
    points = [p for p in map(_point, _list(data.get("key_points"))) if p]
    if points and entry["answer"] == data.get("answer"):  # rewritten in Anki: old key points may not fit
        entry["key_points"] = points
    miscs = [m for m in map(_misconception, _list(data.get("misconceptions"))) if m]
    if miscs:
        entry["misconceptions"] = miscs
    difficulty = data.get("difficulty")
    entry["difficulty"] = difficulty if difficulty in (1, 2, 3) and not isinstance(difficulty, bool) else 2
    demo, predict = _demo(data.get("demo")), _predict(data.get("predict"))
    if demo:
        entry["demo"] = demo
    if predict:
        entry["predict"] = predict
        entry["key_points"] = entry.get("key_points", [])  # a predict card's rubric is its demo
    elif "key_points" not in entry:
        entry["rubric"] = "derived"
    for key in ("tags", "see_also", "accept", "reject"):
        values = _strings(data.get(key))
        if key == "see_also":
            values = [v for v in values if v in known]
        if values:
            entry[key] = values
    return {k: entry[k] for k in CARD_KEYS if k in entry}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [v for v in _list(value) if isinstance(v, str) and v.strip()]


def _point(value: Any) -> dict[str, Any] | str | None:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, dict) and isinstance(value.get("point"), str) and value["point"].strip():
        aliases = _strings(value.get("aliases"))
        return {"point": value["point"], "aliases": aliases} if aliases else value["point"]
    return None


def _misconception(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    claim, fix = value.get("claim"), value.get("correction")
    if not (isinstance(claim, str) and claim.strip() and isinstance(fix, str) and fix.strip()):
        return None
    aliases = _strings(value.get("aliases"))
    return {"claim": claim, "correction": fix, **({"aliases": aliases} if aliases else {})}


def _demo(value: Any) -> str | dict[str, Any] | None:
    from llmquiz import demos

    name, args = (value, {}) if isinstance(value, str) else (
        (value.get("name"), value.get("args") or {}) if isinstance(value, dict) else (None, None))
    if not isinstance(name, str) or not isinstance(args, dict) or demos.check_args(name, args):
        return None
    return {"name": name, "args": args} if args else name


def _predict(value: Any) -> dict[str, Any] | None:
    from llmquiz import demos

    if not isinstance(value, dict):
        return None
    name, args, fld, tol = value.get("demo"), value.get("args") or {}, value.get("field"), value.get("tolerance", 0)
    if not (isinstance(name, str) and isinstance(args, dict) and isinstance(fld, str) and fld.strip()):
        return None
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or tol < 0 or demos.check_args(name, args):
        return None
    return {"demo": name, "args": args, "field": fld, "tolerance": float(tol)}


def _escape(text: str) -> str:
    import html

    return html.escape(text).replace("\n", "<br>")


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """An updated card: the source's fields win, fields it does not carry (accepted answers...) stay."""
    merged = {**old, **new}
    if "key_points" in new:
        merged.pop("rubric", None)
    elif old.get("key_points") and old.get("answer") == new.get("answer"):
        merged.pop("rubric", None)  # the learner wrote key points for this very answer: keep them
    else:
        merged.pop("key_points", None)
    return {k: merged[k] for k in (*CARD_KEYS, *merged) if k in merged}


def import_file(path: Path, *, fmt: str = "auto", topic: str | None = None, separator: str | None = None,
                row_separator: str | None = None, extra_decks: Iterable[Path] = (),
                dry_run: bool = False) -> ImportResult:
    """Import the cards of `path` into the learner's deck folder (see the module docstring)."""
    from llmquiz import decks

    if topic is not None and not slug(topic, 10):
        raise SourceError(f"--topic '{topic}' has no letters or digits to make a topic slug from.")
    source = sources.read(path, fmt, separator=separator, row_separator=row_separator)
    result = ImportResult(str(path), source.kind, skipped=list(source.skipped), dry_run=dry_run)
    if not source.cards:
        first = f" (first: {source.skipped[0]})" if source.skipped else ""
        raise SourceError(f"no cards to import in {path}{first}.")
    folder = paths.user_decks_dir()
    others = [d for d in decks.deck_dirs(extra_decks) if d != folder]
    library = decks.load(others)
    reserved = set(library.cards)
    files = user_decks.read_files(folder)
    where = {c.get("id"): (f, i) for f in files for i, c in enumerate(f.data.get("cards") or [])
             if isinstance(c, dict)}
    taken: dict[str, str] = {}
    planned: list[tuple[SourceCard, str, str]] = []
    for card in source.cards:
        cid = _carried_id(card) or new_id(card, reserved, taken)
        if cid in taken:
            result.skipped.append(Skip(card.place, f"a card with id '{cid}' came earlier in this file"))
            continue
        taken[cid] = card.key
        planned.append((card, cid, _topic(card, topic, path)))
    known = reserved | set(where) | set(taken)
    for card, cid, slug_ in planned:
        entry = _card_entry(card, cid, slug_, known)
        if cid in reserved and cid not in where and _same(entry, library.cards[cid]):
            # A copy would hide later improvements of the shipped card for nothing.
            result.unchanged.append(cid)
            continue
        if cid in where:
            f, i = where[cid]
            merged = _merge(f.data["cards"][i], entry)
            if merged == f.data["cards"][i]:
                result.unchanged.append(cid)
                continue
            f.data["cards"][i] = merged
            result.updated.append(cid)
        else:
            shipped = library.decks.get(slug_)
            title = shipped.title if shipped else _title(card, slug_)
            f = user_decks.file_for(slug_, title, f"Imported from {path.name}.", files, folder)
            f.data.setdefault("cards", []).append(entry)
            where[cid] = (f, len(f.data["cards"]) - 1)
            result.added.append(cid)
        f.changed = True
        if cid in reserved:
            result.overrides.append(cid)
        if f.data["cards"][where[cid][1]].get("rubric") == "derived":
            result.derived.append(cid)
        if str(f.data.get("topic")) not in result.topics:
            result.topics.append(str(f.data.get("topic")))
    changed = [f for f in files if f.changed]
    result.files = [str(f.path) for f in changed]
    _validate(changed)
    if changed and not dry_run:
        _commit(changed, extra_decks)
    return result


def _same(entry: dict[str, Any], card: Any) -> bool:
    """True when `entry` says exactly what the loaded `card` says."""
    from llmquiz.user_decks import card_yaml

    def bare(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if v not in (None, [], "", {})}

    return bare(entry) == bare(card_yaml(card))


def _title(card: SourceCard, topic: str) -> str:
    if card.deck and card.deck != "Default":
        return card.deck.split("::")[-1].strip() or topic
    return topic.replace("-", " ").capitalize()


def _validate(files: list[user_decks.DeckFile]) -> None:
    """Check each file as `decks validate` would, before anything is written."""
    from llmquiz import decks

    problems = []
    for f in files:
        f.text = user_decks.dump(f.data)
        problems += decks.check_content(f.path, f.text.encode("utf-8"))
    if problems:
        raise SourceError("the imported cards would not make a valid deck; nothing was changed:",
                          details=[str(p) for p in problems[:20]])


def _commit(files: list[user_decks.DeckFile], extra_decks: Iterable[Path]) -> None:
    """Write every file; if the library then fails to load because of them, put the old ones back."""
    from llmquiz import decks

    def ours(lib: Any) -> list[Any]:
        paths_ = {f.path.resolve() for f in files}
        return [p for p in lib.problems if Path(p.path).resolve() in paths_]

    # A problem the learner's files had already is not the import's; lines move when a file is rewritten.
    before = {p.message for p in ours(decks.load(extra=list(extra_decks)))}
    files[0].path.parent.mkdir(parents=True, exist_ok=True)
    for f in files:
        user_decks.write_atomically(f.path, f.text)
    problems = [p for p in ours(decks.load(extra=list(extra_decks))) if p.message not in before]
    if problems:
        for f in files:
            if f.old is None:
                f.path.unlink(missing_ok=True)
            else:
                user_decks.write_atomically(f.path, f.old)
        raise SourceError("the imported cards would not load with your other decks; nothing was changed:",
                          details=[str(p) for p in problems[:20]])
