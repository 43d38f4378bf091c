"""Benchmark the answer grader: agreement with human grades, verdict accuracy, latency. One table.

Usage (from the repo root):
    python bench/grading.py                       # both encoders, all sections
    python bench/grading.py --encoders minilm --skip-latency
    python bench/grading.py --mohler /path/to/mohler.jsonl --json

Sections:
- Mohler et al. (2011): 2,273 CS short answers graded 0-5 by two humans. The grader sees only the
  question, the reference answer and the student answer (key points derived from the reference), so
  its raw 0-5 score is never fitted to this data: Pearson and Spearman are of that raw score. RMSE is
  reported twice: of the raw score, and after a linear calibration fitted leave-one-assignment-out
  (12 folds), so only held-out predictions count. The TF-IDF cosine baseline gets the same
  held-out calibration. The data is research data read from ../shared/bench (never copied here).
- LLM interview answers (bench/data/llm_answers_test.jsonl, held out; dev is for tuning): verdict
  accuracy per kind and overall.
- Latency per answer (median, p95) after the card's profile is built, and encoder load time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MOHLER = REPO.parent / "shared" / "bench" / "mohler.jsonl"
DATA = REPO / "bench" / "data"
KINDS = ("paraphrase", "terse-correct", "partial", "misconception", "keyword-salad", "off-topic",
         "negated", "typos", "idk")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# ---------------------------------------------------------------- statistics (NumPy only)

def pearson(x: list[float], y: list[float]) -> float:
    import numpy as np

    a, b = np.asarray(x, float), np.asarray(y, float)
    a, b = a - a.mean(), b - b.mean()
    den = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den else 0.0


def _ranks(x: list[float]) -> list[float]:
    order = sorted(range(len(x)), key=lambda i: x[i])
    ranks = [0.0] * len(x)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x: list[float], y: list[float]) -> float:
    return pearson(_ranks(x), _ranks(y))


def rmse(x: list[float], y: list[float]) -> float:
    return math.sqrt(sum((a - b) ** 2 for a, b in zip(x, y, strict=True)) / len(x))


def heldout_calibration(pred: list[float], gold: list[float], groups: list[int]) -> list[float]:
    """Predictions mapped to the gold scale by y = a*x + b fitted without the prediction's own group."""
    import numpy as np

    p, g, grp = np.asarray(pred, float), np.asarray(gold, float), np.asarray(groups)
    out = np.zeros_like(p)
    for fold in sorted(set(groups)):
        train = grp != fold
        a, b = np.polyfit(p[train], g[train], 1)
        out[~train] = np.clip(a * p[~train] + b, 0, 5)
    return out.tolist()


# Evidence the grader reports in Grade.details, combined linearly by `heldout_linear`.
EVIDENCE = ("raw", "coverage", "lexical_coverage", "semantic_coverage", "recall", "similarity", "density",
            "closeness")


def heldout_linear(features: list[list[float]], gold: list[float], groups: list[int]) -> list[float]:
    """Least-squares combination of evidence, each prediction from a fit without its own group."""
    import numpy as np

    x = np.hstack([np.asarray(features, float), np.ones((len(features), 1))])
    g, grp = np.asarray(gold, float), np.asarray(groups)
    out = np.zeros(len(g))
    for fold in sorted(set(groups)):
        train = grp != fold
        w, *_ = np.linalg.lstsq(x[train], g[train], rcond=None)
        out[~train] = np.clip(x[~train] @ w, 0, 5)
    return out.tolist()


def tfidf_cosines(rows: list[dict]) -> list[float]:
    """Baseline: cosine of TF-IDF vectors (fitted on all references and answers) of answer vs reference."""
    from llmquiz.grading.text import stems

    docs = [stems(r["reference"]) for r in rows] + [stems(r["answer"]) for r in rows]
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    n = len(docs)

    def vec(tokens: list[str]) -> dict[str, float]:
        tf = Counter(tokens)
        v = {t: c * math.log((1 + n) / (1 + df[t])) for t, c in tf.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}

    out = []
    for r in rows:
        a, b = vec(stems(r["answer"])), vec(stems(r["reference"]))
        out.append(sum(x * b.get(t, 0.0) for t, x in a.items()))
    return out


# ---------------------------------------------------------------- sections

