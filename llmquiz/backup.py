"""Progress backups: every review and schedule as one JSON file; restoring merges without duplicates.

Both directions stream, so a million reviews take the memory of one chunk, not of the whole file.
`backup` writes one review per line from a consistent snapshot of the store, through `outfile` (a
failed backup leaves the previous file intact). `restore` checks every entry of the file as it reads
it (`backup_format`: types, times, states, sizes, nesting) and stages the checked rows outside the
store (`staging`); only once the whole file has passed does it merge them in, a chunk of `CHUNK` rows
per transaction, so a bad file is refused whole, with the line of its first problem, and a study
session in another terminal can save between two chunks. Restoring is idempotent (a review with the
same card and time is skipped), so a restore that was interrupted is finished by running it again.
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from llmquiz import outfile, staging
from llmquiz.backup_format import FORMAT, HEADER_KEYS, VERSION, review_from, state_from
from llmquiz.errors import UsageError
from llmquiz.jsonstream import Reader
from llmquiz.review import Review
from llmquiz.store import Store

CHUNK = 2_000  # reviews per transaction: ~20 ms of lock, so another terminal's save never waits long
MAX_ENTRY = 1 << 20  # characters of one review or schedule in the file
_str = json.encoder.encode_basestring  # type: ignore[attr-defined]  # a JSON string literal, in C


def backup(store: Store, path: Path | str, *, now: datetime | None = None) -> dict[str, int]:
    """Write all progress to `path` (`-` for standard output), atomically; return the counts written."""
    with store.snapshot():
        return write(path, store.each_review_row(), store.each_state(), now=now)


def write(path: Path | str, rows: Iterable[tuple[Any, ...]], states: Iterable[tuple[str, dict[str, Any], str]],
          *, now: datetime | None = None) -> dict[str, int]:
    """Write reviews (as `Review.row()` tuples) and schedules (card id, state, due) as a backup file.

    Returns the counts written. Each review is one line, composed from the stored columns directly:
    the JSON columns are already JSON, so nothing is decoded only to be encoded again.
    """
    created = (now or datetime.now(UTC)).isoformat()
    n_reviews = n_cards = 0
    with outfile.open_out(path, private=True) as f:
        f.write(f'{{"format": "{FORMAT}", "version": {VERSION}, "created": "{created}",\n"reviews": [')
        for row in rows:
            f.write(("," if n_reviews else "") + "\n" + _review_line(row))
            n_reviews += 1
        f.write('\n],\n"states": {')
        for card_id, state, due in states:
            entry = json.dumps({"state": state, "due": due}, ensure_ascii=False)
            f.write(("," if n_cards else "") + f"\n{_str(card_id)}: {entry}")
            n_cards += 1
        f.write("\n}}\n")
    return {"reviews": n_reviews, "cards": n_cards}


def restore(store: Store, path: Path | str) -> dict[str, int]:
    """Merge a backup into the store: reviews already present are skipped, so restoring twice adds nothing.

    Returns {"added", "skipped", "total"}. A file that fails any check raises UsageError before
    anything is written to the store.
    """
    path = Path(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # before open: opening a pipe would wait for a writer
            raise UsageError(f"{path} is not a regular file; give the file `llmquiz backup` wrote.")
        f = path.open(encoding="utf-8", newline="")
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}.") from None
    n_reviews = added = 0
    with f, staging.staged(store) as stage:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise UsageError(f"{path} is not a regular file; give the file `llmquiz backup` wrote.")
        reviews: list[Review] = []
        states: list[tuple[str, dict[str, Any], str]] = []
        for kind, entry in _entries(f, path):
            if kind == "review":
                reviews.append(entry)
                n_reviews += 1
            else:
                states.append(entry)
            if len(reviews) + len(states) >= CHUNK:
                stage.add_reviews(reviews)
                stage.add_states(states)
                reviews, states = [], []
        stage.add_reviews(reviews)
        stage.add_states(states)
        # The whole file has passed: only now is the store written, a chunk per transaction.
        for n in stage.merge(CHUNK):
            added += n
    return {"added": added, "skipped": n_reviews - added, "total": store.count()}


def _entries(f: IO[str], path: Path) -> Iterator[tuple[str, Any]]:
    """Each checked ("review", Review) and ("state", (id, state, due)) of the file; UsageError at the first fault."""
    reader = Reader(f, max_value=MAX_ENTRY)
    where = "the file"
    header: dict[str, Any] = {}
    try:
        try:
            if reader.peek() != "{":
                raise ValueError(f'this is not a llmquiz backup (a backup is a JSON object with "format": "{FORMAT}")')
            reader.take("{")
            if reader.peek() == "}":
                reader.take("}")
            else:
                while True:
                    where = "a key at the top"
                    key = reader.value()
                    if not isinstance(key, str):
                        raise ValueError("expected a field name")
                    reader.take(":")
                    if key in header:
                        raise ValueError(f'"{key[:40]}" appears twice')
                    header[key] = None
                    if key == "reviews":
                        where = "review 1"
                        for n, item in enumerate(_array(reader), start=1):
                            yield "review", review_from(item)
                            where = f"review {n + 1:,}"  # the next one, whose reading may fail
                    elif key == "states":
                        where = "the first schedule"
                        for card_id in _keys(reader):
                            where = f"the schedule of {card_id[:40]!r}"
                            yield "state", state_from(card_id, reader.value())
                    elif key in HEADER_KEYS:
                        where = f'"{key}"'
                        header[key] = reader.value()
                    else:
                        raise ValueError(f'this is not a llmquiz backup (unknown field "{key[:40]}"; a backup has '
                                         "format, version, created, reviews and states)")
                    if reader.take(",}") == "}":
                        break
            where = "the end of the file"
            if not reader.at_end():
                raise ValueError("more text after the backup's closing brace")
        except UnicodeDecodeError:
            raise ValueError("not UTF-8 text") from None
        _check_header(header)
    except ValueError as e:
        raise UsageError(f"{path}:{reader.line}: {where}: {e}; nothing was restored.") from None


def _array(reader: Reader) -> Iterator[Any]:
    reader.take("[")
    if reader.peek() == "]":
        reader.take("]")
        return
    while True:
        yield reader.value()
        if reader.take(",]") == "]":
            return


def _keys(reader: Reader) -> Iterator[str]:
    """The keys of an object; the caller reads each one's value before asking for the next key."""
    reader.take("{")
    if reader.peek() == "}":
        reader.take("}")
        return
    while True:
        key = reader.value()
        if not isinstance(key, str):
            raise ValueError("expected a card id")
        reader.take(":")
        yield key
        if reader.take(",}") == "}":
            return


