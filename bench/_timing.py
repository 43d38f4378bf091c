"""Shared helpers for the benchmarks: medians, private homes, subprocess launches, one table.

Every benchmark runs llmquiz with `LLMQUIZ_HOME` pointed at a temporary folder, so no run can read or
write a real learner's progress, cache or config.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# Variables that would point a run at other decks, encoders or homes than the benchmark's own.
_SCRUB = ("LLMQUIZ_HOME", "LLMQUIZ_DECKS", "LLMQUIZ_ENCODER", "LLMQUIZ_SHIPPED_DECKS_FOR_DEV")


@dataclass
class Row:
    """One line of a results table: a median in seconds and what it is compared with."""

    name: str
    median: float | None
    cpu: float | None = None  # median CPU seconds, where measured
    runs: int = 0
    baseline: float | None = None  # the comparison floor (seconds), for the ratio column
    target: str = ""
    ok: bool | None = None
    note: str = ""
    unit: str = "s"

    @property
    def ratio(self) -> float | None:
        if self.median is None or not self.baseline:
            return None
        return self.median / self.baseline


Sample = tuple[float, float | None]  # (wall, CPU or None) seconds of one run


def repeat(fn: Callable[[], Any], runs: int, setup: Callable[[], Any] | None = None) -> list[Sample]:
    """Run `setup` (untimed) then `fn` (timed, wall and CPU) `runs` times in this process."""
    out: list[Sample] = []
    for _ in range(runs):
        if setup is not None:
            setup()
        out.append(cpu_and_wall(fn))
    return out


def interleaved(fns: dict[str, Callable[[], Sample | None]], runs: int) -> dict[str, list[Sample]]:
    """Call each of `fns` in turn, `runs` rounds; each returns its own sample (None = failed run).

    Interleaving the two sides of a ratio spreads machine noise over both instead of one.
    """
    out: dict[str, list[Sample]] = {k: [] for k in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            sample = fn()
            if sample is not None:
                out[name].append(sample)
    return out


def medians(samples: Sequence[Sample]) -> tuple[float | None, float | None]:
    """Median wall and median CPU of some samples (None where there is nothing to take it of)."""
    walls = [w for w, _ in samples]
    cpus = [c for _, c in samples if c is not None]
    return (statistics.median(walls) if walls else None, statistics.median(cpus) if cpus else None)


@contextmanager
def private_home(prefix: str = "llmquiz-bench-") -> Iterator[Path]:
    """A temporary folder for `LLMQUIZ_HOME` (and generated files), removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def clean_env(home: Path, pythonpath: Sequence[Path], **extra: str) -> dict[str, str]:
    """The current environment with llmquiz's variables replaced: a private home, nothing else set.

    Run with a `cwd` outside the repo (see `time_process`), or `python -m` finds the checkout first.
    """
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["LLMQUIZ_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # start-up figures assume compiled .pyc files, as installed
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "100"
    env.update(extra)
    return env


def set_private_home(home: Path) -> None:
    """Point this process at a private home (for in-process measurements)."""
    for k in _SCRUB:
        os.environ.pop(k, None)
    os.environ["LLMQUIZ_HOME"] = str(home)


def python_module(module: str, *args: str) -> list[str]:
    """`python -m module args`: how every benchmark launches llmquiz and the floor app alike."""
    return [sys.executable, "-m", module, *args]


def time_process(argv: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int, str]:
    """One subprocess from spawn to exit: wall time, its CPU time (user + sys), exit code, last stderr line.

    CPU time comes from wait4's resource usage of that child alone; it barely moves when other work
    shares the machine, so it is the steadier figure on a busy host.
    """
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    return elapsed, usage.ru_utime + usage.ru_stime, proc.returncode, (lines[-1] if lines else "")


def cpu_and_wall(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall, CPU) seconds of one in-process call."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def load_average() -> str:
    """The 1-minute load average against the core count, to judge how busy the machine was."""
    try:
        return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    except OSError:
        return f"{os.cpu_count()} cores"


def fmt_time(seconds: float | None, unit: str = "s") -> str:
    if seconds is None:
        return "—"
    if unit != "s":
        return f"{seconds:.1f} {unit}"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def print_table(title: str, rows: Sequence[Row], floor_name: str = "floor") -> None:
    """Print rows as a fixed-width table (plain text, so it pastes into the README)."""
    head = ("operation", "median wall", "median CPU", "runs", f"x {floor_name}", "target", "")
    body = []
    for r in rows:
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "—"
        verdict = "" if r.ok is None else ("ok" if r.ok else "MISSED")
        body.append((r.name, fmt_time(r.median, r.unit), fmt_time(r.cpu), str(r.runs) if r.runs else "—", ratio,
                     r.target, verdict))
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}\n")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
    print(line)
    for b in body:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) if i < 5 else c.ljust(w)
                        for i, (c, w) in enumerate(zip(b, widths, strict=True))).rstrip())
    notes = [(r.name, r.note) for r in rows if r.note]
    if notes:
        print()
        for name, note in notes:
            print(f"  {name}: {note}")


