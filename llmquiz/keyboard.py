"""What the learner types, read as text whatever the terminal's encoding.

A terminal set to Latin-1 (or a paste from one) sends `café` as the bytes `caf\\xe9`, which are not
UTF-8: Python's `input()` would raise UnicodeDecodeError and the answer would be lost. While a study
session reads answers, stdin keeps undecodable bytes (`surrogateescape`), and `repair` turns them
back into text: as UTF-8 where they are, else as Windows-1252 (a superset of Latin-1's letters).
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator

_KEPT = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of the bytes 0x80-0xff
_OTHER_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def repair(line: str) -> str:
    """`line` with bytes kept by surrogateescape decoded: UTF-8 if they are, else Windows-1252.

    Example:
        >>> repair("caf\\udce9")
        'café'
        >>> repair("caf\\udcc3\\udca9")
        'café'
    """
    if not _KEPT.search(line):
        return line
    # Decoded characters go back to their UTF-8 bytes and kept bytes to themselves; a surrogate that
    # surrogateescape cannot have made (none comes from a terminal) becomes '?'.
    raw = _OTHER_SURROGATE.sub("?", line).encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


@contextlib.contextmanager
def tolerant_stdin() -> Iterator[None]:
    """While inside, stdin keeps bytes it cannot decode instead of raising; restored on the way out."""
    stream = sys.stdin
    errors = getattr(stream, "errors", None)
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None or errors in (None, "surrogateescape"):
        yield
        return
    try:
        reconfigure(errors="surrogateescape")
    except (ValueError, OSError):  # a closed or detached stream: nothing to read anyway
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors=errors)
