"""Regenerate the README's examples from real output, or check that they still match it.

Every ```console block of README.md whose first line is `$ llmquiz ...` is an example: the command is
run (80 columns, no colour, a fresh progress folder) and the block's output lines are replaced by
what it prints. tests/test_readme.py runs `--check`'s comparison, so an example cannot drift from
what llmquiz says; after a change that alters an example (a new grader, a new demo layout), run

    .venv/bin/python tools/readme_examples.py

and commit the README it writes. An example graded with the default encoder is generated with
MiniLM, as the README's set-up installs it.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
WIDTH = 80
BLOCK = re.compile(r"```console\n(\$ llmquiz [^\n]*)\n(.*?)```", flags=re.S)


def examples(text: str) -> Iterator[tuple[str, str, tuple[int, int]]]:
    """(command line, output shown, span of the output in `text`) for each example block."""
    for m in BLOCK.finditer(text):
        yield m.group(1), m.group(2), m.span(2)


def run(command: str) -> str:
    """What `command` (a `$ llmquiz ...` line) prints at 80 columns without colour, in a fresh home
    that is also the working folder, so the files an example writes go away with it."""
    from typer.testing import CliRunner

    from llmquiz.cli import app

    args = shlex.split(command.removeprefix("$ llmquiz "))
    with tempfile.TemporaryDirectory() as home:
        env = {"LLMQUIZ_HOME": home, "COLUMNS": str(WIDTH), "NO_COLOR": "1", "LLMQUIZ_DECKS": None,
               "LLMQUIZ_ENCODER": None}
        # A file the example writes (`-o rag.apkg`) lands in the temporary folder, not where this runs.
        here = os.getcwd()
        os.chdir(home)
        try:
            result = CliRunner().invoke(app, args, env=env)
        finally:
            os.chdir(here)
    if result.exit_code != 0:
        raise RuntimeError(f"README example `{command}` failed ({result.exit_code}): {result.output}")
    # Trailing spaces are Rich's padding, invisible in the README.
    return "".join(line.rstrip() + "\n" for line in result.stdout.splitlines())


def regenerate(text: str) -> str:
    """`text` with every example's output replaced by the real output of its command."""
    out, last = [], 0
    for command, _, (start, end) in examples(text):
        out += [text[last:start], run(command)]
        last = end
    return "".join(out) + text[last:]


def stale(text: str) -> list[str]:
    """The commands whose output in `text` differs from what they print now."""
    return [command for command, shown, _ in examples(text) if shown != run(command)]


def main(argv: list[str] | None = None) -> int:
    """Rewrite README.md's examples (or, with --check, list the stale ones and exit 1)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report examples that differ")
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    text = README.read_text(encoding="utf-8")
    if args.check:
        old = stale(text)
        for command in old:
            print(f"stale README example: {command}", file=sys.stderr)
        return 1 if old else 0
    new = regenerate(text)
    if new != text:
        README.write_text(new, encoding="utf-8")
        print(f"updated {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
