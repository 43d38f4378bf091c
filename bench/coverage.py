"""How well the decks cover the seed inventory: `python bench/coverage.py [--map FILE ...]`.

Reads the seed inventory (`../shared/seeds/questions.yaml` beside the repo by default; research data,
read here and never copied into the repo) and the decks. For each inventory entry it finds the
deck card closest in meaning: the entry's question + key facts and each card's question + answer
are embedded with `llmquiz.grading.encoders.get_encoder()` (a TF-IDF cosine written here when that
module cannot be imported), and the card with the highest cosine is its best match.

Prints per topic: entries, cards, and entries whose best card is in the same topic; then the entries
with the weakest best match, with their best card, for a human to check for coverage gaps.

`--map FILE` (repeatable; a folder means its *.tsv) reads the deck writers' `entry_id<TAB>card_id[,card_id]`
files and checks every entry of the topics they cover is mapped to card ids that exist.
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _timing as T

DEFAULT_SEEDS = T.REPO.parent / "shared" / "seeds" / "questions.yaml"


@dataclass
class Entry:
    id: str
    topic: str
    question: str
    facts: list[str]

    @property
    def text(self) -> str:
        return " ".join([self.question, *self.facts])


def read_inventory(path: Path) -> list[Entry]:
    """The inventory's entries (id, topic, question, key facts)."""
    import yaml

    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, list):
        raise SystemExit(f"{path}: expected a list of entries")
    return [Entry(str(e["id"]), str(e.get("topic", "")), str(e.get("question", "")),
                  [str(f) for f in e.get("key_facts") or []]) for e in data]


def load_cards(extra: Sequence[Path]) -> tuple[list[Any], str]:
    """Every valid deck card, and a note when the decks did not all validate."""
    from llmquiz import decks
    from llmquiz.errors import DeckError

    try:
        library = decks.load_valid(extra=extra)
        note = ""
    except DeckError as e:
        library = decks.load(extra=extra)
        note = (f"decks.load_valid() failed ({len(e.details)} problem{'s' * (len(e.details) != 1)}): "
                "used decks.load(), which leaves invalid cards out")
    return list(library.cards.values()), note


# ---------------------------------------------------------------------------------------------
# Embeddings


def embed(texts: list[str], encoder_name: str | None) -> tuple[Any, str]:
    """Unit-length rows for `texts`, and the encoder's name."""
    try:
        from llmquiz.grading.encoders import get_encoder
    except ImportError:
        return tfidf(texts), "tf-idf (bench fallback: llmquiz.grading.encoders not importable)"
    encoder = get_encoder(encoder_name)
    return encoder.encode(texts), encoder.name


def tfidf(texts: list[str]) -> Any:
    """Sublinear TF-IDF over word unigrams and bigrams, L2-normalised: a lexical stand-in for meaning."""
    import numpy as np

    docs = []
    for t in texts:
        words = re.findall(r"[a-z0-9]+", t.lower())
        docs.append(Counter(words + [f"{a} {b}" for a, b in itertools.pairwise(words)]))
    df = Counter(term for d in docs for term in d)
    vocab = {term: i for i, term in enumerate(df)}
    idf = np.array([math.log((1 + len(docs)) / (1 + df[t])) + 1 for t in vocab], dtype=np.float32)
    m = np.zeros((len(docs), len(vocab)), dtype=np.float32)
    for row, d in enumerate(docs):
        for term, n in d.items():
            m[row, vocab[term]] = 1 + math.log(n)
    m *= idf
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.maximum(norms, 1e-12)


# ---------------------------------------------------------------------------------------------
# Reports


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(head)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _numeric(cell: str) -> bool:
    return bool(re.fullmatch(r"[\d.,%—-]+", cell))


def best_matches(entries: list[Entry], cards: list[Any], encoder: str | None) -> tuple[Any, Any, str]:
    """For each entry: the index of its best card and the cosine; plus the encoder's name."""
    import numpy as np

    texts = [e.text for e in entries] + [f"{c.question} {c.answer}" for c in cards]
    vectors, name = embed(texts, encoder)
    vectors = np.asarray(vectors, dtype=np.float32)
    sims = vectors[: len(entries)] @ vectors[len(entries):].T
    best = sims.argmax(axis=1)
    return best, sims[np.arange(len(entries)), best], name


def report_topics(entries: list[Entry], cards: list[Any], best: Any) -> None:
    cards_per_topic = Counter(c.topic for c in cards)
    per = defaultdict(lambda: [0, 0])
    for e, b in zip(entries, best, strict=True):
        per[e.topic][0] += 1
        per[e.topic][1] += cards[int(b)].topic == e.topic
    rows = []
    for topic in sorted(set(per) | set(cards_per_topic)):
        n, same = per.get(topic, (0, 0))
        share = f"{same / n:.0%}" if n else "—"
        rows.append((topic, n, cards_per_topic.get(topic, 0), same, share))
    n_all = sum(r[1] for r in rows)
    same_all = sum(r[3] for r in rows)
    rows.append(("total", n_all, len(cards), same_all, f"{same_all / n_all:.0%}" if n_all else "—"))
    print("\nPer topic: inventory entries, deck cards, entries whose best-matching card is in the same topic\n")
    _table(("topic", "entries", "cards", "best card same topic", "share"), rows)