def mohler(path: Path, encoder: object, limit: int | None) -> dict:
    from llmquiz.grading.batch import grade_jsonl

    rows = _read_jsonl(path)[:limit] if limit else _read_jsonl(path)
    lines = (json.dumps({"question": r["question"], "reference": r["reference"], "answer": r["answer"]})
             for r in rows)
    grades = list(grade_jsonl(lines, encoder))
    score = [float(g["score"]) for g in grades]
    cont = [float(g["details"]["raw"]) for g in grades]
    gold = [float(r["score"]) for r in rows]
    groups = [int(r["assignment"]) for r in rows]
    base = tfidf_cosines(rows)
    features = [[g["details"][k] for k in EVIDENCE] for g in grades]
    fitted = heldout_linear(features, gold, groups)
    return {
        "n": len(rows),
        "pearson": pearson(score, gold), "spearman": spearman(score, gold), "rmse_raw": rmse(score, gold),
        "pearson_cont": pearson(cont, gold), "spearman_cont": spearman(cont, gold),
        "rmse_heldout": rmse(heldout_calibration(cont, gold, groups), gold),
        "fit_pearson": pearson(fitted, gold), "fit_spearman": spearman(fitted, gold),
        "fit_rmse": rmse(fitted, gold),
        "baseline_pearson": pearson(base, gold), "baseline_spearman": spearman(base, gold),
        "baseline_rmse_heldout": rmse(heldout_calibration(base, gold, groups), gold),
    }


def llm_answers(path: Path, encoder: object) -> dict:
    from llmquiz.grading import grade_rubric
    from llmquiz.grading.rubric import from_parts

    rows = _read_jsonl(path)
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for r in rows:
        rubric = from_parts(r["question"], r["reference"], r.get("key_points"), r.get("misconceptions"))
        g = grade_rubric(rubric, r["answer"], encoder=encoder)
        s = r["expert_score"]
        expected = r.get("expert_verdict") or ("correct" if s >= 4 else "partial" if s >= 2 else "wrong")
        right[r["kind"]] += g.verdict.value == expected
        total[r["kind"]] += 1
    out = {k: right[k] / total[k] for k in total}
    out["overall"] = sum(right.values()) / max(1, sum(total.values()))
    out["n"] = sum(total.values())
    return out


