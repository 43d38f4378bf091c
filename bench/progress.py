"""Spaced repetition at scale: `python bench/progress.py [--reviews N] [--cards N] [--runs N]`.

Builds, in a private LLMQUIZ_HOME, a progress store of 1,000,000 reviews of 10,000 generated cards
spread over the last year (opened with `Store.open` so the real schema and migrations apply, then
filled in one transaction: `reviews` with every column including `day`, plus `card_state` and
`misses` consistent with them; 3% of cards are leeches), and writes the 10,000 cards as deck files.

Then measures (medians): `llmquiz.stats.compute` in process, the whole `llmquiz stats --json
--decks DIR` as a subprocess, `llmquiz.scheduling.plan` choosing the next session (the plain
`study` queue and the `study --topic` queue), and the store's size per 100,000 reviews.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _timing as T

STATS_TARGET = 1.0   # seconds, stats.compute
PLAN_TARGET = 0.05   # seconds, scheduling.plan
LEECH_SHARE = 0.03
NEW_SHARE = 0.05
ANSWERS = (
    "Attention compares each query with every key, scales by the square root of the head size and takes a "
    "softmax, so each token gets a weighted mix of the values.",
    "It caches the keys and values of earlier tokens so decoding does not recompute them; memory grows "
    "with the sequence length and the batch.",
    "LoRA freezes the base weights and learns a low-rank update BA, so only a few million parameters train.",
    "Retrieval finds passages for the question and puts them in the prompt, which grounds the answer.",
    "no idea, something about the learning rate",
    "Temperature divides the logits before the softmax: lower is sharper, higher is flatter.",
    "Chinchilla says about twenty tokens per parameter for compute-optimal training.",
    "",
)
VERDICTS = {1: ("wrong", 1), 2: ("partial", 3), 3: ("correct", 4), 4: ("correct", 5)}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _state(stability: float, difficulty: float, due_ts: float, last_ts: float, state: int) -> str:
    # The JSON `fsrs.Card.to_dict()` gives, as the store keeps it (card_id is fixed to 1 by llmquiz).
    return (f'{{"card_id": 1, "state": {state}, "step": null, "stability": {stability:.4f}, '
            f'"difficulty": {difficulty:.4f}, "due": "{_iso(due_ts)}", "last_review": "{_iso(last_ts)}"}}')


def generate_store(path: Path, cards: list[Any], n_reviews: int, now: datetime, seed: int = 0) -> dict[str, Any]:
    """Fill a new store at `path` with `n_reviews` reviews of `cards` over the year before `now`."""
    import numpy as np

    from llmquiz.store import INSERT_REVIEW, Store

    rng = np.random.default_rng(seed)
    n_cards = len(cards)
    leech = rng.random(n_cards) < LEECH_SHARE
    unseen = rng.random(n_cards) < NEW_SHARE  # cards never reviewed yet: the `new` part of a queue
    weights = rng.gamma(2.0, 1.0, n_cards) * np.where(leech, 1.5, 1.0) * np.where(unseen, 0.0, 1.0)
    counts = rng.multinomial(n_reviews, weights / weights.sum())
    card_of = np.repeat(np.arange(n_cards), counts)
    end = now.timestamp()
    times = end - rng.uniform(60, 365 * 86400, n_reviews)
    order = np.lexsort((times, card_of))  # each card's reviews in time order, to chain its states
    card_of, times = card_of[order], times[order]
    p_again = np.where(leech[card_of], 0.45, 0.10)
    u = rng.random(n_reviews)
    ratings = np.where(u < p_again, 1, np.where(u < p_again + 0.15, 2, np.where(u < 0.9, 3, 4)))
    flash = rng.random(n_reviews) < 0.15
    seconds = np.round(rng.lognormal(3.5, 0.6, n_reviews), 2)
    stabilities = rng.lognormal(np.log(5.0), 1.0, n_reviews)
    difficulties = rng.uniform(1, 10, n_reviews)
    answer_pick = rng.integers(0, len(ANSWERS), n_reviews)
    utc_offset = datetime.now().astimezone().utcoffset() or timedelta(0)  # local day, as the store keeps

    misses: Counter[tuple[str, str]] = Counter()
    last: dict[str, tuple[str, str, str]] = {}
    rows: list[tuple[float, tuple[Any, ...]]] = []
    prev_card, before = -1, None
    for k in range(n_reviews):
        ci = int(card_of[k])
        card = cards[ci]
        if ci != prev_card:
            prev_card, before = ci, None
        t = float(times[k])
        rating = int(ratings[k])
        stability = 0.5 if rating == 1 else float(stabilities[k])
        due = t + stability * 86400
        after = _state(stability, float(difficulties[k]), due, t, 3 if rating == 1 else 2)
        at = _iso(t)
        points = [kp.point for kp in card.key_points]
        if flash[k]:
            mode, answer, score, verdict, found, missed = "flash", "", None, None, [], []
        else:
            verdict, score = VERDICTS[rating]
            n_found = {1: 0, 2: 1, 3: len(points), 4: len(points)}[rating]
            found, missed = points[:n_found], points[n_found:]
            mode, answer = "free", ANSWERS[int(answer_pick[k])]
            for p in missed:
                misses[(card.id, p)] += 1
        day = (datetime.fromtimestamp(t, UTC) + utc_offset).date().isoformat()
        rows.append((t, (card.id, card.topic, at, mode, answer, score, verdict, rating, float(seconds[k]),
                         _json_list(found), _json_list(missed), before, after, day)))
        before = after
        last[card.id] = (after, _iso(due), at)
    rows.sort(key=lambda r: r[0])  # ids grow with time, as in a real store

    store = Store.open(path)
    db = store.db
    db.execute("BEGIN")
    db.executemany(INSERT_REVIEW, (r for _, r in rows))
    db.executemany("INSERT INTO card_state (card_id, state, due, updated_at) VALUES (?, ?, ?, ?)",
                   ((cid, s, due, at) for cid, (s, due, at) in last.items()))
    db.executemany("INSERT INTO misses (card_id, point, n) VALUES (?, ?, ?)",
                   ((cid, p, n) for (cid, p), n in misses.items()))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return {"leeches": int(leech.sum()), "reviewed_cards": len(last)}


def _json_list(items: list[str]) -> str:
    return json.dumps(items) if items else "[]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--cards", type=int, default=10_000, help="generated cards (20 deck files)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per operation (median; >= 5)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="generate into DIR and keep it; a later run with the same DIR and sizes reuses it")
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    os.chdir(T.REPO)
    print(f"python {sys.version.split()[0]} ({sys.executable}); {T.load_average()} at start")
    with T.private_home() if args.keep is None else contextlib.nullcontext(args.keep.resolve()) as work:
        home = work / "home"
        T.set_private_home(home)
        rows, notes = run(work, home, args)
    T.print_table(f"Progress at scale: {args.reviews:,} reviews of {args.cards:,} cards (medians)", rows)
    for note in notes:
        print(f"  note: {note}")
    print(f"  {T.load_average()} at end")
    return 1 if any(r.ok is False for r in rows) else 0


def run(work: Path, home: Path, args: argparse.Namespace) -> tuple[list[T.Row], list[str]]:
    from llmquiz import decks, paths, scheduling, stats
    from llmquiz.store import Store

    notes = []
    deck_dir = work / "decks"
    store_path = paths.store_path()
    marker = work / f"generated-{args.cards}-{args.reviews}.json"
    t0 = time.perf_counter()
    if marker.exists() and store_path.exists():
        info = json.loads(marker.read_text(encoding="utf-8"))
        now = datetime.fromisoformat(info["now"])
        library = decks.load([deck_dir])
        cards = list(library.cards.values())
        notes.append(f"reused the store and decks generated in {work} at {info['now']}")
    else:
        for old in (deck_dir, store_path.parent):
            shutil.rmtree(old, ignore_errors=True)
        T.write_generated_decks(deck_dir, files=20, per_file=args.cards // 20)
        library = decks.load([deck_dir])
        if library.problems:
            notes.append(f"generated decks: {len(library.problems)} problems")
        cards = list(library.cards.values())
        now = datetime.now(UTC)
        info = generate_store(store_path, cards, args.reviews, now)
        info["now"] = now.isoformat()
        marker.write_text(json.dumps(info), encoding="utf-8")
    size = store_path.stat().st_size
    notes.append(f"{len(cards):,} cards and {args.reviews:,} reviews ready in {time.perf_counter() - t0:.0f} s "
                 f"({info['reviewed_cards']:,} cards reviewed, {info['leeches']} leech-prone); "
                 f"store {size / 1e6:.0f} MB")

    rows: list[T.Row] = []
    store = Store.open(store_path)
    topic_cards = list(library.decks[next(iter(library.decks))].cards)

    def add(name: str, fn: Any, target: float | None, what: str = "") -> None:
        fn()  # warm: SQLite page cache and Python imports, as in a running command
        samples = T.repeat(fn, args.runs)
        wall, cpu = T.medians(samples)
        row = T.Row(name, wall, cpu, len(samples))
        if target is not None:
            row.target = f"<= {T.fmt_time(target)}"
            row.ok = wall is not None and wall <= target
        if what:
            row.note = what
        rows.append(row)

    result = stats.compute(store, cards, now=now)
    add("stats.compute, all cards", lambda: stats.compute(store, cards, now=now), STATS_TARGET,
        f"{result.reviews:,} reviews, streak {result.streak}, {len(result.leeches)} leeches listed")
    add(f"stats.compute, one topic ({len(topic_cards)} cards)",
        lambda: stats.compute(store, topic_cards, now=now), STATS_TARGET)

    def plan_all() -> Any:
        new_limit = max(0, scheduling.DEFAULT_NEW_PER_DAY - scheduling.new_cards_today(store, now))
        return scheduling.plan(cards, store, now=now, limit=20, new_limit=new_limit)

    def plan_topic() -> Any:
        return scheduling.plan(topic_cards, store, now=now, limit=20, new_limit=20, cram=True)

    p = plan_all()
    add("plan: `study` queue, all cards", plan_all, PLAN_TARGET,
        f"incl. new_cards_today; {p.due} due + {p.new} new of {len(cards):,} cards")
    p = plan_topic()
    add(f"plan: `study --topic` queue ({len(topic_cards)} cards)", plan_topic, PLAN_TARGET,
        f"{p.due} due, {p.new} new, {p.cram} weakest")

    def plan_rank() -> Any:
        return scheduling.plan(topic_cards, store, now=now, limit=len(topic_cards), new_limit=0, cram=True)

    p = plan_rank()
    add("plan: `--topic`, ranking every card (worst case)", plan_rank, PLAN_TARGET,
        f"limit = the topic's size, so the weakest-first ranking reads every schedule: {p.due} due, "
        f"{p.cram} ranked")
    store.close()

    code, deck_note = T.cli_code_path(work)
    if deck_note:
        notes.append(deck_note)
    env = T.clean_env(home, [code])
    argv = T.python_module("llmquiz", "stats", "--json", "--decks", str(deck_dir))
    failures: list[str] = []

    def cli() -> T.Sample | None:
        wall, cpu, code_, err = T.time_process(argv, env, work)
        if code_ != 0:
            failures.append(f"exit {code_}: {err}")
        return wall, cpu

    cli()  # warm-up: fills the deck cache for the generated decks
    samples = T.interleaved({"cli": cli}, args.runs)["cli"]
    wall, cpu = T.medians(samples)
    rows.append(T.Row("`llmquiz stats --json --decks DIR` (subprocess)", wall, cpu, len(samples),
                      note="the whole command: start-up, shipped + 10,000 generated cards (warm deck cache), "
                           "stats, JSON" + (f"; FAILED: {failures[-1]}" if failures else "")))
    per_100k = size / (args.reviews / 100_000)
    rows.append(T.Row("store size per 100,000 reviews", per_100k / 1e6, unit="MB",
                      note=f"{size / 1e6:.0f} MB for {args.reviews:,} reviews, after a WAL checkpoint"))
    return rows, notes


if __name__ == "__main__":
    sys.exit(main())