def report_weakest(entries: list[Entry], cards: list[Any], best: Any, score: Any, n: int) -> None:
    order = sorted(range(len(entries)), key=lambda i: float(score[i]))[:n]
    print(f"\nThe {len(order)} entries with the weakest best match (check these for coverage gaps)\n")
    rows = []
    for i in order:
        e, c = entries[i], cards[int(best[i])]
        q = e.question if len(e.question) <= 70 else e.question[:67] + "..."
        rows.append((e.id, e.topic, f"{float(score[i]):.3f}", c.id, q))
    _table(("entry", "topic", "cosine", "best card", "entry question"), rows)


def read_maps(targets: Sequence[Path]) -> tuple[dict[str, list[str]], list[str]]:
    """entry id -> card ids, from TSV files (folders: their *.tsv); plus format problems."""
    files: list[Path] = []
    for t in targets:
        files += sorted(t.glob("*.tsv")) if t.is_dir() else [t]
    mapping: dict[str, list[str]] = {}
    problems = []
    for f in files:
        for no, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[0].strip():
                problems.append(f"{f}:{no}: expected 'entry_id<TAB>card_id[,card_id]', got {line!r}")
                continue
            entry_id, ids = parts[0].strip(), [i.strip() for i in parts[1].split(",") if i.strip()]
            if entry_id in mapping:
                problems.append(f"{f}:{no}: entry {entry_id} is mapped again (the mappings are merged)")
            mapping.setdefault(entry_id, []).extend(ids)
    return mapping, problems


def report_map(entries: list[Entry], cards: list[Any], best: Any, targets: Sequence[Path]) -> int:
    """Check the mapping files; return how many problems were found."""
    mapping, problems = read_maps(targets)
    by_id = {e.id: e for e in entries}
    known = {c.id for c in cards}
    best_of = {e.id: cards[int(b)].id for e, b in zip(entries, best, strict=True)}
    problems += [f"entry {eid} is not in the inventory" for eid in mapping if eid not in by_id]
    covered_topics = {by_id[eid].topic for eid in mapping if eid in by_id}
    rows = []
    for topic in sorted({e.topic for e in entries}):
        topic_entries = [e for e in entries if e.topic == topic]
        mapped = [e for e in topic_entries if mapping.get(e.id)]
        refs = [cid for e in mapped for cid in mapping[e.id]]
        unknown = sorted({cid for cid in refs if cid not in known})
        agree = sum(best_of[e.id] in mapping[e.id] for e in mapped)
        if topic in covered_topics:
            missing = [e.id for e in topic_entries if not mapping.get(e.id)]
            problems += [f"{topic}: entry {eid} is not mapped to any card" for eid in missing]
            problems += [f"{topic}: card id '{cid}' is mapped but no valid card has it" for cid in unknown]
            rows.append((topic, len(topic_entries), len(mapped), len(missing), len(set(refs)), len(unknown), agree))
        else:
            rows.append((topic, len(topic_entries), "no map", "—", "—", "—", "—"))
    print(f"\nMapping files ({', '.join(str(t) for t in targets)}): {len(mapping)} entries mapped\n")
    _table(("topic", "entries", "mapped", "unmapped", "cards named", "unknown ids", "best match in map"), rows)
    if problems:
        print(f"\n{len(problems)} problem{'s' * (len(problems) != 1)}:")
        for p in problems:
            print(f"  {p}")
    else:
        print("\nEvery entry of the mapped topics is mapped to existing card ids.")
    return len(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help=f"inventory YAML (default {DEFAULT_SEEDS})")
    parser.add_argument("--decks", type=Path, action="append", default=[], help="extra deck folder or file")
    parser.add_argument("--encoder", help="auto (default), hashing, minilm, or a model folder")
    parser.add_argument("--weakest", type=int, default=20, help="how many weakest matches to list")
    parser.add_argument("--map", type=Path, action="append", default=[], metavar="FILE",
                        help="entry_id<TAB>card_id[,card_id] file, or a folder of *.tsv (repeatable)")
    args = parser.parse_args(argv)
    if not args.seeds.is_file():
        parser.error(f"no inventory at {args.seeds}; pass --seeds PATH")
    with T.private_home() as home:
        T.set_private_home(home)  # the encoder's fitted files and the deck cache go here, not to the user's
        entries = read_inventory(args.seeds)
        cards, note = load_cards(args.decks)
        if not cards:
            raise SystemExit("no deck cards loaded")
        t0 = time.perf_counter()
        best, score, encoder = best_matches(entries, cards, args.encoder)
        took = time.perf_counter() - t0
    print(f"inventory {args.seeds}: {len(entries)} entries; decks: {len(cards)} cards; "
          f"encoder {encoder} ({took:.1f} s)")
    if note:
        print(f"note: {note}")
    report_topics(entries, cards, best)
    report_weakest(entries, cards, best, score, args.weakest)
    if args.map:
        return 1 if report_map(entries, cards, best, args.map) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
