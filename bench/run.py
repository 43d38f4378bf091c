"""Start-up and deck-loading benchmarks: `python bench/run.py [--runs N]`.

Measures, in one go and with a private LLMQUIZ_HOME:

- `llmquiz --help` and `llmquiz topics`, each against the same operation of a minimal two-command
  Typer app with llmquiz's Typer settings (written to a temp file now): the framework's own start-up
  is the floor. Both sides are launched the same way, `python -m MODULE` with this interpreter.
- the time from spawning `llmquiz study --topic T` in a pty to the first "Card 1/" on screen (after
  one warm-up run), against the floor app printing the same text and waiting for input.
- `llmquiz.decks.load()` in this process on the shipped decks and on 10,000 generated cards, cold
  (empty deck cache) and warm (cache filled).

Prints one table of medians: wall time, CPU time (steadier on a busy machine), ratio to the floor.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _timing as T

FLOOR_MODULE = "bench_floor_app"
FLOOR_APP = '''\
import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_show_locals=False,
                  context_settings={"help_option_names": ["-h", "--help"]})


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"Hello {name}")


@app.command()
def study(topic: str = "") -> None:
    """Print a card title and wait for an answer, like the first screen of a session."""
    print("Card 1/1")
    input("> ")


if __name__ == "__main__":
    app()
'''

HELP_TARGET = 1.2      # x the floor app's --help
STUDY_TARGET = 0.4     # seconds to the first question
LOAD_10K_TARGET = 1.0  # seconds, warm


def _subprocess_sampler(argv: list[str], env: dict[str, str], cwd: Path, failures: list[str]):
    def run() -> T.Sample | None:
        wall, cpu, code, err = T.time_process(argv, env, cwd)
        if code != 0:
            failures.append(f"`{' '.join(argv[2:])}` exited {code}: {err}")
        return wall, cpu
    return run


def _pty_sampler(argv: list[str], env: dict[str, str], cwd: Path, marker: str, failures: list[str]):
    import pexpect

    def run() -> T.Sample | None:
        t0 = time.perf_counter()
        child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=str(cwd), dimensions=(40, 120),
                              encoding="utf-8", timeout=60)
        try:
            child.expect_exact(marker)
            elapsed = time.perf_counter() - t0
        except (pexpect.EOF, pexpect.TIMEOUT):
            failures.append(f"`{' '.join(argv[2:])}` never showed {marker!r}: {child.before[-300:]!r}")
            child.close(force=True)
            return None
        child.sendline("/q")
        with contextlib.suppress(pexpect.TIMEOUT):
            child.expect(pexpect.EOF, timeout=30)
        child.close(force=True)
        return elapsed, None
    return run


def _pick_topic(code: Path, wanted: str | None) -> str:
    from llmquiz import decks

    topics = list(decks.load([code / "llmquiz" / "decks"] if code != T.REPO else None).decks)
    if wanted:
        return wanted
    return "rag" if "rag" in topics else topics[0]


def cli_rows(work: Path, runs: int, topic_wanted: str | None) -> tuple[list[T.Row], list[str]]:
    """`--help`, `topics` and the first question of `study`, each beside the floor app."""
    home = work / "home"
    app_dir = work / "app"
    app_dir.mkdir()
    (app_dir / f"{FLOOR_MODULE}.py").write_text(FLOOR_APP, encoding="utf-8")
    code, deck_note = T.cli_code_path(work)
    env = T.clean_env(home, [code, app_dir])
    cwd = work  # not the repo: `python -m` puts the cwd first on sys.path
    notes = [f"llmquiz ran from {code}"] + ([deck_note] if deck_note else [])
    failures: list[str] = []
    topic = _pick_topic(code, topic_wanted)

    llm = {"help": T.python_module("llmquiz", "--help"), "topics": T.python_module("llmquiz", "topics")}
    floor = {"help": T.python_module(FLOOR_MODULE, "--help"), "topics": T.python_module(FLOOR_MODULE, "hello")}
    samplers = {}
    for key in llm:
        samplers[f"llm-{key}"] = _subprocess_sampler(llm[key], env, cwd, failures)
        samplers[f"floor-{key}"] = _subprocess_sampler(floor[key], env, cwd, failures)
    study_argv = T.python_module("llmquiz", "study", "--topic", topic)
    samplers["llm-study"] = _pty_sampler(study_argv, env, cwd, "Card 1/", failures)
    # With an option, like llmquiz's: Typer imports pydantic only when a command has parameters to coerce.
    floor["study"] = T.python_module(FLOOR_MODULE, "study", "--topic", topic)
    samplers["floor-study"] = _pty_sampler(floor["study"], env, cwd, "Card 1/", failures)

    T.interleaved(samplers, 1)  # warm-up: .pyc files written, deck cache filled, study run once
    failures.clear()
    got = T.interleaved(samplers, runs)

    rows = []
    for key, name in (("help", "llmquiz --help"), ("topics", "llmquiz topics"),
                      ("study", f"study --topic {topic}: first question")):
        wall, cpu = T.medians(got[f"llm-{key}"])
        floor_wall, floor_cpu = T.medians(got[f"floor-{key}"])
        row = T.Row(name, wall, cpu, len(got[f"llm-{key}"]), baseline=floor_wall)
        if key == "help":
            row.target = f"<= {HELP_TARGET}x floor"
            row.ok = row.ratio is not None and row.ratio <= HELP_TARGET
            if cpu and floor_cpu:
                row.note = f"CPU ratio {cpu / floor_cpu:.2f}x (floor CPU {T.fmt_time(floor_cpu)})"
        if key == "study":
            row.target = f"<= {STUDY_TARGET} s"
            row.ok = wall is not None and wall <= STUDY_TARGET
        rows.append(row)
        rows.append(T.Row(f"  floor app ({' '.join(floor[key][3:])})",
                          floor_wall, floor_cpu, len(got[f"floor-{key}"])))
    notes += sorted(set(failures))
    return rows, notes


def _clear(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def load_rows(work: Path, runs: int, n_cards: int) -> tuple[list[T.Row], list[str]]:
    """`decks.load()` in this process: shipped decks and generated ones, cold and warm."""
    from llmquiz import decks

    home = work / "inproc-home"
    T.set_private_home(home)
    cache = home / "cache" / "decks"
    notes = []
    decks.load(use_cache=False)  # imports (yaml, demos) paid here, not by the first timed run

    shipped = decks.load()
    n_shipped = len(shipped.cards)
    if shipped.problems:
        notes.append(f"shipped decks: {len(shipped.problems)} validation problems (decks.load() used, "
                     "invalid cards left out)")
    gen_dir = work / "generated"
    t0 = time.perf_counter()
    made = T.write_generated_decks(gen_dir, files=20, per_file=n_cards // 20)
    size = sum(f.stat().st_size for f in gen_dir.iterdir())
    notes.append(f"generated: {made} cards in 20 files, {size / 1e6:.1f} MB of YAML "
                 f"(written in {time.perf_counter() - t0:.1f} s)")

    rows = []
    for label, load, target, ok_under in (
        (f"load shipped decks ({n_shipped} cards)", lambda: decks.load(), "", None),
        (f"load {made:,} generated cards", lambda: decks.load([gen_dir]), f"< {LOAD_10K_TARGET} s warm",
         LOAD_10K_TARGET),
    ):
        cold = T.repeat(load, runs, setup=lambda: _clear(cache))
        load()
        warm = T.repeat(load, runs)
        wall, cpu = T.medians(cold)
        rows.append(T.Row(f"{label}, cold", wall, cpu, len(cold)))
        wall, cpu = T.medians(warm)
        row = T.Row(f"{label}, warm", wall, cpu, len(warm), target=target)
        if ok_under is not None and wall is not None:
            row.ok = wall < ok_under
        rows.append(row)
    check = decks.load([gen_dir])
    if check.problems or len(check.cards) != made:
        notes.append(f"generated decks: {len(check.problems)} problems, {len(check.cards)} cards loaded")
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per operation (median; >= 5)")
    parser.add_argument("--topic", help="topic for the study measurement (default: rag, else the first)")
    parser.add_argument("--cards", type=int, default=10_000, help="generated cards to load (20 files)")
    parser.add_argument("--skip-cli", action="store_true", help="only the in-process deck loads")
    parser.add_argument("--skip-load", action="store_true", help="only the subprocess measurements")
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    os.chdir(T.REPO)
    print(f"python {sys.version.split()[0]} ({sys.executable}); launched as `python -m llmquiz` and "
          f"`python -m {FLOOR_MODULE}`; {T.load_average()} at start")
    rows: list[T.Row] = []
    notes: list[str] = []
    with T.private_home() as work:
        T.set_private_home(work / "home")
        if not args.skip_cli:
            r, n = cli_rows(work, args.runs, args.topic)
            rows += r
            notes += n
        if not args.skip_load:
            r, n = load_rows(work, args.runs, args.cards)
            rows += r
            notes += n
    T.print_table("llmquiz start-up and deck loading (medians)", rows, floor_name="floor app")
    for note in notes:
        print(f"  note: {note}")
    print(f"  {T.load_average()} at end")
    return 1 if any(r.ok is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
