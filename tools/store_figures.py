"""Figures for the progress store's robustness claims, outside the default test suite (minutes, GBs of disk).

    python tools/store_figures.py million [--reviews 1000000]   # backup and restore: peak memory, time
    python tools/store_figures.py fuzz [--cases 10000] [--which restore|batch|config|all]
    python tools/store_figures.py kill [--rounds 700]           # signals mid-save: reviews lost
    python tools/store_figures.py concurrent [--procs 700]      # terminals saving at once

`million` builds a store of N realistic reviews, then runs `llmquiz backup` and `llmquiz restore` (into
an empty store, then again into the full one) each in its own process, reporting wall time and peak
resident memory (ru_maxrss of the child).

`fuzz` draws hypothesis cases here and runs each in one worker process (a backup restored into a store,
a `grade --batch` line, a `config set` or a config file), with a 5 s CPU limit per case; it counts
tracebacks, hangs and rows lost, and reports the worker's peak memory (llmquiz's) apart from this
process's (hypothesis keeps a record of every case, hundreds of MB after 10,000). A worker that dies is
counted and replaced.

`kill` starts a writer that saves reviews the way `study` does (`Store.review_card`) and prints each id
once saved, then sends it SIGKILL, SIGTERM, SIGINT or SIGHUP at a random moment: every review it
acknowledged must be in the store, the file must pass `integrity_check` and open again. `concurrent`
starts writers in waves, all reviewing the same few cards: none may give up, every acknowledged review
is there, and each card's reviews form one chain (each built on the state the previous one saved).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
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


# ---------------------------------------------------------------- fuzz: cases drawn here, run in a worker

class Worker:
    """A child process that runs fuzz cases of one kind; pickles go in and out on its stdin and stdout."""

    def __init__(self, which: str) -> None:
        self.which = which
        self.proc: subprocess.Popen | None = None
        self.peak_mb = 0.0
        self.deaths = 0

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
        return subprocess.Popen([sys.executable, __file__, "worker", self.which], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env)

    def run(self, case: object) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = self._start()
        assert self.proc.stdin is not None and self.proc.stdout is not None
        blob = pickle.dumps(case)
        try:
            self.proc.stdin.write(len(blob).to_bytes(8, "big") + blob)
            self.proc.stdin.flush()
            size = int.from_bytes(_read_exactly(self.proc.stdout, 8), "big")
            result = pickle.loads(_read_exactly(self.proc.stdout, size))
        except (OSError, EOFError):
            self.proc.kill()
            _, status, usage = os.wait4(self.proc.pid, 0)
            self.peak_mb = max(self.peak_mb, usage.ru_maxrss / 1024)
            self.proc = None
            self.deaths += 1
            return {"outcome": "traceback", "detail": f"the worker died (status {status})", "wall": 0.0, "cpu": 0.0}
        self.peak_mb = max(self.peak_mb, result.pop("peak_mb"))
        return result

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            _, _, usage = os.wait4(self.proc.pid, 0)
            self.peak_mb = max(self.peak_mb, usage.ru_maxrss / 1024)


def _read_exactly(f, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise EOFError
    return data


def worker(which: str) -> None:
    """The worker's loop: read a case, run it under a 5 s CPU limit, answer with its outcome."""
    proto_in = sys.stdin.buffer
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything llmquiz prints goes to stderr, never into the protocol
    run_case = {"restore": _restore_case, "batch": _batch_case, "config": _config_case}[which]()
    signal.signal(signal.SIGPROF, _alarm)
    while True:
        head = proto_in.read(8)
        if len(head) < 8:
            return
        case = pickle.loads(_read_exactly(proto_in, int.from_bytes(head, "big")))
        t0, c0 = time.monotonic(), time.process_time()
        signal.setitimer(signal.ITIMER_PROF, 5.0)  # 5 s of CPU: a hang, whatever the machine's load
        try:
            result = run_case(case)
        except Hang:
            result = {"outcome": "hang", "detail": f"hang: {case!r:.200}"}
        except Exception as e:
            result = {"outcome": "traceback", "detail": f"{type(e).__name__}: {e!s:.100} <- {case!r:.200}"}
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        result.update(wall=time.monotonic() - t0, cpu=time.process_time() - c0,
                      peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        blob = pickle.dumps(result)
        proto_out.write(len(blob).to_bytes(8, "big") + blob)
        proto_out.flush()


def _restore_case():
    """Mutated backups through `backup.restore` into a store of BASE reviews: refused whole (LlmquizError,
    store unchanged) or merged into a store that scheduling and stats can use; the BASE rows never lost."""
    from llmquiz import backup, scheduling, stats
    from llmquiz.errors import LlmquizError
    from llmquiz.review import Rating
    from llmquiz.store import Store

    home = Path(tempfile.mkdtemp())
    os.environ["LLMQUIZ_HOME"] = str(home)
    make_store(home, BASE)
    store = Store.open()
    base_rows = {r.row() for r in store.reviews()}
    base_states = store.states()
    source = home / "source.json"
    backup.backup(store, source)
    text = source.read_text()
    now = datetime(2026, 12, 7, tzinfo=UTC)
    case_path = home / "case.json"

    def one(case: tuple) -> dict:
        _write_case(case, text, case_path)
        out = {"outcome": "ok", "lost": 0}
        try:
            backup.restore(store, case_path)
            out["accepted"] = True
        except LlmquizError:
            out["accepted"] = False
        try:
            rows = {r.row() for r in store.reviews()}
            if out["accepted"]:
                for state, _due in store.states().values():
                    scheduling.review(state, Rating.GOOD, now)
                    scheduling.retrievability(state, now)
                for r in store.reviews():
                    scheduling.review(r.state_after, Rating.AGAIN, now)
                stats.compute(store, [], now=now)
            elif rows != base_rows or store.states() != base_states:
                out.update(outcome="changed", detail=f"refused but the store changed: {case!r:.200}")
            out["lost"] = len(base_rows - rows)
        finally:
            if out["accepted"]:  # back to the BASE rows for the next case
                with store.writing() as db:
                    db.execute("DELETE FROM reviews WHERE id > ?", (BASE,))
                    db.execute("DELETE FROM card_state")
                    db.executemany("INSERT INTO card_state VALUES (?, ?, ?, ?)",
                                   [(c, json.dumps(st_), due, st_.get("last_review") or due)
                                    for c, (st_, due) in base_states.items()])
        return out

    return one


def _restore_strategy():
    from hypothesis import strategies as st

    from tests.test_backup import JSON, SCALARS

    with tempfile.TemporaryDirectory() as tmp:  # the backup every case mutates, to size the cuts
        home = Path(tmp)
        make_store(home, BASE)
        from llmquiz import backup
        from llmquiz.store import Store

        with Store.open() as store:
            backup.backup(store, home / "b.json")
        size = len((home / "b.json").read_text())
    fields = ["card_id", "topic", "reviewed_at", "mode", "rating", "seconds", "answer", "score", "verdict",
              "found", "missed", "state_before", "state_after", "extra"]
    fsrs = ["card_id", "state", "step", "stability", "difficulty", "due", "last_review"]
    return st.one_of(
        st.tuples(st.just("field"), st.integers(0, BASE - 1), st.sampled_from(fields), JSON),
        st.tuples(st.just("fsrs"), st.integers(-1, BASE - 1), st.sampled_from(fsrs), SCALARS),
        st.tuples(st.just("cut"), st.integers(0, size), st.binary(max_size=40)),
        st.tuples(st.just("deep"), st.integers(0, BASE - 1), st.integers(1, 200_000)),
        st.tuples(st.just("big"), st.integers(0, BASE - 1), st.integers(1, 5_000_000)),
        st.tuples(st.just("top"), st.sampled_from(["format", "version", "created", "reviews", "states", "x"]), JSON))


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


def _batch_case():
    """Generated JSON lines through the `grade --batch` reader: one result per line, the good line graded."""
    import io

    from llmquiz import batch_lines
    from llmquiz.grading.encoders import get_encoder
    from tests.test_batch_lines import GOOD

    os.environ["LLMQUIZ_HOME"] = tempfile.mkdtemp()
    encoder = get_encoder("hashing")

    def one(line: bytes) -> dict:
        data = line + b"\n" + GOOD.encode() + b"\n"
        expected = sum(1 for part in data.split(b"\n") if part.decode("utf-8", "replace").strip())
        out = list(batch_lines.grade_lines(io.BytesIO(data), encoder))
        for o in out:
            json.dumps(o)
        result = {"outcome": "ok", "lines": len(out), "errors": sum("error" in o for o in out), "lost": 0}
        if len(out) != expected or out[-1].get("verdict") != "correct":
            result.update(outcome="lost", lost=1, detail=f"lost: {line[:120]!r}")
        return result

    return one


def _batch_strategy():
    from hypothesis import strategies as st

    from tests.test_batch_lines import LINES

    return st.one_of(
        LINES.map(lambda t: t.replace("\n", " ").replace("\r", " ").encode("utf-8", "surrogatepass")),
        st.binary(max_size=200).map(lambda b: b.replace(b"\n", b" ")),
        st.integers(1, 200_000).map(lambda k: b"[" * k + b"]" * k),
        st.integers(1, 3_000_000).map(lambda k: b'{"question": "q", "reference": "r", "answer": "' + b"w " * k + b'"}'))


def _config_case():
    """`config set KEY VALUE` with any key and value, or any bytes as the config file: refused with one
    ConfigError, or saved so that the next `load` reads back what was set; the file never left unreadable."""
    from llmquiz import config
    from llmquiz.errors import LlmquizError

    home = Path(tempfile.mkdtemp())
    os.environ["LLMQUIZ_HOME"] = str(home)
    path = config.config_path()

    def one(case: tuple) -> dict:
        kind, key, value = case
        path.unlink(missing_ok=True)
        out = {"outcome": "ok", "lost": 0}
        if kind == "file":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(value)
            try:
                config.load().to_dict()
                out["accepted"] = True
            except LlmquizError:
                out["accepted"] = False
            return out
        try:
            saved = config.set_value(key, value)
            out["accepted"] = True
        except LlmquizError:
            out["accepted"] = False
            if path.exists():
                out.update(outcome="changed", detail=f"refused but a file was written: {case!r:.200}")
            return out
        try:
            back = config.load()
        except LlmquizError as e:
            return {**out, "outcome": "lost", "lost": 1, "detail": f"saved but unreadable ({e.message}): {case!r:.200}"}
        if back != saved:
            out.update(outcome="lost", lost=1, detail=f"read back {back!r} after saving {saved!r}: {case!r:.200}")
        return out

    return one


def _config_strategy():
    from hypothesis import strategies as st

    from llmquiz.config import Config

    keys = [f.name for f in __import__("dataclasses").fields(Config)]
    edge = st.sampled_from(["", " ", "0", "1", "-1", "20", "1000", "1001", "0.7", "0.99", "1e9", "nan", "inf",
                            "true", "False", "yes", "off", "auto", "hashing", "minilm", "MiniLM ", "rag", "RAG",
                            "rag\n", "at", "attention\x1b[2J", "/", "~", "/tmp", "../x", '"quoted"', "a\\b",
                            "x = 1", "[section]", "\ud800", "\u202e", "é" * 3, "9" * 40])
    text = st.text(max_size=40) | edge
    toml_bytes = st.one_of(
        st.binary(max_size=200),
        st.lists(st.tuples(st.sampled_from(keys) | st.text(max_size=10), text | st.integers().map(str)
                           | st.floats().map(repr) | st.sampled_from(["true", "[1, 2]", "{a = 1}", '"x"'])),
                 max_size=5).map(lambda kv: "\n".join(f"{k} = {v}" for k, v in kv).encode("utf-8", "surrogatepass")))
    return st.one_of(st.tuples(st.just("set"), st.sampled_from(keys) | st.text(max_size=12), text),
                     st.tuples(st.just("file"), st.none(), toml_bytes))


def fuzz(which: str, n: int, seed: int = 22) -> dict:
    """Run `n` hypothesis cases of one kind through a worker; print and return the counts."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    strategy = {"restore": _restore_strategy, "batch": _batch_strategy, "config": _config_strategy}[which]()
    w = Worker(which)
    counts = {"cases": 0, "tracebacks": 0, "hangs": 0, "lost": 0, "changed": 0, "slowest_wall": 0.0,
              "slowest_cpu": 0.0, "accepted": 0, "examples": []}
    started = time.monotonic()

    @hseed(seed)
    @settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck),
              phases=["generate"])
    @given(strategy)
    def each(case) -> None:
        r = w.run(case)
        counts["cases"] += 1
        counts["tracebacks"] += r["outcome"] == "traceback"
        counts["hangs"] += r["outcome"] == "hang"
        counts["changed"] += r["outcome"] == "changed"
        counts["lost"] += r.get("lost", 0)
        counts["accepted"] += bool(r.get("accepted"))
        counts["slowest_wall"] = max(counts["slowest_wall"], r["wall"])
        counts["slowest_cpu"] = max(counts["slowest_cpu"], r["cpu"])
        if r["outcome"] != "ok" and len(counts["examples"]) < 20:
            counts["examples"].append(r.get("detail", r["outcome"]))
        if counts["cases"] % 1000 == 0:
            _report(which, counts, w, started)

    each()
    w.close()
    return _report(which, counts, w, started)


def _report(which: str, counts: dict, w: Worker, started: float) -> dict:
    out = {**counts, "which": which, "seconds": round(time.monotonic() - started),
           "worker_deaths": w.deaths, "peak_rss_mib_llmquiz": round(w.peak_mb),
           "peak_rss_mib_harness": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
           "slowest_wall": round(counts["slowest_wall"], 2), "slowest_cpu": round(counts["slowest_cpu"], 2),
           "examples": counts["examples"][:5]}
    print(json.dumps(out), flush=True)
    return out


# ---------------------------------------------------------------- kill and concurrent writers

CARDS = ("card-a", "card-b", "card-c")


def writer(n: int, tag: str) -> None:
    """Save `n` reviews as `study` does, across CARDS, printing "ack TAG-I" once each is committed."""
    from llmquiz import scheduling
    from llmquiz.review import Rating, Review
    from llmquiz.store import Store

    # A shell's background job starts with SIGINT ignored, and children inherit that: take the default
    # handlers back, as in a terminal, so the signals sent below do what a learner's would.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    rng = random.Random(tag)
    store = Store.open()
    print("ready", flush=True)
    for i in range(n):
        card = CARDS[rng.randrange(len(CARDS))]
        at = datetime.now(UTC)
        rating = Rating(rng.randint(1, 4))

        def build(before, card=card, at=at, rating=rating, i=i):
            after, due = scheduling.review(before, rating, at)
            return Review(card_id=card, topic="t", reviewed_at=at, mode="free", rating=rating, seconds=1.0,
                          answer=f"{tag}-{i}", score=3, verdict="partial", found=(), missed=(),
                          state_before=before, state_after=after), due

        store.review_card(card, build)
        print(f"ack {tag}-{i}", flush=True)
    store.close()


def _spawn_writer(home: Path, n: int, tag: str) -> subprocess.Popen:
    env = dict(os.environ, LLMQUIZ_HOME=str(home), PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, __file__, "writer", str(n), tag], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _check_store(home: Path, acked: set[str], *, chains: bool = True) -> dict:
    """Integrity, acknowledged reviews present, the store opens, and (with `chains`) each card's reviews
    form one chain: every review's state_before is the state_after of the card's previous review."""
    from llmquiz.store import Store

    path = home / "data" / "progress.sqlite3"
    db = sqlite3.connect(path)
    integrity = db.execute("PRAGMA integrity_check" if chains else "PRAGMA quick_check").fetchone()[0]
    present = {r[0] for r in db.execute("SELECT answer FROM reviews")}
    broken = 0
    if chains:
        last: dict[str, str | None] = {}
        for card, before, after in db.execute("SELECT card_id, state_before, state_after FROM reviews ORDER BY id"):
            if json.loads(before or "null") != json.loads(last.get(card) or "null"):
                broken += 1
            last[card] = after
    db.close()
    opened = True
    try:
        Store.open().close()
    except Exception:
        opened = False
    return {"integrity": integrity, "lost": len(acked - present), "present": len(present),
            "broken_chain": broken, "opened": opened}


def kill(rounds: int, seed: int = 7) -> dict:
    """Signals at random moments while a writer saves: acknowledged reviews lost, damage, chains broken."""
    rng = random.Random(seed)
    sigs = [signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP]
    totals = {"rounds": 0, "acked": 0, "lost": 0, "not_ok_integrity": 0, "not_opened": 0, "broken_chain": 0,
              "signals": {s.name: 0 for s in sigs}, "interrupted_mid_run": 0, "did_not_stop": 0}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        acked: set[str] = set()
        for r in range(rounds):
            p = _spawn_writer(home, 100_000, f"k{r}")
            assert p.stdout is not None
            if p.stdout.readline().strip() != "ready":
                raise SystemExit(f"writer did not start: {p.stderr.read() if p.stderr else ''}")
            lines: list[str] = []
            reader = threading.Thread(target=lambda p=p, lines=lines: lines.extend(p.stdout), daemon=True)
            reader.start()
            time.sleep(rng.uniform(0.0, 0.4))
            sig = rng.choice(sigs)
            p.send_signal(sig)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                totals["did_not_stop"] += 1
                p.kill()
                p.wait()
            reader.join()
            # A review counts as acknowledged only once its whole line arrived, as a screen would show it.
            acked |= {line[4:].strip() for line in lines if line.startswith("ack ") and line.endswith("\n")}
            totals["signals"][sig.name] += 1
            totals["rounds"] += 1
            totals["interrupted_mid_run"] += p.returncode != 0
            check = _check_store(home, acked, chains=r == rounds - 1)
            totals["lost"] = check["lost"]
            totals["not_ok_integrity"] += check["integrity"] != "ok"
            totals["not_opened"] += not check["opened"]
            totals["broken_chain"] = check["broken_chain"]
            totals["acked"] = len(acked)
            if (r + 1) % 100 == 0:
                print(json.dumps({**totals, "seconds": round(time.monotonic() - started)}), flush=True)
    totals["seconds"] = round(time.monotonic() - started)
    print(json.dumps(totals), flush=True)
    return totals


def concurrent(procs: int, at_once: int, reviews: int) -> dict:
    """Waves of `at_once` writers saving `reviews` each on the same CARDS: gave up, lost, chains broken."""
    totals = {"processes": 0, "gave_up": 0, "acked": 0, "lost": 0, "broken_chain": 0, "not_ok_integrity": 0,
              "errors": []}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        acked: set[str] = set()
        for wave in range(0, procs, at_once):
            ps = [_spawn_writer(home, reviews, f"c{wave + j}") for j in range(min(at_once, procs - wave))]
            for p in ps:
                out, err = p.communicate()
                acked |= {line[4:] for line in out.splitlines() if line.startswith("ack ")}
                totals["processes"] += 1
                if p.returncode != 0:
                    totals["gave_up"] += 1
                    if len(totals["errors"]) < 5:
                        totals["errors"].append(err.strip().splitlines()[-1:] if err.strip() else p.returncode)
        check = _check_store(home, acked)
    totals.update(acked=len(acked), lost=check["lost"], broken_chain=check["broken_chain"],
                  not_ok_integrity=int(check["integrity"] != "ok"), seconds=round(time.monotonic() - started))
    print(json.dumps(totals), flush=True)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    m = sub.add_parser("million")
    m.add_argument("--reviews", type=int, default=1_000_000)
    f = sub.add_parser("fuzz")
    f.add_argument("--cases", type=int, default=10_000)
    f.add_argument("--which", choices=("restore", "batch", "config", "all"), default="all")
    k = sub.add_parser("kill")
    k.add_argument("--rounds", type=int, default=700)
    c = sub.add_parser("concurrent")
    c.add_argument("--procs", type=int, default=700)
    c.add_argument("--at-once", type=int, default=10)
    c.add_argument("--reviews", type=int, default=20)
    w = sub.add_parser("worker")  # internal: runs fuzz cases
    w.add_argument("which")
    wr = sub.add_parser("writer")  # internal: saves reviews for kill and concurrent
    wr.add_argument("n", type=int)
    wr.add_argument("tag")
    args = parser.parse_args()
    if args.what == "million":
        million(args.reviews)
    elif args.what == "fuzz":
        for which in ("restore", "batch", "config") if args.which == "all" else (args.which,):
            fuzz(which, args.cases)
    elif args.what == "kill":
        kill(args.rounds)
    elif args.what == "concurrent":
        concurrent(args.procs, args.at_once, args.reviews)
    elif args.what == "worker":
        worker(args.which)
    elif args.what == "writer":
        writer(args.n, args.tag)


if __name__ == "__main__":
    main()
