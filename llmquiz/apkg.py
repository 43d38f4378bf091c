"""Reading an Anki package (`.apkg`) from anyone, safely: its notes as plain data, or one clear error.

An `.apkg` is a zip holding an SQLite collection (`collection.anki21`, or `collection.anki2` from
older Anki) and media files. A package from a stranger is treated as hostile: member names that
climb out of a folder are refused, the collection is read with a cap on its size and on how much
it may inflate, nothing is ever extracted under a name the package chose, the database is opened
read-only with its schema untrusted, and a query that runs too long is stopped. Media are not read.

Anki 2.1.50+ can write only `collection.anki21b` (zstd-compressed, a newer schema); that needs the
`zstandard` package, and without it the learner is told to export with "Support older Anki
versions" ticked. Schema 11 (JSON models and decks in `col`) and schema 18 (their own tables) are
both read.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from llmquiz.errors import SourceError

# The collections a package may hold, the one to prefer first.
COLLECTIONS = ("collection.anki21", "collection.anki2")
NEWEST = "collection.anki21b"
MAX_MEMBERS = 100_000  # media included; a real deck has at most a few tens of thousands
MAX_COLLECTION = 256 * 1024 * 1024  # bytes, inflated
MAX_RATIO = 200  # inflated / compressed, above this for a large member it is a zip bomb
MAX_NOTES = 50_000
QUERY_SECONDS = 20.0
_CHUNK = 1 << 20


@dataclass(frozen=True)
class AnkiNote:
    """One note of a collection: its fields (raw HTML) by name, tags, deck and kind."""

    index: int  # 1-based position in the collection, for messages
    guid: str
    notetype: str
    names: tuple[str, ...]
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str  # "Parent::Child" of the note's first card ("" when it has none)
    cloze: bool

    def field(self, name: str) -> str | None:
        """The raw content of the field called `name` (case-insensitive), or None."""
        for n, value in zip(self.names, self.fields, strict=False):
            if n.lower() == name.lower():
                return value
        return None


def read(path: Path) -> list[AnkiNote]:
    """Every note of the package at `path`; a SourceError in one sentence when it cannot be read.

    Example:
        >>> notes = read(Path("rag.apkg"))   # doctest: +SKIP
        >>> notes[0].field("Question")       # doctest: +SKIP
        'What problem does retrieval-augmented generation solve?'
    """
    try:
        declared = _declared_members(path)
        if declared is not None and declared > MAX_MEMBERS:
            # Checked before zipfile reads the directory: a million entries would cost gigabytes.
            raise SourceError(f"{path} holds {declared:,} files, more than the {MAX_MEMBERS:,} an Anki package "
                              "would; refusing it.")
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise SourceError(f"{path} is not an Anki package: an .apkg is a zip archive and this is not one "
                          "(or it is damaged); export it again from Anki.") from None
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror or e}.") from None
    with archive, tempfile.TemporaryDirectory(prefix="llmquiz-apkg-") as tmp:
        member, zstd = _collection_member(archive, path)
        db_path = Path(tmp) / "collection.sqlite"  # our own name, never the package's
        _inflate(archive, member, db_path, path, zstd=zstd)
        return _read_collection(db_path, path)


def _declared_members(path: Path) -> int | None:
    """The entry count a zip's end record states (None when absent, or left to the Zip64 record)."""
    with path.open("rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 65_557))  # the end record and its longest comment
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    total = int.from_bytes(tail[at + 10:at + 12], "little")
    return None if total == 0xFFFF else total


def _collection_member(archive: zipfile.ZipFile, path: Path) -> tuple[zipfile.ZipInfo, bool]:
    """The member holding the collection, and whether it is zstd-compressed (the newest format)."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise SourceError(f"{path} holds {len(infos):,} files, more than the {MAX_MEMBERS:,} an Anki package "
                          "would; refusing it.")
    for info in infos:
        if not _safe_name(info.filename):
            raise SourceError(f"{path} has a member named {info.filename!r} that points outside the package; "
                              "refusing it (a real Anki export never does this).")
    by_name = {i.filename: i for i in infos}
    if "collection.anki21" in by_name:
        return by_name["collection.anki21"], False
    if NEWEST in by_name:
        # Beside an .anki21b, collection.anki2 is a stub whose one note says "please update Anki".
        if _zstd() is None:
            raise SourceError(f"{path} is in the newest Anki format (collection.anki21b), which needs the "
                              "'zstandard' package (pip install zstandard); or, in Anki, export again with "
                              "\"Support older Anki versions\" ticked.")
        return by_name[NEWEST], True
    if "collection.anki2" in by_name:
        return by_name["collection.anki2"], False
    raise SourceError(f"{path} is a zip but not an Anki package: it holds no collection.anki2 or "
                      "collection.anki21; export the deck from Anki as an .apkg.")


def _zstd() -> Any:
    try:
        import zstandard  # type: ignore[import-not-found]
    except ImportError:
        return None
    return zstandard


def _safe_name(name: str) -> bool:
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return False
    parts = PurePosixPath(name).parts
    return ".." not in parts and not (parts and parts[0].endswith(":"))


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, path: Path, *, zstd: bool) -> None:
    """Copy one member to `target`, stopping as soon as it grows past the limits whatever its header says."""
    if info.file_size > MAX_COLLECTION:
        raise SourceError(f"{path}: its collection is {info.file_size / 2**20:,.0f} MiB, more than the "
                          f"{MAX_COLLECTION // 2**20} MiB llmquiz reads; export fewer notes at a time.")
    # A zstd frame inside the zip inflates once more; only the final size is capped for it.
    budget = MAX_COLLECTION if zstd else max(info.file_size, 1)
    packed = max(info.compress_size, 1)
    written = 0
    try:
        with archive.open(info) as member, target.open("wb") as out:
            src = _zstd().ZstdDecompressor().stream_reader(member) if zstd else member
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > budget or (written > 16 * _CHUNK and written > MAX_RATIO * packed * (4 if zstd else 1)):
                    raise SourceError(f"{path}: its collection inflates far beyond its stated size (a zip bomb?); "
                                      "refusing it.")
                out.write(chunk)
    except SourceError:
        raise
    except OSError as e:
        raise SourceError(f"{path}: cannot unpack its collection: {_short(e)}.") from None
    except Exception as e:  # zipfile and zstandard raise a dozen kinds for damaged data
        raise SourceError(f"{path}: its collection cannot be unpacked ({_short(e)}); "
                          "export it again from Anki.") from None


def _read_collection(db_path: Path, path: Path) -> list[AnkiNote]:
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        raise SourceError(f"{path}: its collection is not an SQLite database; export it again from Anki.") from None
    deadline = time.monotonic() + QUERY_SECONDS
    # A crafted database could hold views or a schema that makes a query run for ever; stop it.
    db.set_progress_handler(lambda: int(time.monotonic() > deadline), 1_000)
    try:
        db.execute("PRAGMA trusted_schema = OFF")
        db.execute("PRAGMA query_only = ON")
        return _notes(db, path)
    except sqlite3.OperationalError as e:
        if "interrupted" in str(e):
            raise SourceError(f"{path}: reading its collection took over {QUERY_SECONDS:.0f} s; refusing it.") from None
        raise SourceError(f"{path}: its collection is damaged or not from Anki ({e}).") from None
    except (sqlite3.DatabaseError, ValueError, RecursionError, TypeError) as e:
        raise SourceError(f"{path}: its collection is damaged or not from Anki ({_short(e)}).") from None
    finally:
        db.close()


def _short(e: BaseException) -> str:
    return str(e).splitlines()[0][:120] if str(e) else type(e).__name__


def _notes(db: sqlite3.Connection, path: Path) -> list[AnkiNote]:
    tables = dict(db.execute("SELECT name, type FROM sqlite_master WHERE name IN "
                             "('col', 'notes', 'cards', 'notetypes', 'fields', 'decks')"))
    if any(tables.get(t) != "table" for t in ("col", "notes", "cards")):
        raise SourceError(f"{path}: its collection lacks Anki's notes and cards tables; export it again from Anki.")
    if tables.get("notetypes") == "table" and tables.get("fields") == "table":
        notetypes, decks = _schema18(db)
    else:
        notetypes, decks = _schema11(db)
    first_deck: dict[int, int] = {}
    for nid, did in db.execute("SELECT nid, did FROM cards ORDER BY nid, ord"):
        first_deck.setdefault(nid, did)
    rows = db.execute("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id LIMIT ?", (MAX_NOTES + 1,)).fetchall()
    if len(rows) > MAX_NOTES:
        raise SourceError(f"{path} holds more than {MAX_NOTES:,} notes; export a smaller deck.")
    notes = []
    for i, (nid, guid, mid, tags, flds) in enumerate(rows, start=1):
        name, names, cloze = notetypes.get(mid, ("", (), False))
        fields = tuple(_text(flds).split("\x1f"))
        if not names:
            names = tuple(f"Field {k + 1}" for k in range(len(fields)))
        notes.append(AnkiNote(i, _text(guid), name, names, fields, tuple(_text(tags).split()),
                              decks.get(first_deck.get(nid, -1), ""), cloze))
    return notes


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


NoteTypes = dict[int, tuple[str, tuple[str, ...], bool]]


def _schema11(db: sqlite3.Connection) -> tuple[NoteTypes, dict[int, str]]:
    """Note types and deck names from the JSON columns of `col` (Anki up to 2.1.49, genanki)."""
    row = db.execute("SELECT models, decks FROM col LIMIT 1").fetchone()
    if row is None:
        raise ValueError("the col table is empty")
    models, decks = json.loads(_text(row[0]) or "{}"), json.loads(_text(row[1]) or "{}")
    if not isinstance(models, dict) or not isinstance(decks, dict):
        raise ValueError("models and decks must be JSON objects")
    notetypes: NoteTypes = {}
    for key, m in models.items():
        if not isinstance(m, dict):
            continue
        fields = sorted((f for f in m.get("flds") or [] if isinstance(f, dict)), key=lambda f: _int(f.get("ord")))
        notetypes[_int(m.get("id", key))] = (_text(m.get("name")), tuple(_text(f.get("name")) for f in fields),
                                             m.get("type") == 1)
    names = {_int(d.get("id", key)): _text(d.get("name")) for key, d in decks.items() if isinstance(d, dict)}
    return notetypes, names


def _schema18(db: sqlite3.Connection) -> tuple[NoteTypes, dict[int, str]]:
    """Note types and deck names from their own tables (Anki 2.1.28+ collections)."""
    fields: dict[int, list[tuple[int, str]]] = {}
    for ntid, ord_, name in db.execute("SELECT ntid, ord, name FROM fields"):
        fields.setdefault(_int(ntid), []).append((_int(ord_), _text(name)))
    notetypes: NoteTypes = {}
    for ntid, name in db.execute("SELECT id, name FROM notetypes"):
        names = tuple(n for _, n in sorted(fields.get(_int(ntid), [])))
        # The kind lives in a protobuf blob; a cloze note type is recognised by its text instead.
        notetypes[_int(ntid)] = (_text(name), names, False)
    decks = {_int(did): _text(name).replace("\x1f", "::") for did, name in db.execute("SELECT id, name FROM decks")}
    return notetypes, decks


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
