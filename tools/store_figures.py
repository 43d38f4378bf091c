"""Figures for the progress store's robustness claims, outside the default test suite (minutes, GBs of disk).

    python tools/store_figures.py million [--reviews 1000000]   # backup and restore: peak memory, time
    python tools/store_figures.py fuzz [--cases 10000] [--which restore|batch|both]

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
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = 60  # reviews in the store and the backup each restore case starts from
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
        for c in range(min(400, n)):
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
        db = sqlite3.connect(full / "data" / "progress.sqlite3")
        started = time.monotonic()
        db.execute("PRAGMA quick_check(1)").fetchall()
        took = time.monotonic() - started
        print(f"quick_check: {took:.2f} s ({size / 2**20 / took:.0f} MiB/s)")
        db.close()
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


class Hang(Exception):
    """A case ran past its time limit (CPU time: the shared machine's load must not count as a hang)."""


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def _run_cases(strategy, n: int, seed: int, case, counts: dict, name: str, started: float) -> None:
    """Call `case(value)` on `n` values drawn from a hypothesis strategy, reproducibly (no shrinking, no
    example database), one at a time; a progress report every 500 cases, so a run cut short still tells."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    @hseed(seed)
    @settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck),
              phases=["generate"])
    @given(strategy)
    def each(value) -> None:
        case(value)
        if counts["cases"] % 500 == 0:
            _report(name, counts, started)

    each()


def _report(name: str, counts: dict, started: float) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name}: {counts['cases']:,} cases in {time.monotonic() - started:.0f} s "
          f"({resource.getrusage(resource.RUSAGE_SELF).ru_utime:.0f} s CPU); tracebacks "
          f"{counts['tracebacks']}, hangs over 5 s of CPU {counts['hangs']}, rows lost {counts['lost']}, "
          f"slowest case {counts['slowest']:.2f} s wall / {counts['slowest_cpu']:.2f} s CPU, "
          f"peak memory {peak:.0f} MB; " +
          ", ".join(f"{k} {v:,}" for k, v in counts.items() if k.startswith("n_")))
    for line in counts["examples"][:5]:
        print("   ", line)
    sys.stdout.flush()


def fuzz_restore(n: int) -> None:
    """Mutated backups through `backup.restore` into a store of BASE reviews: refused whole (LlmquizError,
    store unchanged) or merged into a store that scheduling and stats can use; the BASE rows never lost."""
    from hypothesis import strategies as st

    from llmquiz import backup, scheduling, stats
    from llmquiz.errors import LlmquizError
    from llmquiz.review import Rating
    from llmquiz.store import Store
    from tests.test_backup import JSON, SCALARS

    home = Path(tempfile.mkdtemp())
    os.environ["LLMQUIZ_HOME"] = str(home)
    make_store(home, BASE)
    store = Store.open()
    base_rows = {r.row() for r in store.reviews()}
    base_states = store.states()
    source = home / "source.json"
    backup.backup(store, source)
    text = source.read_text()
    fields = ["card_id", "topic", "reviewed_at", "mode", "rating", "seconds", "answer", "score", "verdict",
              "found", "missed", "state_before", "state_after", "extra"]
    fsrs = ["card_id", "state", "step", "stability", "difficulty", "due", "last_review"]
    mutation = st.one_of(
        st.tuples(st.just("field"), st.integers(0, BASE - 1), st.sampled_from(fields), JSON),
        st.tuples(st.just("fsrs"), st.integers(-1, BASE - 1), st.sampled_from(fsrs), SCALARS),
        st.tuples(st.just("cut"), st.integers(0, len(text)), st.binary(max_size=40)),
        st.tuples(st.just("deep"), st.integers(0, BASE - 1), st.integers(1, 200_000)),
        st.tuples(st.just("big"), st.integers(0, BASE - 1), st.integers(1, 5_000_000)),
        st.tuples(st.just("top"), st.sampled_from(["format", "version", "created", "reviews", "states", "x"]), JSON))
    counts = {"cases": 0, "tracebacks": 0, "hangs": 0, "lost": 0, "slowest": 0.0, "slowest_cpu": 0.0,
              "n_accepted": 0, "n_refused": 0, "examples": []}
    signal.signal(signal.SIGPROF, _alarm)
    started = time.monotonic()
    now = datetime(2026, 12, 7, tzinfo=UTC)
    case_path = home / "case.json"

    def one(case: tuple) -> None:
        accepted = False
        _write_case(case, text, case_path)
        counts["cases"] += 1
        t0, c0 = time.monotonic(), time.process_time()
        signal.setitimer(signal.ITIMER_PROF, 5.0)  # 5 s of CPU: a hang, whatever the machine's load
        try:
            try:
                backup.restore(store, case_path)
                accepted = True
            except LlmquizError:
                accepted = False
            rows = {r.row() for r in store.reviews()}
            if accepted:
                counts["n_accepted"] += 1
                for state, _due in store.states().values():
                    scheduling.review(state, Rating.GOOD, now)
                    scheduling.retrievability(state, now)
                for r in store.reviews():
                    scheduling.review(r.state_after, Rating.AGAIN, now)
                stats.compute(store, [], now=now)
            else:
                counts["n_refused"] += 1
                if rows != base_rows or store.states() != base_states:
                    counts["examples"].append(f"refused but the store changed: {case!r:.200}")
            counts["lost"] += len(base_rows - rows)
        except Hang:
            counts["hangs"] += 1
            counts["examples"].append(f"hang: {case!r:.200}")
        except Exception as e:
            counts["tracebacks"] += 1
            counts["examples"].append(f"{type(e).__name__}: {e!s:.100} <- {case!r:.200}")
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        counts["slowest"] = max(counts["slowest"], time.monotonic() - t0)
        counts["slowest_cpu"] = max(counts["slowest_cpu"], time.process_time() - c0)
        if accepted:  # back to the BASE rows for the next case
            with store.writing() as db:
                db.execute("DELETE FROM reviews WHERE id > ?", (BASE,))
                db.execute("DELETE FROM card_state")
                db.executemany("INSERT INTO card_state VALUES (?, ?, ?, ?)",
                               [(c, json.dumps(st_), due, st_.get("last_review") or due)
                                for c, (st_, due) in base_states.items()])

    _run_cases(mutation, n, 22, one, counts, "restore", started)
    _report("restore", counts, started)


def _write_case(case: tuple, text: str, path: Path) -> None:
    kind = case[0]
    if kind == "cut":
        raw = text.encode()
        path.write_bytes(raw[:case[1]] + case[2] + raw[case[1] + len(case[2]):])
        return
    if kind == "deep":
        lines = text.splitlines()
        lines[2 + case[1]] = "[" * case[2] + "]" * case[2] + ("," if case[1] < BASE - 1 else "")
        path.write_text("\n".join(lines))
        return
    d = json.loads(text)
    if kind == "field":
        d["reviews"][case[1]][case[2]] = case[3]
    elif kind == "fsrs":
        target = next(iter(d["states"].values()))["state"] if case[1] < 0 else d["reviews"][case[1]]["state_after"]
        target[case[2]] = case[3]
    elif kind == "big":
        d["reviews"][case[1]]["answer"] = "x" * case[2]
    elif kind == "top":
        d[case[1]] = case[2]
    path.write_text(json.dumps(d, allow_nan=True))


def fuzz_batch(n: int) -> None:
    """Generated JSON lines through the `grade --batch` reader: one result per line, the good line graded."""
    import io

    from hypothesis import strategies as st

    from llmquiz import batch_lines
    from llmquiz.grading.encoders import get_encoder
    from tests.test_batch_lines import GOOD, LINES

    os.environ["LLMQUIZ_HOME"] = tempfile.mkdtemp()
    encoder = get_encoder("hashing")
    raw_lines = st.one_of(LINES.map(lambda t: t.replace("\n", " ").replace("\r", " ").encode("utf-8", "surrogatepass")),
                          st.binary(max_size=200).map(lambda b: b.replace(b"\n", b" ")),
                          st.integers(1, 200_000).map(lambda k: b"[" * k + b"]" * k),
                          st.integers(1, 3_000_000).map(lambda k: b'{"question": "q", "reference": "r", "answer": "' +
                                                         b"w " * k + b'"}'))
    counts = {"cases": 0, "tracebacks": 0, "hangs": 0, "lost": 0, "slowest": 0.0, "slowest_cpu": 0.0,
              "n_lines": 0, "n_errors": 0, "examples": []}
    signal.signal(signal.SIGPROF, _alarm)
    started = time.monotonic()
    def one(line: bytes) -> None:
        data = line + b"\n" + GOOD.encode() + b"\n"
        expected = sum(1 for part in data.split(b"\n") if part.decode("utf-8", "replace").strip())
        counts["cases"] += 1
        t0, c0 = time.monotonic(), time.process_time()
        signal.setitimer(signal.ITIMER_PROF, 5.0)  # 5 s of CPU: a hang, whatever the machine's load
        try:
            out = list(batch_lines.grade_lines(io.BytesIO(data), encoder))
            for o in out:
                json.dumps(o)
            counts["n_lines"] += len(out)
            counts["n_errors"] += sum("error" in o for o in out)
            if len(out) != expected or out[-1].get("verdict") != "correct":
                counts["lost"] += 1
                counts["examples"].append(f"lost: {line[:120]!r}")
        except Hang:
            counts["hangs"] += 1
            counts["examples"].append(f"hang: {line[:120]!r}")
        except Exception as e:
            counts["tracebacks"] += 1
            counts["examples"].append(f"{type(e).__name__}: {e!s:.100} <- {line[:120]!r}")
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        counts["slowest"] = max(counts["slowest"], time.monotonic() - t0)
        counts["slowest_cpu"] = max(counts["slowest_cpu"], time.process_time() - c0)

    _run_cases(raw_lines, n, 22, one, counts, "grade --batch", started)
    _report("grade --batch", counts, started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    m = sub.add_parser("million")
    m.add_argument("--reviews", type=int, default=1_000_000)
    f = sub.add_parser("fuzz")
    f.add_argument("--cases", type=int, default=10_000)
    f.add_argument("--which", choices=("restore", "batch", "both"), default="both")
    args = parser.parse_args()
    if args.what == "million":
        million(args.reviews)
    elif args.which in ("restore", "both"):
        fuzz_restore(args.cases)
    if args.what == "fuzz" and args.which in ("batch", "both"):
        fuzz_batch(args.cases)


if __name__ == "__main__":
    main()
