"""The input side of `llmquiz grade --batch`: any file of lines in, exactly one result per line out.

`grading.batch.grade_line` grades one well-formed line. This layer makes sure a hostile line costs
one error line and nothing more: a line is read at most `MAX_LINE` characters at a time (a 2 GB line
is skipped, not loaded), bytes that are not UTF-8 are replaced rather than raised, nesting deeper
than `jsonstream.MAX_DEPTH` is refused before `json.loads` could recurse, and an unexpected failure
inside the grader becomes that line's error while the lines after it are still graded.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import IO, Any

from llmquiz import jsonstream
from llmquiz.grading import batch

MAX_LINE = batch.MAX_LINE


def read_lines(f: IO[bytes], limit: int | None = None) -> Iterator[tuple[int, str | None]]:
    """(line number from 1, text) for each line of `f`; text is None for a line longer than `limit`."""
    limit = limit or MAX_LINE
    decode = codecs.getincrementaldecoder("utf-8")(errors="replace")
    n = 0
    while True:
        # Bytes, so the limit bounds memory whatever the encoding; UTF-8 takes at most 4 per character.
        raw = f.readline(limit * 4 + 1)
        if not raw:
            return
        n += 1
        too_long = len(raw) > limit * 4 and not raw.endswith(b"\n")
        while too_long and raw and not raw.endswith(b"\n"):
            raw = f.readline(1 << 20)  # skip the rest of the line in bounded pieces
        if too_long:
            yield n, None
            continue
        text = decode.decode(raw, final=True)
        yield n, (None if len(text) > limit else text)


def grade_lines(f: IO[bytes], encoder: Any = None) -> Iterator[dict[str, Any]]:
    """One result per non-blank line of `f`, in order; a bad line yields {"line": N, "error": "..."}."""
    enc = encoder
    for n, text in read_lines(f):
        if text is None:
            yield {"line": n, "error": f"line longer than {MAX_LINE:,} characters"}
            continue
        line = text.strip()
        if not line:
            continue
        if enc is None:
            from llmquiz.grading import default_encoder

            enc = default_encoder()
        if jsonstream.too_deep(line):
            yield {"line": n, "error": f"nested deeper than {jsonstream.MAX_DEPTH} levels"}
            continue
        try:
            yield batch.grade_line(line, enc)
        except ValueError as e:
            yield {"line": n, "error": str(e)}
        except (RecursionError, MemoryError, ArithmeticError, TypeError, LookupError, AttributeError) as e:
            # A fault inside the grader on an odd input: that line fails, the others are still graded.
            yield {"line": n, "error": f"could not be graded ({type(e).__name__}: {str(e)[:200]})"}
