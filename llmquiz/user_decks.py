"""The learner's own deck folder: where overrides of shipped cards are written on request."""

from __future__ import annotations

import os
from typing import Any

from llmquiz import paths
from llmquiz.card import Card, Deck


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
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    os.replace(tmp, path)
    return str(path)
