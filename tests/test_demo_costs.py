"""Demo options are bounded by what one run costs as a whole, not one range at a time.

`demo positions` with its largest width and offset (each in range) once took 16 GB and two minutes,
and a deck can set the arguments `/d` runs. A run now either fits the time and memory budget or is
refused, before anything is computed, with the options to lower.
"""

from __future__ import annotations

import shlex
import time
import tracemalloc

import pytest
from typer.testing import CliRunner

from llmquiz import demos
from llmquiz.cli import app
from llmquiz.commands.demo import EXAMPLES
from llmquiz.demos.registry import BY_NAME, SPECS
from llmquiz.demos.spec import MAX_BYTES, MAX_SECONDS, over_budget, resolve
from llmquiz.errors import UsageError

runner = CliRunner()


def test_positions_at_its_largest_options_is_small_and_quick() -> None:
    tracemalloc.start()
    started = time.process_time()
    result = demos.run("positions", {"d_model": 8192, "positions": 64, "offset": 100000})
    seconds = time.process_time() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 64 * 2**20 and seconds < MAX_SECONDS
    assert result.data["rope_max_shift_change"] < 1e-6  # the RoPE check still holds at that offset


def test_options_too_costly_together_are_refused_naming_them() -> None:
    result = runner.invoke(app, ["demo", "moe", "--experts", "1024", "--tokens", "10000", "--d-model", "1024"])
    assert result.exit_code == 2
    assert " ".join(result.output.split()) == (
        "Error: These inputs together would take about 6 s (a demo may take 3 s) and about 336 MiB of memory "
        "(a demo may use 256 MiB): lower --tokens, --experts or --d-model.")
    with pytest.raises(UsageError, match="lower --beam, --new-tokens or --samples"):
        demos.run("decoding", {"beam": 16, "new_tokens": 48, "samples": 10})
    with pytest.raises(UsageError, match="lower --text or --merges"):
        demos.run("bpe", {"text": "the quick brown fox " * 1000, "merges": 500})


def test_each_option_alone_at_its_largest_still_runs() -> None:
    # The budget is for the whole run: one large option with the others at their defaults fits.
    for name, args in (("moe", {"experts": 1024}), ("moe", {"tokens": 10000}), ("decoding", {"beam": 16}),
                       ("bpe", {"merges": 500}), ("quantize", {"rows": 2048}), ("attention", {"d_k": 4096})):
        assert over_budget(BY_NAME[name], resolve(BY_NAME[name], args)) is None, (name, args)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_defaults_and_the_help_example_fit_the_budget(spec) -> None:
    assert over_budget(spec, resolve(spec, {})) is None
    words = shlex.split(EXAMPLES[spec.name])
    args = {words[i][2:].replace("-", "_"): words[i + 1] for i in range(0, len(words), 2)}
    assert over_budget(spec, resolve(spec, args)) is None


@pytest.mark.parametrize(("name", "args"), [
    ("quantize", {"rows": 2048, "cols": 2048, "group_size": 1}),
    ("attention", {"d_k": 4096}),
    ("moe", {"experts": 256, "tokens": 10000, "d_model": 256}),
])
def test_the_memory_estimate_bounds_what_a_run_allocates(name: str, args: dict) -> None:
    spec = BY_NAME[name]
    estimate = spec.cost(resolve(spec, args))  # type: ignore[misc]
    assert estimate.bytes <= MAX_BYTES
    tracemalloc.start()
    demos.run(name, args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak <= estimate.bytes, f"{name}: allocated {peak / 2**20:.0f} MiB, estimated {estimate.bytes / 2**20:.0f}"