def cli_code_path(work: Path) -> tuple[Path, str]:
    """The folder to put on PYTHONPATH so `python -m llmquiz` runs on shipped decks that validate; a note.

    Decks are written while the benchmarks are, and `load_valid` (which every CLI command uses) refuses
    the whole library for one bad card. When the repo's decks validate, this is the repo. Otherwise
    the package is copied under `work` in its installed layout (`llmquiz/decks/` inside the package,
    as the wheel ships it) holding only the deck files that validate, dropped until what is left
    validates on its own (dropping one file can break another's see_also). The code is the same.
    """
    import shutil as _shutil

    from llmquiz import decks, paths
    from llmquiz.errors import DeckError

    try:
        decks.load_valid()
        return REPO, ""
    except DeckError as e:
        n_problems = len(e.details or [])
    files = decks.deck_files(paths.shipped_decks_dir())
    package = work / "pkg" / "llmquiz"
    _shutil.copytree(REPO / "llmquiz", package, ignore=_shutil.ignore_patterns("__pycache__"))
    target = package / "decks"
    bad: set[str] = set()
    stubs: set[str] = set()
    unknown = re.compile(r"see_also names unknown card '([^']+)'")
    while True:
        _shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        for f in files:
            if f.name not in bad:
                _shutil.copy2(f, target / f.name)
        if stubs:
            (target / "zz-bench-stubs.yaml").write_text(_stub_deck(sorted(stubs)), encoding="utf-8")
        problems = decks.load([target]).problems
        if not problems:
            break
        for p in problems:
            m = unknown.search(p.message)
            if m:
                stubs.add(m.group(1))  # a card another deck writer has not written yet
            else:
                bad.add(Path(p.path).name)
    kept = len(files) - len(bad)
    how = f"the {kept} of {len(files)} deck files that validate" if bad else f"all {kept} deck files"
    if bad:
        how += f" (left out: {', '.join(sorted(bad))})"
    if stubs:
        how += f", plus {len(stubs)} stub card{'s' * (len(stubs) != 1)} for see_also ids not written yet"
    return work / "pkg", (f"shipped decks fail validation ({n_problems} problem{'s' * (n_problems != 1)}): "
                          f"the CLI ran from a copy of the package in its installed layout holding {how}")


def _stub_deck(ids: Sequence[str]) -> str:
    cards = "".join(f"  - id: {cid}\n    question: Stub?\n    answer: Stub.\n    difficulty: 1\n"
                    f"    key_points: [stub]\n" for cid in ids)
    return f"topic: zz-bench-stubs\ntitle: Stubs\ndescription: Benchmark stubs.\ncards:\n{cards}"


# ---------------------------------------------------------------------------------------------
# Generated decks: the shape and size of hand-written cards (about 2.5 KB of YAML each)

