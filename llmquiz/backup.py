"""Progress backups: every review and schedule as one JSON file; restoring merges without duplicates."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llmquiz.errors import UsageError
from llmquiz.review import Rating, Review
from llmquiz.store import Store

FORMAT = "llmquiz-backup"
VERSION = 1


def backup(store: Store, path: Path, *, now: datetime | None = None) -> dict[str, int]:
    """Write all progress to `path` (atomically); return the counts written."""
    reviews = store.reviews()
    states = store.states()
    data = {
        "format": FORMAT, "version": VERSION,
        "created": (now or datetime.now(UTC)).isoformat(),
        "reviews": [_review_dict(r) for r in reviews],
        "states": {cid: {"state": s, "due": due} for cid, (s, due) in states.items()},
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}.") from None
    return {"reviews": len(reviews), "cards": len(states)}


def restore(store: Store, path: Path) -> dict[str, int]:
    """Merge a backup into the store: reviews already present are skipped, so restoring twice adds nothing."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}.") from None
    except ValueError as e:
        raise UsageError(f"{path} is not a llmquiz backup (invalid JSON: {e}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"{path} is not a llmquiz backup (no \"format\": \"{FORMAT}\").")
    if data.get("version", 0) > VERSION:
        raise UsageError(f"{path} was written by a newer llmquiz (backup version {data['version']}); upgrade.")
    try:
        reviews = [_review_from(r) for r in data["reviews"]]
        states = {cid: (v["state"], v["due"]) for cid, v in data["states"].items()}
    except (KeyError, TypeError, ValueError) as e:
        raise UsageError(f"{path} is a damaged backup ({type(e).__name__}: {e}).") from None
    before = store.count()
    added = store.import_reviews(reviews, states)
    return {"added": added, "skipped": len(reviews) - added, "total": before + added}


def _review_dict(r: Review) -> dict[str, Any]:
    d = r.to_dict()
    d.pop("id")
    d["rating"] = int(r.rating)
    d["state_before"] = r.state_before
    d["state_after"] = r.state_after
    return d


def _review_from(d: dict[str, Any]) -> Review:
    return Review(card_id=d["card_id"], topic=d["topic"], reviewed_at=datetime.fromisoformat(d["reviewed_at"]),
                  mode=d["mode"], rating=Rating(int(d["rating"])), seconds=float(d["seconds"]),
                  answer=d.get("answer", ""), score=d.get("score"), verdict=d.get("verdict"),
                  found=tuple(d.get("found", ())), missed=tuple(d.get("missed", ())),
                  state_before=d.get("state_before"), state_after=d.get("state_after"))