def latency(path: Path, name: str) -> dict:
    """Encoder load time (fresh process state for this encoder) and per-answer grading time."""
    from llmquiz.grading import grade_rubric
    from llmquiz.grading.encoders import get_encoder
    from llmquiz.grading.rubric import from_parts

    t = time.perf_counter()
    enc = get_encoder(name)
    enc.encode(["warm up"])
    load = time.perf_counter() - t
    rows = _read_jsonl(path)
    rubrics = [from_parts(r["question"], r["reference"], r.get("key_points"), r.get("misconceptions"))
               for r in rows]
    cold = []
    for rub in {rb.key(): rb for rb in rubrics}.values():  # first grade per card builds its profile
        t = time.perf_counter()
        grade_rubric(rub, "warm up", encoder=enc)
        cold.append(time.perf_counter() - t)
    times = []
    for r, rub in zip(rows, rubrics, strict=True):
        t = time.perf_counter()
        grade_rubric(rub, r["answer"] + " ", encoder=enc)  # a fresh text: no encoder memo hit
        times.append(time.perf_counter() - t)
    times.sort()
    return {"load_s": load, "median_ms": 1000 * statistics.median(times),
            "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))], "profile_ms": 1000 * statistics.median(cold)}


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mohler", type=Path, default=Path(os.environ.get("LLMQUIZ_MOHLER", DEFAULT_MOHLER)))
    ap.add_argument("--data", type=Path, default=DATA, help="folder with llm_answers_{dev,test}.jsonl")
    ap.add_argument("--encoders", default="minilm,hashing")
    ap.add_argument("--limit", type=int, default=None, help="grade only the first N Mohler answers")
    ap.add_argument("--skip-mohler", action="store_true")
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--dev", action="store_true", help="also report the dev file (tuning data)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    args = ap.parse_args(argv)
    os.environ.setdefault("LLMQUIZ_HOME", tempfile.mkdtemp(prefix="llmquiz-bench-"))
    sys.path.insert(0, str(REPO))
    from llmquiz.grading.encoders import get_encoder

    results: dict[str, dict] = defaultdict(dict)
    notes: list[str] = []
    for name in [n.strip() for n in args.encoders.split(",") if n.strip()]:
        res = results[name]
        if not args.skip_latency and (args.data / "llm_answers_test.jsonl").is_file():
            res["latency"] = latency(args.data / "llm_answers_test.jsonl", name)
        enc = get_encoder(name)
        if args.skip_mohler:
            pass
        elif args.mohler.is_file():
            res["mohler"] = mohler(args.mohler, enc, args.limit)
        else:
            notes.append(f"Mohler skipped: {args.mohler} not found (pass --mohler PATH).")
        for split in ("test", "dev") if args.dev else ("test",):
            path = args.data / f"llm_answers_{split}.jsonl"
            if path.is_file() and path.stat().st_size:
                res[f"llm_{split}"] = llm_answers(path, enc)
            else:
                notes.append(f"LLM answers ({split}) skipped: {path} missing or empty.")
    if args.json:
        print(json.dumps({"results": results, "notes": sorted(set(notes))}, indent=2))
        return 0
    print(_table(results))
    for note in sorted(set(notes)):
        print(note)
    return 0


def _table(results: dict[str, dict]) -> str:
    names = list(results)
    rows: list[tuple[str, ...]] = []

    def f(x: object, fmt: str = "{:.3f}") -> str:
        return fmt.format(x) if isinstance(x, (int, float)) else "-"

    def get(name: str, section: str, key: str) -> object:
        return results[name].get(section, {}).get(key)

    any_m = next((results[n]["mohler"] for n in names if "mohler" in results[n]), None)
    if any_m:
        rows.append((f"Mohler (n={any_m['n']}) Pearson, 0-5 score (no fit)",
                     *(f(get(n, "mohler", "pearson")) for n in names)))
        rows.append(("Mohler Spearman, 0-5 score (no fit)", *(f(get(n, "mohler", "spearman")) for n in names)))
        rows.append(("Mohler RMSE, 0-5 score (no fit)", *(f(get(n, "mohler", "rmse_raw")) for n in names)))
        rows.append(("Mohler Pearson, continuous score (no fit)", *(f(get(n, "mohler", "pearson_cont")) for n in names)))
        rows.append(("Mohler RMSE, continuous + held-out calibration",
                     *(f(get(n, "mohler", "rmse_heldout")) for n in names)))
        rows.append(("Mohler Pearson, evidence + held-out linear fit", *(f(get(n, "mohler", "fit_pearson")) for n in names)))
        rows.append(("Mohler Spearman, evidence + held-out linear fit",
                     *(f(get(n, "mohler", "fit_spearman")) for n in names)))
        rows.append(("Mohler RMSE, evidence + held-out linear fit", *(f(get(n, "mohler", "fit_rmse")) for n in names)))
        rows.append(("TF-IDF cosine baseline Pearson", *(f(get(n, "mohler", "baseline_pearson")) for n in names)))
        rows.append(("TF-IDF cosine baseline Spearman", *(f(get(n, "mohler", "baseline_spearman")) for n in names)))
        rows.append(("TF-IDF baseline RMSE, held-out calibration",
                     *(f(get(n, "mohler", "baseline_rmse_heldout")) for n in names)))
    for split in ("test", "dev"):
        key = f"llm_{split}"
        if not any(key in results[n] for n in names):
            continue
        n_rows = next(results[n][key]["n"] for n in names if key in results[n])
        for kind in (*KINDS, "overall"):
            if any(kind in results[n].get(key, {}) for n in names):
                label = f"LLM {split} (n={n_rows}) verdict accuracy: {kind}"
                rows.append((label, *(f(get(n, key, kind), "{:.0%}") for n in names)))
    if any("latency" in results[n] for n in names):
        rows.append(("Latency per answer, median (ms)", *(f(get(n, "latency", "median_ms"), "{:.1f}") for n in names)))
        rows.append(("Latency per answer, p95 (ms)", *(f(get(n, "latency", "p95_ms"), "{:.1f}") for n in names)))
        rows.append(("Card profile build, median (ms, once per card)",
                     *(f(get(n, "latency", "profile_ms"), "{:.1f}") for n in names)))
        rows.append(("Encoder load (s)", *(f(get(n, "latency", "load_s"), "{:.2f}") for n in names)))
    header = ("metric", *names)
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


if __name__ == "__main__":
    raise SystemExit(main())
