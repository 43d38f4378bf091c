"""Writing in the learner's own editor: `$VISUAL`, else `$EDITOR`, else one found on the PATH.

Used for long answers (`/e` in a study session) and for fixing a card into the learner's deck.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from llmquiz.errors import EditorError

FALLBACKS = ("nano", "vim", "vi")


def command() -> list[str]:
    """The editor command as an argument list, or an EditorError that says how to choose one."""
    for var in ("VISUAL", "EDITOR"):
        value = os.environ.get(var, "").strip()
        if value:
            try:
                return shlex.split(value, posix=os.name != "nt")
            except ValueError:
                raise EditorError(f"${var} ({value!r}) is not a command line; fix its quoting.") from None
    if os.name == "nt":
        return ["notepad"]
    for name in FALLBACKS:
        if shutil.which(name):
            return [name]
    raise EditorError("no editor found; set $EDITOR (for example `export EDITOR=nano`).")


def edit_file(path: Path) -> None:
    """Open `path` in the editor and wait for it to close."""
    argv = [*command(), str(path)]
    try:
        code = subprocess.call(argv)
    except OSError as e:
        raise EditorError(f"cannot start the editor '{argv[0]}': {e.strerror}; set $EDITOR to one "
                          "that is installed.") from None
    if code != 0:
        raise EditorError(f"the editor '{argv[0]}' exited with status {code}; nothing was changed.")


def edit_text(text: str, *, suffix: str = ".md") -> str:
    """Let the learner edit `text`; return the result with `#` comment lines removed.

    Example:
        >>> edit_text("# Your answer below; lines starting with # are ignored.\\n")  # doctest: +SKIP
        'Scaling keeps the softmax from saturating.'
    """
    fd, name = tempfile.mkstemp(prefix="llmquiz-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        edit_file(path)
        written = path.read_text(encoding="utf-8", errors="replace")
    finally:
        path.unlink(missing_ok=True)
    return "\n".join(line for line in written.splitlines() if not line.startswith("#")).strip()
