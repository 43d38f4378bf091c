"""Command groups that live in their own modules; `llmquiz.cli` attaches each module's `app`.

`ErrorGroup` is the one place an `LlmquizError` becomes a one-line message and an exit code. Every
group uses it, so a sub-app behaves the same when run on its own (as in its tests) as under `llmquiz`;
nested groups re-raise nothing, because the innermost one has already turned the error into an exit.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from llmquiz.errors import LlmquizError


class ErrorGroup(TyperGroup):
    """Prints llmquiz's errors as one line on stderr and exits with the error's code."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LlmquizError as e:
            from llmquiz import render

            render.error(e.message, e.details)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            from llmquiz import render

            render.error("Interrupted.")
            raise typer.Exit(130) from None
