"""Figures for the progress store's robustness claims, outside the default test suite (minutes, GBs of disk).

    python tools/store_figures.py million [--reviews 1000000]   # backup and restore: peak memory, time
    python tools/store_figures.py fuzz [--cases 10000]          # restore and grade --batch on generated input

`million` builds a store of N realistic reviews, then runs `llmquiz backup` and `llmquiz restore` (into
an empty store, then again into the full one) each in its own process, reporting wall time and peak
resident memory (ru_maxrss of the child). `fuzz` feeds hypothesis-generated backups and JSON lines,
each case in a child process with a 5 s limit, and counts tracebacks, hangs, peak memory and rows lost.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_child(args: list[str], home: Path, *, stdin: bytes | None = None, timeout: float = 3600) -> dict:
    """Run `python -m llmquiz ARGS` in a child; return rc, seconds, its own peak MB, and its output."""
    env = dict(os.environ, LLMQUIZ_HOME=str(home), NO_COLOR="1", COLUMNS="200", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        inp.write(stdin or b"")
        inp.seek(0)
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "llmquiz", *args], env=env, stdin=inp, stdout=out,
                                stderr=err)
        hung = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                proc.kill()
                hung = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"rc": proc.returncode, "seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "hung": hung,
                "stdout": out.read().decode(errors="replace"), "stderr": err.read().decode(errors="replace")}


def make_store(home: Path, n: int) -> None:
    """A store of `n` reviews over 400 cards, written straight into SQLite (what a heavy learner accumulates)."""
    from llmquiz import scheduling
    from llmquiz.review import Rating, Review
    from llmquiz.store import INSERT_REVIEW, Store, _row

    os.environ["LLMQUIZ_HOME"] = str(home)
    rng = random.Random(7)
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    state = None
    with Store.open() as store:
        db = store.db
        db.execute("BEGIN")
        rows = []
        for i in range(n):
            at = t0 + timedelta(seconds=137 * i)
            rating = Rating(rng.randint(1, 4))
            if i % 1000 == 0:
                state, _ = scheduling.review(None, rating, at)
            review = Review(card_id=f"card-{i % 400}", topic=f"topic-{i % 16}", reviewed_at=at, mode="free",
                            rating=rating, seconds=rng.uniform(3, 90),
                            answer="the dot products grow with d_k so the softmax saturates " * 2,
                            score=rng.randint(0, 5), verdict="correct", found=("variance grows",),
                            missed=("scaling restores unit variance",), state_before=state, state_after=state)
            rows.append(_row(review))
            if len(rows) == 10_000:
                db.executemany(INSERT_REVIEW, rows)
                rows = []
        db.executemany(INSERT_REVIEW, rows)
        for c in range(400):
            db.execute("INSERT OR REPLACE INTO card_state VALUES (?, ?, ?, ?)",
                       (f"card-{c}", json.dumps(state), state["due"], state["last_review"]))
        db.execute("INSERT INTO misses SELECT card_id, 'scaling restores unit variance', COUNT(*) FROM reviews "
                   "GROUP BY card_id")
        db.execute("COMMIT")


def million(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        full, empty = tmp_path / "full", tmp_path / "empty"
        started = time.monotonic()
        make_store(full, n)
        size = (full / "data" / "progress.sqlite3").stat().st_size
        print(f"store of {n:,} reviews built in {time.monotonic() - started:.0f} s ({size / 2**20:.0f} MiB)")
        backup = tmp_path / "backup.json"
        for label, args, home in (("backup", ["backup", "-o", str(backup)], full),
                                  ("restore into an empty store", ["restore", str(backup)], empty),
                                  ("restore again (all skipped)", ["restore", str(backup)], empty)):
            r = run_child(args, home)
            print(f"{label}: rc {r['rc']}, {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB; "
                  f"{(r['stdout'] + r['stderr']).strip()[:200]}")
        print(f"backup file: {backup.stat().st_size / 2**20:.0f} MiB")
        db = sqlite3.connect(empty / "data" / "progress.sqlite3")
        print("restored reviews:", db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0],
              "integrity:", db.execute("PRAGMA integrity_check").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    m = sub.add_parser("million")
    m.add_argument("--reviews", type=int, default=1_000_000)
    f = sub.add_parser("fuzz")
    f.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    if args.what == "million":
        million(args.reviews)


if __name__ == "__main__":
    main()