def _check_header(header: dict[str, Any]) -> None:
    if header.get("format") != FORMAT:
        raise ValueError(f'this is not a llmquiz backup (no "format": "{FORMAT}")')
    version = header.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError('"version" must be a whole number from 1')
    if version > VERSION:
        raise ValueError(f"it was written by a newer llmquiz (backup version {version}); upgrade llmquiz")
    created = header.get("created")
    if created is not None and not isinstance(created, str):
        raise ValueError('"created" must be a time')
    for key in ("reviews", "states"):
        if key not in header:
            raise ValueError(f'the backup has no "{key}"')


def _review_line(row: tuple[Any, ...]) -> str:
    (card_id, topic, at, mode, answer, score, verdict, rating, seconds, found, missed, before, after) = row
    seconds = float(seconds) if math.isfinite(seconds) else 0.0
    return (f'{{"card_id": {_str(card_id)}, "topic": {_str(topic)}, "reviewed_at": {_str(at)}, '
            f'"mode": {_str(mode)}, "rating": {int(rating)}, "seconds": {seconds!r}, "answer": {_str(answer)}, '
            f'"score": {"null" if score is None else int(score)}, '
            f'"verdict": {"null" if verdict is None else _str(verdict)}, "found": {found}, "missed": {missed}, '
            f'"state_before": {before or "null"}, "state_after": {after or "null"}}}')
