"""The one exception family for problems a user can cause.

Core code raises these with a message that says where (file:line when there is a file) and what to
do; `cli.py` catches `LlmquizError` once and prints the message as one line on stderr.
"""

from __future__ import annotations


class LlmquizError(Exception):
    """A problem the user can fix; its message is shown as is, never with a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Extra lines (for example every deck problem) printed after the message.
        self.details = details or []


class DeckError(LlmquizError):
    """One or more decks are malformed; `details` holds every `file:line:col: message`."""


class TopicError(LlmquizError):
    """No topic (or card) matches what the user asked for."""


class StoreError(LlmquizError):
    """The progress store cannot be opened, read or written."""


class UsageError(LlmquizError):
    """An option value is out of range or inconsistent."""

    exit_code = 2


class DemoError(LlmquizError):
    """A demo cannot run with the inputs given."""


class ModelError(LlmquizError):
    """A model (the tiny LM or a sentence encoder) is missing or cannot be loaded."""


class ConfigError(LlmquizError):
    """The config file is malformed or a key is unknown."""


class SourceError(LlmquizError):
    """A file to import is malformed, too large, or not what its name says."""


class StoreBusyError(StoreError):
    """The progress store stayed locked by another process after every retry."""


class StoreFullError(StoreError):
    """The disk holding the progress store is full."""


class StorePermissionError(StoreError):
    """The progress store (or its folder) may not be read or written."""


class StoreCorruptError(StoreError):
    """The progress store was damaged; it has been moved aside and a new one started."""


class OutputError(LlmquizError):
    """A file (backup, export) could not be written; the previous file is left as it was."""


class EditorError(LlmquizError):
    """The learner's editor cannot be found or started, or it failed."""
