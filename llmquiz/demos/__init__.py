"""Micro-demos of LLM concepts. Importing this package is cheap: demos load their modules lazily.

Example:
    >>> from llmquiz import demos
    >>> result = demos.run("top-p", {"probs": [0.5, 0.2, 0.15, 0.1, 0.05], "p": 0.8})
    >>> result.data["kept_count"]
    3
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from llmquiz.errors import UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from llmquiz.demos.result import DemoResult

# Names only; each demo's module is imported when it runs, so `llmquiz --help` stays fast.
NAMES: tuple[str, ...] = (
    "tokens", "bpe", "temperature", "top-p", "top-k", "decoding", "attention", "positions",
    "loss", "embeddings", "lora", "kvcache", "quantize", "moe",
)


def demo_names() -> tuple[str, ...]:
    """Every demo a card's `demo:` field may name."""
    return NAMES


def _spec(name: str):  # -> DemoSpec
    from llmquiz.demos.registry import BY_NAME

    spec = BY_NAME.get(name)
    if spec is None:
        import difflib

        close = difflib.get_close_matches(name, NAMES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UsageError(f"No demo named {name!r}.{hint} `llmquiz demo` lists them.")
    return spec


def describe() -> list[dict[str, Any]]:
    """Each demo's name and one-line summary, in listing order (no numpy imported)."""
    from llmquiz.demos.registry import BY_NAME

    return [{"name": n, "summary": BY_NAME[n].summary} for n in NAMES]


def check_args(name: str, args: dict[str, Any]) -> list[str]:
    """Problems with a card's arguments for demo `name` (unknown key, wrong type, out of range).

    Example:
        >>> check_args("top-p", {"p": 1.5, "temprature": 1})
        ["no argument 'temprature' (did you mean 'temperature'?)", "argument 'p' must be at most 1 (got 1.5)"]
    """
    from llmquiz.demos.registry import BY_NAME
    from llmquiz.demos.spec import problems

    spec = BY_NAME.get(name)
    if spec is None:
        return [f"unknown demo {name!r}; demos are: {', '.join(NAMES)}"]
    return problems(spec, args)


def run(name: str, args: dict[str, Any] | None = None, *, rng_seed: int = 0) -> DemoResult:
    """Run demo `name` with `args` (missing ones take their defaults) and return its result.

    Randomness comes from `numpy.random.default_rng(rng_seed)`, so a run is reproducible.
    Raises UsageError (bad argument) or DemoError / ModelError (cannot run).
    """
    from llmquiz.demos.spec import resolve

    spec = _spec(name)
    values = resolve(spec, args)
    module = importlib.import_module(f"llmquiz.demos.{spec.module}")
    import numpy as np

    return module.compute(name, values, np.random.default_rng(rng_seed))


def render(result: DemoResult, console: Console) -> None:
    """Draw `result` on `console`: the explanation, the numbers, and charts."""
    from llmquiz.demos.renderer import render_result

    render_result(result, console)
