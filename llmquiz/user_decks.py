"""The learner's own deck folder: where overrides of shipped cards are written on request, and
imported cards go (`importing.py` decides what; this module reads and writes the files)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmquiz import outfile, paths
from llmquiz.card import Card, Deck
from llmquiz.errors import SourceError


def _card_yaml(card: Card) -> dict[str, Any]:
    d = card.to_dict()
    for key in ("topic", "source"):
        d.pop(key)
    if d.pop("derived_rubric", False):
        d["rubric"] = "derived"  # no key points of its own: the grader derives them from the answer
    d["key_points"] = [{"point": k["point"], "aliases": k["aliases"]} for k in d["key_points"]]
    d["misconceptions"] = [{k: v for k, v in m.items() if v} for m in d["misconceptions"]]
    if d["demo"] and not d["demo"]["args"]:
        d["demo"] = d["demo"]["name"]
    if d["predict"] is None:
        d.pop("predict")
    return {k: v for k, v in d.items() if v not in (None, [], "")}


def add_accepted(deck: Deck, card: Card, answer: str) -> str:
    """Copy `card` into the learner's deck for its topic with `answer` added to `accept`.

    The copy overrides the shipped card by id from then on. Returns the file written.
    """
    import yaml

    folder = paths.user_decks_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{deck.topic}.yaml"
    data: dict[str, Any]
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    else:
        data = {"topic": deck.topic, "title": deck.title, "description": deck.description, "cards": []}
    cards = data.setdefault("cards", [])
    mine = next((c for c in cards if c.get("id") == card.id), None)
    if mine is None:
        mine = _card_yaml(card)
        cards.append(mine)
    accepted = mine.setdefault("accept", [])
    if answer not in accepted:
        accepted.append(answer)
    write_atomically(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
    return str(path)


@dataclass
class DeckFile:
    """One deck file of the folder as plain data, with its text before any change (None: a new file)."""

    path: Path
    data: dict[str, Any]
    old: str | None
    changed: bool = False
    text: str = ""  # the text to write, once validated


def read_files(folder: Path) -> list[DeckFile]:
    """Every deck file in `folder`, or a SourceError naming the one that cannot be read."""
    from llmquiz import deck_yaml

    files = []
    if folder.is_dir():
        for path in sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()):
            try:
                raw = path.read_bytes()
                doc = deck_yaml.read(raw)  # bounded like any deck: no aliases, a size limit
                text, data = raw.decode("utf-8"), doc.data if doc else None
            except (OSError, deck_yaml.YamlProblem):
                raise SourceError(f"your deck file {path} cannot be read; fix it (`llmquiz decks validate {path}`) "
                                  "or move it away, then import again.") from None
            if not isinstance(data, dict) or not isinstance(data.get("cards", []), list):
                raise SourceError(f"your deck file {path} is not a deck; fix it or move it away, then import again.")
            files.append(DeckFile(path, data, text))
    return files


def file_for(topic: str, title: str, description: str, files: list[DeckFile], folder: Path) -> DeckFile:
    """The file holding `topic`, or a new one (named after it, never over another file) added to `files`."""
    for f in files:
        if f.data.get("topic") == topic:
            return f
    taken = {f.path.name for f in files}
    name, n = f"{topic}.yaml", 1
    while name in taken or (folder / name).exists():
        n += 1
        name = f"{topic}-{n}.yaml"
    f = DeckFile(folder / name, {"topic": topic, "title": title, "description": description, "cards": []}, None)
    files.append(f)
    return f


def dump(data: dict[str, Any]) -> str:
    """A deck as YAML text, in the order its keys were given."""
    import yaml

    # libyaml's emitter when present: the same output rules, far faster for a few hundred cards.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then move it into place (`outfile`)."""
    with outfile.open_out(path) as f:
        f.write(text)
