"""Benchmark the sentence encoders: cold load time, per-answer encode latency, and a quick quality check.

Usage (from the repo root):
    python bench/encoders.py                  # every available encoder
    python bench/encoders.py --runs 9 --encoders minilm
    python bench/encoders.py --quality        # + Pearson of cosine(reference, answer) vs human scores

Load time is measured cold, in a fresh subprocess per run (Python start-up excluded, NumPy import
included): `get_encoder(name)` plus a first one-word encode. For "hashing" it is measured twice: with
its fitted state already in the cache (every start after the first), and refitting from the decks.

Latency is in-process on the answers of bench/data/llm_answers_dev.jsonl (108 real-length answers),
each encoded on its own with the encoder's memo cleared: as one text, and split into sentences (one
batch), which is what a sentence-level grader asks for. Medians and p95 over all answers.

The quality check reads ../shared/bench/mohler.jsonl (research data, never copied here) when present,
and the dev answers: Pearson of cosine(reference, answer) with the human score. It says how much
meaning each encoder sees on its own, not how well the grader grades.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEV = REPO / "bench" / "data" / "llm_answers_dev.jsonl"
MOHLER = REPO.parent / "shared" / "bench" / "mohler.jsonl"
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")

_LOAD_SNIPPET = """
import time, sys
t0, c0 = time.perf_counter(), time.process_time()
from llmquiz.grading.encoders import get_encoder
enc = get_encoder(sys.argv[1])
enc.encode(["warm"])
print(time.perf_counter() - t0, time.process_time() - c0)
"""


@dataclass
class Row:
    """One line of the results table."""

    name: str
    median: float
    runs: int
    target: str = ""
    ok: bool | None = None
    note: str = ""


@contextmanager
def private_home() -> Iterator[Path]:
    """A temporary LLMQUIZ_HOME, so no run reads or writes a real cache."""
    root = Path(tempfile.mkdtemp(prefix="llmquiz-bench-encoders-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMQUIZ_")}
    env.update({"LLMQUIZ_HOME": str(home), "PYTHONPATH": str(REPO)})
    return env


def print_table(title: str, rows: list[Row]) -> None:
    head = ("operation", "median", "n", "target", "", "note")
    body = [(r.name, f"{r.median * 1000:.1f} ms", str(r.runs), r.target,
             "" if r.ok is None else "ok" if r.ok else "MISSED", r.note) for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    print(f"\n{title}\n")
    for line in (head, tuple("-" * w for w in widths), *body):
        print("  ".join(c.rjust(w) if i in (1, 2) else c.ljust(w)
                        for i, (c, w) in enumerate(zip(line, widths, strict=True))).rstrip())


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _p95(xs: list[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def cold_load(name: str, runs: int, *, keep_cache: bool) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds to `get_encoder(name)` plus a first encode, each in a fresh process."""
    walls, cpus = [], []
    with private_home() as home:
        env = clean_env(home)
        if keep_cache:  # one untimed start fills the cache
            subprocess.run([sys.executable, "-c", _LOAD_SNIPPET, name], env=env, check=True, capture_output=True)
        for _ in range(runs):
            if not keep_cache:
                for f in (home / "cache" / "encoders").glob("*"):
                    f.unlink()
            out = subprocess.run([sys.executable, "-c", _LOAD_SNIPPET, name], env=env, check=True,
                                 capture_output=True, text=True).stdout.split()
            walls.append(float(out[0]))
            cpus.append(float(out[1]))
    return walls, cpus


def latency(name: str, answers: list[str]) -> dict[str, list[float]]:
    """Per-answer wall and CPU seconds: the answer as one text, and as its sentences in one batch."""
    from llmquiz.grading.encoders import get_encoder

    enc = get_encoder(name)
    enc.encode(["warm up the caches"])
    out: dict[str, list[float]] = {"whole": [], "whole_cpu": [], "split": [], "split_cpu": []}
    for answer in answers:
        sentences = [s for s in _SENTENCE.split(answer) if s.strip()]
        for texts, key in (([answer], "whole"), (sentences, "split")):
            getattr(enc, "_memo", {}).clear()  # MiniLM remembers texts; measure real encodes
            t0, c0 = time.perf_counter(), time.process_time()
            enc.encode(texts)
            out[key].append(time.perf_counter() - t0)
            out[key + "_cpu"].append(time.process_time() - c0)
    return out


def quality(name: str) -> dict[str, float]:
    """Pearson of cosine(reference, answer) with the human score, per data set present."""
    import numpy as np

    from llmquiz.grading.encoders import get_encoder

    enc = get_encoder(name)
    out = {}
    sets = [("dev answers", DEV, "expert_score")]
    if MOHLER.is_file():
        sets.append(("Mohler", MOHLER, "score"))
    for label, path, key in sets:
        rows = _read_jsonl(path)
        refs = enc.encode([r["reference"] for r in rows])
        answers = enc.encode([r["answer"] for r in rows])
        cos = (refs * answers).sum(axis=1)
        out[label] = float(np.corrcoef(cos, [r[key] for r in rows])[0, 1])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold-load runs per encoder (default 5)")
    parser.add_argument("--encoders", nargs="*", default=None, help="names (default: every available one)")
    parser.add_argument("--quality", action="store_true", help="also report cosine-vs-human Pearson")
    args = parser.parse_args(argv)

    from llmquiz.grading.encoders import encoder_choices

    names = args.encoders or [c["name"] for c in encoder_choices() if c["available"] and c["name"] != "auto"]
    answers = [r["answer"] for r in _read_jsonl(DEV)]
    rows: list[Row] = []
    notes: list[str] = []
    with private_home() as home:
        os.environ["LLMQUIZ_HOME"] = str(home)
        for name in names:
            cases = [("cached fit", True), ("refit", False)] if name == "hashing" else [("", True)]
            for label, keep in cases:
                walls, cpus = cold_load(name, args.runs, keep_cache=keep)
                tag = f"{name} load{' (' + label + ')' if label else ''}"
                target = "<= 0.5 s" if name == "minilm" else "<= 1.5 s" if not keep else ""
                limit = 0.5 if name == "minilm" else 1.5
                rows.append(Row(tag, statistics.median(walls), args.runs, target=target,
                                ok=(statistics.median(walls) <= limit) if target else None,
                                note=f"CPU {statistics.median(cpus) * 1000:.0f} ms; NumPy import and a "
                                     "first encode included"))
            lat = latency(name, answers)
            for key, what in (("whole", "one answer"), ("split", "its sentences")):
                wall, cpu = lat[key], lat[key + "_cpu"]
                check = name == "minilm" and key == "split"
                rows.append(Row(f"{name} encode {what}", statistics.median(wall), len(wall),
                                target="<= 30 ms" if check else "",
                                ok=statistics.median(wall) <= 0.030 if check else None,
                                note=f"p95 {_p95(wall) * 1000:.1f} ms; CPU median "
                                     f"{statistics.median(cpu) * 1000:.1f} ms"))
            if args.quality:
                for label, r in quality(name).items():
                    notes.append(f"{name:8s} Pearson(cosine(reference, answer), human score) on {label}: {r:.3f}")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    n_sent = statistics.median(len([s for s in _SENTENCE.split(a) if s.strip()]) for a in answers)
    print_table(f"Sentence encoders ({len(answers)} dev answers, median {n_sent:.0f} sentences, "
                f"median {statistics.median(len(a.split()) for a in answers):.0f} words)", rows)
    if notes:
        print()
        print("\n".join(notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
