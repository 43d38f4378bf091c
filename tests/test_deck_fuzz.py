"""A bounded hypothesis fuzz of the deck loader: hostile files end in problems, never in a traceback,
and every file that loads without problems is one the commands can use.

The strategies live in tests/deck_fuzz.py; tools/fuzz_decks.py runs the same check on 10,000 cases.
"""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from llmquiz import decks

from .deck_fuzz import deck_files, exercise, write

# Bounded: a fixed number of examples, each load held to a CPU-time limit (wall time varies with the machine).
FUZZ = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(text=deck_files())
def test_hostile_decks_load_or_fail_cleanly_and_what_loads_is_usable(text: str, tmp_path: Path, hashing) -> None:
    path = write(tmp_path, text)
    started = time.process_time()
    library = decks.load([path])
    assert time.process_time() - started < 2
    for problem in library.problems:
        assert problem.line >= 1 and problem.col >= 1 and problem.message
    if library.cards and not library.problems:
        exercise(library, hashing, tmp_path, formats=("csv", "markdown"))
