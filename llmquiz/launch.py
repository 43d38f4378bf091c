"""The `llmquiz` program's entry point: run the command line, and end on Ctrl-C with one line, always.

Importing Typer, Rich and the commands takes a noticeable part of a second. A Ctrl-C in that window
lands before any of llmquiz's handlers exist and would print a traceback, so this module imports
nothing (not even `signal`, which imports `enum`) before it is ready to catch one. Once a command
runs, `ErrorGroup` catches Ctrl-C itself (the store is closed on the way out); this is the net around
everything else. Python's own start-up, before any of llmquiz's code, is out of its reach.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Console-script entry point (`llmquiz`, `python -m llmquiz`)."""
    try:
        sys.unraisablehook = _unraisable
        from llmquiz.cli import main as cli_main

        cli_main()
    except KeyboardInterrupt:
        _interrupted()
    except Exception as e:
        # Python wraps a Ctrl-C that lands in some places (a class being built calls __set_name__)
        # in another error: still the learner's Ctrl-C, not a bug to show.
        if _from_interrupt(e):
            _interrupted()
        raise


def _unraisable(unraisable: object) -> None:
    """A Ctrl-C that lands where Python cannot raise it (a weakref callback during an import) is
    handed back to the main thread, instead of being printed as "Exception ignored" and lost."""
    if isinstance(getattr(unraisable, "exc_value", None), KeyboardInterrupt):
        import _thread

        _thread.interrupt_main()
        return
    sys.__unraisablehook__(unraisable)  # type: ignore[arg-type]


def _from_interrupt(error: BaseException) -> bool:
    """Whether `error` was raised by, or while handling, a KeyboardInterrupt."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _interrupted() -> None:
    """Say so in one line and exit 130, as a shell does for Ctrl-C."""
    try:
        import signal

        # A second Ctrl-C while leaving must not print the traceback the first one was kept from.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (KeyboardInterrupt, ValueError):
        pass  # interrupted again: the line below still goes out
    say_interrupted()
    raise SystemExit(130)


def say_interrupted() -> None:
    """Write the one line for a Ctrl-C, importing nothing: the interrupt may have landed in the middle
    of an import (Rich's tables load `decimal`), and importing that module again to print the message
    makes its C library warn on stderr."""
    try:
        sys.stderr.write("Error: Interrupted.\n")
        sys.stderr.flush()
    except (KeyboardInterrupt, OSError, ValueError):
        pass  # interrupted again, or stderr is closed: the exit status still says what happened