_VOCABULARY = (
    "attention softmax token embedding gradient optimizer learning rate warmup schedule batch layer norm "
    "residual stream head query key value cache decoder encoder retrieval index chunk vector cosine "
    "similarity reranker prompt context window latency throughput quantization adapter rank matrix "
    "weights bias variance loss perplexity entropy sampling temperature nucleus beam search reward model "
    "policy preference alignment evaluation benchmark hallucination grounding citation agent tool memory "
    "planner router expert capacity factor parameter compute budget dataset tokenizer vocabulary merge "
    "frequency position rotary sinusoidal scaling law distillation pruning sparsity memory bandwidth kernel"
)
_WORDS = _VOCABULARY.split()
_OPENERS = ("What is", "Why does", "How would you explain", "When should you use", "What goes wrong with",
            "How do you measure", "Compare", "What limits")


def _phrase(rng: Any, lo: int, hi: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(lo, hi)))


def _sentence(rng: Any, lo: int = 10, hi: int = 22) -> str:
    s = _phrase(rng, lo, hi)
    return s[0].upper() + s[1:] + "."


def _card_yaml(rng: Any, topic_no: int, card_no: int, per_file: int) -> str:
    cid = f"gen{topic_no:02d}-card-{card_no:04d}"
    others = [f"gen{topic_no:02d}-card-{rng.randrange(per_file):04d}" for _ in range(2)]
    answer = " ".join(_sentence(rng) for _ in range(5))
    lines = [
        f"  - id: {cid}",
        f"    question: {rng.choice(_OPENERS)} {_phrase(rng, 6, 14)}?",
        "    answer: >-",
        *(f"      {chunk}" for chunk in _wrap(answer)),
        "    key_points:",
    ]
    for _ in range(3):
        aliases = [_phrase(rng, 1, 3) for _ in range(rng.randint(3, 6))]
        aliases.append(f"{rng.choice(_WORDS)} & {rng.choice(_WORDS)}")
        lines += [f"      - point: {_sentence(rng, 5, 10)[:-1]}",
                  f"        aliases: [{', '.join(aliases)}]"]
    lines += [
        "    misconceptions:",
        f"      - claim: {_sentence(rng, 8, 14)}",
        f"        correction: {_sentence(rng, 10, 18)}",
        f"        aliases: [{_phrase(rng, 2, 4)}, {_phrase(rng, 2, 4)}]",
        f"    difficulty: {rng.randint(1, 3)}",
        f"    tags: [{rng.choice(_WORDS)}, {rng.choice(_WORDS)}]",
        f"    see_also: [{', '.join(o for o in others if o != cid) or others[0]}]",
        "    accept:",
        "      - >-",
        *(f"        {chunk}" for chunk in _wrap(" ".join(_sentence(rng) for _ in range(3)))),
        f"      - {_sentence(rng, 12, 20)}",
        "    reject:",
        "      - >-",
        *(f"        {chunk}" for chunk in _wrap(" ".join(_sentence(rng) for _ in range(2)))),
        f"      - {_phrase(rng, 8, 12)}.",
        "",
    ]
    # see_also may name the card itself when the random pick hits it; point it at a neighbour instead.
    text = "\n".join(lines)
    return text.replace(f"see_also: [{cid}]", f"see_also: [gen{topic_no:02d}-card-{(card_no + 1) % per_file:04d}]")


def _wrap(text: str, width: int = 96) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [text]


def write_generated_decks(folder: Path, files: int = 20, per_file: int = 500, seed: int = 0) -> int:
    """Write `files` deck files of `per_file` valid cards each into `folder`; return the card count.

    Topics are `gen00`...; ids `gen00-card-0000`...; every card has a question, a 5-sentence answer,
    3 key points with aliases (one an `a & b` alias), a misconception, tags, see_also, accept and reject.
    """
    import random

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for t in range(files):
        head = (f"topic: gen{t:02d}\ntitle: Generated topic {t}\n"
                f"description: {_sentence(rng, 8, 14)}\ncards:\n")
        body = "\n".join(_card_yaml(rng, t, i, per_file) for i in range(per_file))
        (folder / f"gen{t:02d}.yaml").write_text(head + body, encoding="utf-8")
    return files * per_file
