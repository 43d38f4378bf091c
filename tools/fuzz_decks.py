"""Fuzz the deck loader with generated hostile decks and report tracebacks, the slowest case and memory.

Each case is a deck file from `tests/deck_fuzz.py` (tampered values, YAML tags, control characters,
markup, aliases and alias bombs, duplicate keys, broken syntax). It is loaded as `llmquiz decks
validate` loads it, and every card the loader accepts is then used as the commands use it (rendered,
graded, its demo run): an exception other than an `LlmquizError` there counts as a traceback.

Usage: python tools/fuzz_decks.py [--cases 10000] [--seed 0]

Prints one JSON object: cases, accepted, tracebacks (with the first few), the most CPU time one load
and one load+use took (tracemalloc, on during the load, slows it) and the most wall time, cases over
5 s of CPU, the largest Python memory one load took (tracemalloc), and two peaks of resident memory:
llmquiz's (`peak_rss_mib`: one worker process runs every case, with the grader's and Anki's modules
loaded) and the generator's (`harness_peak_rss_mib`: hypothesis keeps a record of every case it made,
about 525 MB after 10,000, which is why the cases run in a worker). Exit status 1 if any case raised or
took over 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker:
        return worker()

    from hypothesis import HealthCheck, given, seed, settings

    from tests.deck_fuzz import deck_files

    stats = {"cases": 0, "accepted_files": 0, "accepted_cards": 0, "problems": 0, "tracebacks": 0,
             "over_5s": 0, "max_load_cpu_seconds": 0.0, "max_cpu_seconds": 0.0, "max_wall_seconds": 0.0,
             "max_load_mib": 0.0, "first_tracebacks": [], "slowest": ""}
    child = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, encoding="utf-8", errors="surrogatepass")
    assert child.stdin is not None and child.stdout is not None

    @seed(opts.seed)
    @settings(max_examples=opts.cases, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(deck_files())
    def case(text: str) -> None:
        stats["cases"] += 1
        if stats["cases"] % 500 == 0:  # progress on stderr: a 10,000-case run takes a while
            print(f"{stats['cases']} cases, {stats['tracebacks']} tracebacks", file=sys.stderr, flush=True)
        child.stdin.write(json.dumps({"text": text}) + "\n")
        child.stdin.flush()
        r = json.loads(child.stdout.readline())
        for key in ("accepted_files", "accepted_cards", "problems"):
            stats[key] += r[key]
        for key in ("max_load_cpu_seconds", "max_wall_seconds", "max_load_mib"):
            stats[key] = max(stats[key], r[key])
        if r["traceback"]:
            stats["tracebacks"] += 1
            if len(stats["first_tracebacks"]) < 5:
                stats["first_tracebacks"].append({"deck": text[:2000], "traceback": r["traceback"]})
        # CPU time decides "over 5 s": wall time on a shared machine measures the neighbours too.
        stats["over_5s"] += r["cpu_seconds"] > 5
        if r["cpu_seconds"] > stats["max_cpu_seconds"]:
            stats["max_cpu_seconds"], stats["slowest"] = r["cpu_seconds"], text[:300]

    started = time.perf_counter()
    case()
    child.stdin.close()
    worker_peak = json.loads(child.stdout.readline())["peak_rss_mib"]
    child.wait()
    stats["wall_seconds"] = round(time.perf_counter() - started, 1)
    for key in ("max_load_cpu_seconds", "max_cpu_seconds", "max_wall_seconds"):
        stats[key] = round(stats[key], 3)
    stats["max_load_mib"] = round(stats["max_load_mib"], 1)
    stats["peak_rss_mib"] = worker_peak
    stats["harness_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(stats, indent=2, ensure_ascii=False))
    return 1 if stats["tracebacks"] or stats["over_5s"] else 0


def worker() -> int:
    """Run each case sent on stdin (a JSON line with the deck text); answer a JSON line of figures per case,
    and at the end of the input one line with this process's peak resident memory."""
    home = tempfile.mkdtemp(prefix="llmquiz-fuzz-")
    os.environ["LLMQUIZ_HOME"] = home
    os.environ.pop("LLMQUIZ_DECKS", None)

    from llmquiz import decks
    from llmquiz.grading.encoders import get_encoder
    from tests.deck_fuzz import exercise, write

    encoder = get_encoder("hashing")
    work = Path(home) / "decks"
    work.mkdir()
    for line in sys.stdin:
        text = json.loads(line)["text"]
        path = write(work, text)
        r = {"accepted_files": 0, "accepted_cards": 0, "problems": 0, "traceback": "",
             "max_load_cpu_seconds": 0.0, "max_load_mib": 0.0}
        started, cpu = time.perf_counter(), time.process_time()
        try:
            tracemalloc.start()
            library = decks.load([path])
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            r["max_load_cpu_seconds"] = time.process_time() - cpu
            r["max_load_mib"] = peak / 2**20
            r["problems"] = len(library.problems)
            if library.cards and not library.problems:  # what `decks validate` passes and commands load
                r["accepted_files"], r["accepted_cards"] = 1, len(library.cards)
                exercise(library, encoder, work)
        except Exception:  # every kind counts: this is what the fuzz is looking for
            r["traceback"] = traceback.format_exc()[-2000:]
        finally:
            if tracemalloc.is_tracing():
                tracemalloc.stop()
        r["cpu_seconds"] = time.process_time() - cpu
        r["max_wall_seconds"] = time.perf_counter() - started
        print(json.dumps(r), flush=True)
    print(json.dumps({"peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
