"""Grading many answers from JSON lines: the core of `llmquiz grade --batch FILE|-`.

Each input line is an object with "question", "reference" and "answer", and optionally "key_points"
(strings, or {"point", "aliases"}) and "misconceptions" (strings, or {"claim", "correction"}). Without
key points they are derived from the reference. One result per input line, in order; a malformed line
yields {"line": N, "error": "..."} and the others are still graded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from llmquiz.grading.profile import Encoder

MAX_LINE = 1_000_000  # characters; a longer line is reported, not parsed
PASSTHROUGH = ("id",)  # input fields copied to the result, so results can be joined back


def _fields(obj: Any) -> tuple[str, str, str]:
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    missing = [k for k in ("question", "reference", "answer") if k not in obj]
    if missing:
        raise ValueError(f"missing field{'s' * (len(missing) > 1)}: {', '.join(missing)}")
    for k in ("question", "reference", "answer"):
        if obj[k] is not None and not isinstance(obj[k], str):
            raise ValueError(f'"{k}" must be a string')
    for k in ("key_points", "misconceptions"):
        if obj.get(k) is not None and not isinstance(obj[k], list):
            raise ValueError(f'"{k}" must be a list')
    return obj["question"] or "", obj["reference"] or "", obj["answer"] or ""


def grade_line(line: str, encoder: Encoder) -> dict[str, Any]:
    """Grade one JSON line; raises ValueError with a message for a malformed one."""
    from llmquiz.grading import grade_rubric
    from llmquiz.grading.rubric import from_parts

    if len(line) > MAX_LINE:
        raise ValueError(f"line longer than {MAX_LINE} characters")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at column {e.colno})") from None
    question, reference, answer = _fields(obj)
    if not reference.strip():
        raise ValueError('"reference" is empty')
    rubric = from_parts(question, reference, obj.get("key_points"), obj.get("misconceptions"))
    result = grade_rubric(rubric, answer, encoder=encoder).to_dict()
    for k in PASSTHROUGH:
        if k in obj:
            result = {k: obj[k], **result}
    return result


def grade_jsonl(lines: Iterable[str], encoder: Encoder | None = None) -> Iterator[dict[str, Any]]:
    """Yield one result dict per non-blank input line, in order.

    Each result has score, verdict, found, missed, feedback, misconception, unsure and details (and
    the input's "id" when it has one). A malformed line yields {"line": N, "error": "..."} (N counts
    from 1, blank lines included) and grading goes on.

    Example:
        >>> lines = ['{"question": "Why scale?", "reference": "Variance grows with d_k.", '
        ...          '"answer": "The variance grows with d_k."}', 'oops']
        >>> [r.get("verdict", r.get("error")) for r in grade_jsonl(lines)]
        ['correct', 'not valid JSON (Expecting value at column 1)']
    """
    enc = encoder
    for n, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if enc is None:
            from llmquiz.grading import default_encoder

            enc = default_encoder()
        try:
            yield grade_line(line, enc)
        except ValueError as e:
            yield {"line": n, "error": str(e)}
