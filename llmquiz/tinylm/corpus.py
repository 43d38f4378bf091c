"""The tiny model's training text: every card's model answer in the shipped decks.

Each answer becomes one sequence `<bos> tokens <eos>`. About 10% of the cards (chosen by a hash of
the card id, so the split is the same on every machine and stable as decks grow) are held out to
measure how well the model predicts text it never trained on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmquiz.errors import DeckError, ModelError


@dataclass(frozen=True)
class Answer:
    """One card's model answer."""

    card_id: str
    text: str
    source: str  # deck file name


@dataclass(frozen=True)
class Corpus:
    """The answers split into training and held-out cards."""

    train: tuple[Answer, ...]
    heldout: tuple[Answer, ...]
    files: tuple[str, ...]

    @property
    def n_cards(self) -> int:
        return len(self.train) + len(self.heldout)

    def sha256(self) -> str:
        """A fingerprint of the exact text and split the model was trained on."""
        h = hashlib.sha256()
        for part, answers in (("train", self.train), ("heldout", self.heldout)):
            for a in answers:
                h.update(f"{part}\0{a.card_id}\0{a.text}\0".encode())
        return h.hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {"cards": self.n_cards, "train_cards": len(self.train), "heldout_cards": len(self.heldout),
                "files": list(self.files), "sha256": self.sha256()}


def _split_key(card_id: str) -> str:
    return hashlib.sha256(card_id.encode()).hexdigest()


def split_answers(answers: list[Answer], heldout_fraction: float = 0.1) -> tuple[list[Answer], list[Answer]]:
    """Deterministic split: the cards whose id hashes lowest are held out (at least one)."""
    n_held = max(1, round(len(answers) * heldout_fraction))
    held_ids = {a.card_id for a in sorted(answers, key=lambda a: _split_key(a.card_id))[:n_held]}
    train = [a for a in answers if a.card_id not in held_ids]
    held = [a for a in answers if a.card_id in held_ids]
    return train, held


def read_answers(decks_dir: Path) -> tuple[list[Answer], list[str]]:
    """Every card `answer` in the YAML files of `decks_dir`, in file then card order."""
    from llmquiz.deck_yaml import YamlProblem, read

    answers: list[Answer] = []
    files: list[str] = []
    for path in sorted([*decks_dir.glob("*.yaml"), *decks_dir.glob("*.yml")]):
        try:  # the deck loader's bounded reader: no aliases, size and nesting limits
            parsed = read(path.read_bytes())
        except YamlProblem as exc:
            line, col = exc.mark
            raise DeckError(f"{path}:{line}:{col}: {exc.message}, so the tiny model cannot train on it; "
                            "fix it (llmquiz decks validate) and retry.") from exc
        doc = parsed.data if parsed is not None else None
        cards = doc.get("cards") if isinstance(doc, dict) else None
        if not isinstance(cards, list):
            continue
        files.append(path.name)
        for card in cards:
            if isinstance(card, dict) and isinstance(card.get("answer"), str) and card["answer"].strip():
                answers.append(Answer(str(card.get("id", "")), " ".join(card["answer"].split()), path.name))
    return answers, files


def load_corpus(decks_dir: Path, heldout_fraction: float = 0.1) -> Corpus:
    """Read and split the answers of every deck in `decks_dir`.

    Example:
        >>> from llmquiz.paths import shipped_decks_dir
        >>> corpus = load_corpus(shipped_decks_dir())
        >>> corpus.n_cards > 0
        True
    """
    answers, files = read_answers(decks_dir)
    if len(answers) < 2:
        raise ModelError(f"Found {len(answers)} card answers in {decks_dir}; the tiny model needs at least 2 "
                         "to train (point it at a folder of decks).")
    train, held = split_answers(answers, heldout_fraction)
    return Corpus(train=tuple(train), heldout=tuple(held), files=tuple(files))
