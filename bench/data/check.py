#!/usr/bin/env python3
"""Validate the graded-answer benchmark files and print counts per file, kind, topic and verdict.

usage: python bench/data/check.py [FILE.jsonl ...]   (default: both files next to this script)
exit status: 0 valid, 1 problems found (each printed as "file:line: message")
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

KINDS = ("paraphrase", "terse-correct", "partial", "misconception", "keyword-salad",
         "off-topic", "negated", "typos", "idk")
TOPICS = {"foundations", "tokenization-embeddings", "architectures", "transformer-attention",
          "decoding-sampling", "training-optimization", "fine-tuning-peft", "alignment-safety",
          "hallucination", "evaluation-metrics", "prompting", "rag", "agents", "diffusion-multimodal",
          "scaling-moe", "inference-deployment"}
FIELDS = ("id", "qid", "topic", "question", "reference", "key_points", "misconceptions",
          "answer", "kind", "expert_score", "expert_verdict")
PER_QUESTION = ("topic", "question", "reference", "key_points", "misconceptions")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
HERE = Path(__file__).resolve().parent


def verdict(score: int) -> str:
    return "correct" if score >= 4 else "partial" if score >= 2 else "wrong"


def check_row(row: dict, where: str) -> list[str]:
    """Return the problems in one line's record (empty when it is valid)."""
    errs = [f"{where}: missing field {f!r}" for f in FIELDS if f not in row]
    if errs:
        return errs
    errs += [f"{where}: unexpected field {f!r}" for f in row if f not in FIELDS]
    if row["kind"] not in KINDS:
        errs.append(f"{where}: unknown kind {row['kind']!r}")
    if row["id"] != f"{row['qid']}-{row['kind']}":
        errs.append(f"{where}: id {row['id']!r} is not '<qid>-<kind>'")
    if row["topic"] not in TOPICS:
        errs.append(f"{where}: unknown topic {row['topic']!r}")
    for f in ("question", "reference", "answer"):
        if not isinstance(row[f], str) or not row[f].strip():
            errs.append(f"{where}: {f} must be a non-empty string")
    n_sent = len(SENTENCE.split(row["reference"].strip()))
    if not 2 <= n_sent <= 6:
        errs.append(f"{where}: reference has {n_sent} sentences (want 2-6)")
    score = row["expert_score"]
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 5:
        errs.append(f"{where}: expert_score must be an integer 0-5")
    elif row["expert_verdict"] != verdict(score):
        errs.append(f"{where}: expert_verdict {row['expert_verdict']!r} disagrees with score {score}")
    kps = row["key_points"]
    if not isinstance(kps, list) or not 2 <= len(kps) <= 5:
        errs.append(f"{where}: key_points must be a list of 2-5 items")
    else:
        for i, kp in enumerate(kps):
            aliases = kp.get("aliases") if isinstance(kp, dict) else None
            if not isinstance(kp, dict) or not isinstance(kp.get("point"), str) or not kp["point"].strip():
                errs.append(f"{where}: key_points[{i}] needs a non-empty 'point'")
            if not isinstance(aliases, list) or not 3 <= len(aliases) <= 8 or \
                    not all(isinstance(a, str) and a.strip() for a in aliases):
                errs.append(f"{where}: key_points[{i}] needs 3-8 non-empty aliases")
    mcs = row["misconceptions"]
    if not isinstance(mcs, list) or not 1 <= len(mcs) <= 3 or \
            not all(isinstance(m, dict) and m.get("claim") and m.get("correction") for m in mcs):
        errs.append(f"{where}: misconceptions must be 1-3 items with 'claim' and 'correction'")
    return errs


def check_file(path: Path) -> tuple[list[dict], list[str]]:
    rows, errs, seen = [], [], set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            errs.append(f"{where}: not JSON ({e.msg})")
            continue
        errs += check_row(row, where)
        if row.get("id") in seen:
            errs.append(f"{where}: duplicate id {row.get('id')!r}")
        seen.add(row.get("id"))
        rows.append(row)
    by_q = defaultdict(list)
    for r in rows:
        by_q[r.get("qid")].append(r)
    for qid, rs in by_q.items():
        kinds = Counter(r.get("kind") for r in rs)
        if set(kinds) != set(KINDS) or max(kinds.values()) != 1:
            errs.append(f"{path.name}: {qid} must have exactly one answer of each of the 9 kinds")
        for f in PER_QUESTION:
            if len({json.dumps(r.get(f), sort_keys=True) for r in rs}) != 1:
                errs.append(f"{path.name}: {qid} has differing {f!r} across its lines")
    return rows, errs


def report(name: str, rows: list[dict]) -> None:
    qids = {r["qid"] for r in rows}
    print(f"\n== {name}: {len(qids)} questions, {len(rows)} answers")
    print(f"{'kind':15} {'n':>4} {'mean':>5}  correct partial wrong")
    for kind in KINDS:
        rs = [r for r in rows if r["kind"] == kind]
        if not rs:
            continue
        v = Counter(r["expert_verdict"] for r in rs)
        mean = sum(r["expert_score"] for r in rs) / len(rs)
        print(f"{kind:15} {len(rs):4} {mean:5.2f}  {v['correct']:7} {v['partial']:7} {v['wrong']:5}")
    topics = Counter(r["topic"] for r in rows if r["kind"] == KINDS[0])
    print("topics: " + ", ".join(f"{t} {n}" for t, n in sorted(topics.items())))


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted(HERE.glob("llm_answers_*.jsonl"))
    all_errs, questions = [], defaultdict(set)
    for path in paths:
        rows, errs = check_file(path)
        all_errs += errs
        questions[path.name] = {r.get("question", "").strip().lower() for r in rows}
        report(path.name, rows)
    names = list(questions)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for q in sorted(questions[a] & questions[b]):
                all_errs.append(f"{a} and {b} share the question {q!r}")
    for e in all_errs:
        print(e, file=sys.stderr)
    print(f"\n{'OK' if not all_errs else f'{len(all_errs)} problem(s)'}")
    return 1 if all_errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
