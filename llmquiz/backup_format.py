"""What a backup may hold: every field's type, range and size, checked before anything reaches the store.

A backup is a file from anywhere (another machine, an old version, a stranger), and whatever a
restore writes, `stats` and `study` read back for ever after. So each review and schedule is rebuilt
here from exact types: ids are deck slugs, times are timezone-aware and between 2000 and 2300 (kept
in UTC, as the store compares them as text), ratings, scores, verdicts and modes come from their
fixed sets, text has a length limit, and an FSRS schedule has exactly the fields, states and ranges
the scheduler can compute with. Anything else is a `ValueError` naming the field.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from llmquiz.review import Rating, Review

FORMAT = "llmquiz-backup"
VERSION = 1
HEADER_KEYS = ("format", "version", "created")

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_ID = 100
MAX_ANSWER = 20_000  # characters: what the study loop keeps of an answer
MAX_POINT = 2_000  # characters of one key point
MAX_POINTS = 200  # key points found or missed in one review
MAX_SECONDS = 7 * 86_400.0  # time on one card
MODES = ("free", "flash", "predict")
VERDICTS = ("correct", "partial", "wrong")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2300, 1, 1, tzinfo=UTC)  # due dates run up to FSRS's 100-year maximum interval

REVIEW_REQUIRED = ("card_id", "topic", "reviewed_at", "mode", "rating", "seconds")
REVIEW_OPTIONAL = ("answer", "score", "verdict", "found", "missed", "state_before", "state_after")
FSRS_KEYS = frozenset({"card_id", "state", "step", "stability", "difficulty", "due", "last_review"})
FSRS_LEARNING, FSRS_REVIEW, FSRS_RELEARNING = 1, 2, 3


def review_from(d: Any) -> Review:
    """A `Review` from one backup entry, or a ValueError naming the first field that is wrong."""
    obj = _object(d, "a review", REVIEW_REQUIRED, REVIEW_OPTIONAL)
    score = obj.get("score")
    if score is not None:
        score = _int(score, "score", 0, 5)
    verdict = obj.get("verdict")
    if verdict is not None:
        verdict = _choice(verdict, "verdict", VERDICTS)
    before, after = obj.get("state_before"), obj.get("state_after")
    return Review(
        card_id=slug(obj["card_id"], "card_id"), topic=slug(obj["topic"], "topic"),
        reviewed_at=time(obj["reviewed_at"], "reviewed_at"), mode=_choice(obj["mode"], "mode", MODES),
        rating=_rating(obj["rating"]), seconds=_number(obj["seconds"], "seconds", 0.0, MAX_SECONDS),
        answer=text(obj.get("answer", ""), "answer", MAX_ANSWER), score=score, verdict=verdict,
        found=_texts(obj.get("found", []), "found"), missed=_texts(obj.get("missed", []), "missed"),
        state_before=None if before is None else fsrs_state(before, "state_before"),
        state_after=None if after is None else fsrs_state(after, "state_after"))


def state_from(card_id: Any, d: Any) -> tuple[str, dict[str, Any], str]:
    """(card id, FSRS schedule, due time in UTC ISO form) from one entry of a backup's "states"."""
    cid = slug(card_id, "the card id")
    obj = _object(d, f"the schedule of {cid}", ("state", "due"), ())
    return cid, fsrs_state(obj["state"], "state"), time(obj["due"], "due").isoformat()


def fsrs_state(d: Any, name: str) -> dict[str, Any]:
    """An FSRS card as `fsrs.Card.to_dict()` writes it, with values the scheduler can compute with."""
    if not isinstance(d, dict) or set(d) != FSRS_KEYS:
        raise ValueError(f"{name} must be an FSRS card with exactly the fields {', '.join(sorted(FSRS_KEYS))}")
    state = _int(d["state"], f"{name}.state", FSRS_LEARNING, FSRS_RELEARNING)
    step = d["step"]
    if state == FSRS_REVIEW:
        if step is not None:
            raise ValueError(f"{name}.step must be null for a card in review")
    else:
        step = _int(step, f"{name}.step", 0, 100)
    stability, difficulty = d["stability"], d["difficulty"]
    if stability is not None or difficulty is not None or state != FSRS_LEARNING:
        # FSRS's own bounds: stability from 0.001 days, difficulty from 1 to 10.
        stability = _number(stability, f"{name}.stability", 0.001, 1e6)
        difficulty = _number(difficulty, f"{name}.difficulty", 1.0, 10.0)
    last = d["last_review"]
    return {"card_id": _int(d["card_id"], f"{name}.card_id", 0, 2**63 - 1), "state": state, "step": step,
            "stability": stability, "difficulty": difficulty, "due": time(d["due"], f"{name}.due").isoformat(),
            "last_review": None if last is None else time(last, f"{name}.last_review").isoformat()}


def slug(value: Any, name: str) -> str:
    """A deck id or topic: lowercase words joined by hyphens."""
    if not isinstance(value, str) or len(value) > MAX_ID or not SLUG.fullmatch(value):
        raise ValueError(f"{name} must be an id like 'attn-scaling' (lowercase letters, digits, hyphens; "
                         f"at most {MAX_ID})")
    return value


def time(value: Any, name: str) -> datetime:
    """An ISO 8601 time with its offset, between 2000 and 2300, in UTC."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{name} must be an ISO 8601 time such as 2026-03-10T12:00:00+00:00")
    t = _utc_time(value)
    if isinstance(t, str):
        raise ValueError(f"{name} {t}")
    return t


@lru_cache(maxsize=4096)
def _utc_time(value: str) -> datetime | str:
    # Cached: a review's times recur in its schedules and in the next review of the card.
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return "must be an ISO 8601 time such as 2026-03-10T12:00:00+00:00"
    if t.tzinfo is None or t.utcoffset() is None:
        return "must say its time zone (for example +00:00)"
    t = t.astimezone(UTC)
    if not EARLIEST <= t < LATEST:
        return "must be between the years 2000 and 2300"
    return t


def text(value: Any, name: str, limit: int) -> str:
    """A string of at most `limit` characters that can be stored (no lone surrogates, no NUL)."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit:,} characters")
    if "\x00" in value:
        raise ValueError(f"{name} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} is not valid text (an unpaired surrogate)") from None
    return value


def _object(d: Any, what: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise ValueError(f"{what} must be a JSON object")
    missing = [k for k in required if k not in d]
    if missing:
        raise ValueError(f"{what} lacks {', '.join(missing)}")
    unknown = sorted(set(d) - set(required) - set(optional))
    if unknown:
        shown = ", ".join(repr(k[:40]) for k in unknown[:3])
        raise ValueError(f"{what} has unknown field{'s' * (len(unknown) > 1)} {shown}")
    return d


def _texts(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_POINTS:
        raise ValueError(f"{name} must be a list of at most {MAX_POINTS} strings")
    return tuple(text(v, f"{name}[{i}]", MAX_POINT) for i, v in enumerate(value))


def _int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}")
    return value


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}")
    return float(value)


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}")
    return value


def _rating(value: Any) -> Rating:
    # Backups hold the number; a label ("good") is accepted too, as `history --json` shows it.
    if isinstance(value, str):
        parsed = Rating.parse(value) if len(value) <= 10 and not value.strip().isdigit() else None
        if parsed is not None:
            return parsed
    return Rating(_int(value, "rating", 1, 4))
