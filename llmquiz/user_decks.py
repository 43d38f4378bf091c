"""The learner's own deck folder: where overrides of shipped cards are written on request (an accepted
answer, an edited card), and imported cards go (`importing.py` decides what; this module reads and
writes the files). Files are read with a deck's limits (`deck_yaml`) and written through `outfile`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmquiz import outfile, paths
from llmquiz.card import Card, Deck
from llmquiz.errors import SourceError


def card_yaml(card: Card) -> dict[str, Any]:
    """The card as the mapping a deck file holds under `cards:` (optional fields left out when empty)."""
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


def deck_path(deck: Deck) -> Path:
    """The learner's deck file for the topic of `deck` (it may not exist yet)."""
    return paths.user_decks_dir() / f"{deck.topic}.yaml"


def _read(deck: Deck) -> dict[str, Any]:
    from llmquiz import deck_yaml

    path = deck_path(deck)
    if not path.exists():
        return {"topic": deck.topic, "title": deck.title, "description": deck.description, "cards": []}
    try:
        doc = deck_yaml.read(path.read_bytes())
    except (OSError, deck_yaml.YamlProblem):
        raise SourceError(f"your deck file {path} cannot be read; fix it (`llmquiz decks validate {path}`) "
                          "or move it away.") from None
    data = doc.data if doc else {}
    if not isinstance(data, dict) or not isinstance(data.get("cards", []), list):
        raise SourceError(f"your deck file {path} is not a deck; fix it or move it away.")
    return data


def _write(deck: Deck, data: dict[str, Any]) -> str:
    path = deck_path(deck)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, dump(data))
    return str(path)


def add_accepted(deck: Deck, card: Card, answer: str) -> str:
    """Copy `card` into the learner's deck for its topic with `answer` added to `accept`.

    The copy overrides the shipped card by id from then on. Returns the file written.
    """
    data = _read(deck)
    cards = data.setdefault("cards", [])
    mine = next((c for c in cards if isinstance(c, dict) and c.get("id") == card.id), None)
    if mine is None:
        mine = card_yaml(card)
        cards.append(mine)
    accepted = mine.setdefault("accept", [])
    if answer not in accepted:
        accepted.append(answer)
    return _write(deck, data)


def save_card(deck: Deck, card: dict[str, Any]) -> str:
    """Put `card` (a deck mapping) into the learner's deck, replacing their copy with the same id.

    Progress is kept by card id, so an edited card keeps its schedule and history. Returns the file.
    """
    data = _read(deck)
    cards = data.setdefault("cards", [])
    for i, mine in enumerate(cards):
        if isinstance(mine, dict) and mine.get("id") == card["id"]:
            cards[i] = card
            break
    else:
        cards.append(card)
    return _write(deck, data)


def edit_template(deck: Deck, card: Card) -> str:
    """The text the learner edits: a comment on what happens, then the card as YAML."""
    head = (f"# Card '{card.id}' of topic '{deck.topic}'. Save and close the editor to keep your version in\n"
            f"#   {deck_path(deck)}\n"
            "# where it replaces the card with this id. Keep the id: your progress stays with it.\n"
            "# The format is in docs/decks.md; close without saving to leave the card as it is.\n")
    return head + dump(card_yaml(card))


def edit_card(deck: Deck, card: Card, known: Iterable[str], again: Callable[[list[str]], bool]) -> Card | None:
    """Open `card` in the learner's editor and save the result into their deck, under the same id.

    A version with problems is shown to `again` (the problems as `file:line:col: message`), which says
    whether to reopen the editor. Returns the new card, or None when nothing was saved.
    """
    import tempfile
    from dataclasses import replace

    from llmquiz import decks, editor

    template = edit_template(deck, card)
    fd, name = tempfile.mkstemp(prefix=f"llmquiz-{card.id}-", suffix=".yaml")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(template)
        while True:
            editor.edit_file(path)
            if path.read_text(encoding="utf-8", errors="replace") == template:
                return None
            new, data, problems = decks.parse_card(path, deck.topic, known)
            lines = [str(p) for p in decks.sorted_problems(problems)]
            if new is not None and data is not None and new.id != card.id:
                lines = [f"{path}: the id must stay '{card.id}' (your progress is kept under it); "
                         "a new card belongs in a deck file of its own"]
            if not lines and new is not None and data is not None:
                saved = save_card(deck, data)
                return replace(new, source=saved)
            if not again(lines):
                return None
    finally:
        path.unlink(missing_ok=True)


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
