"""Anki both ways, on real files: packages built with genanki, the real shipped decks, and hostile zips."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import genanki
import pytest
from typer.testing import CliRunner

from llmquiz import anki_export, apkg, decks, export, importing, paths, scheduling
from llmquiz.cli import app
from llmquiz.errors import SourceError
from llmquiz.review import Rating, Review
from llmquiz.store import Store

runner = CliRunner()


def _out(result) -> str:
    """The command's output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _collection(path: Path, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(path) as z:
        (tmp_path / "col.sqlite").write_bytes(z.read("collection.anki2"))
    return sqlite3.connect(tmp_path / "col.sqlite")


def _foreign_package(path: Path) -> None:
    """A deck as Anki users make them: Basic and Cloze notes, HTML, sound, hierarchical tags."""
    deck = genanki.Deck(2059400110, "Japanese::Core 2k")
    basic, cloze = genanki.BASIC_MODEL, genanki.CLOZE_MODEL
    deck.add_note(genanki.Note(model=basic, guid="g-cat", tags=["JLPT::N5", "animals", "Animals"], fields=[
        "<b>猫</b>&nbsp;means? [sound:neko.mp3]", "cat<br><div>a small &lt;pet&gt;</div>"]))
    deck.add_note(genanki.Note(model=basic, guid="g-rag", fields=[
        "What is <i>RAG</i>?",
        "Retrieval-augmented generation retrieves passages and puts them in the prompt. It reduces hallucination."]))
    deck.add_note(genanki.Note(model=basic, guid="g-img", fields=["<img src=x.png>", "only a picture"]))
    deck.add_note(genanki.Note(model=cloze, guid="g-paris",
                               fields=["{{c1::Paris}} is the capital of {{c2::France::country}}.", "Since 508."]))
    deck.add_note(genanki.Note(model=basic, guid="g-evil", fields=[
        "<script>alert(1)</script>Which \x1b]0;pwned\x07planet is red?", "Mars<style>p{}</style>"]))
    genanki.Package(deck).write_to_file(str(path))


def _deck_files() -> dict[str, dict]:
    import yaml

    return {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in paths.user_decks_dir().glob("*.yaml")}


# ---------------------------------------------------------------------------------------------
# Export


def test_export_has_a_subdeck_per_topic_misconceptions_on_the_back_and_each_tag_once(tmp_path: Path) -> None:
    library = decks.load()
    cards = [*library.topic("agents").cards[:2], *library.topic("rag").cards[:2]]
    path = tmp_path / "out.apkg"
    export.export(cards, "anki", path, "x")
    db = _collection(path, tmp_path)
    names = {d["name"] for d in json.loads(db.execute("SELECT decks FROM col").fetchone()[0]).values()}
    assert {"llmquiz::agents", "llmquiz::rag"} <= names
    by_card = {json.loads(_unescape(f.split("\x1f")[6]))["id"]: (f, t) for f, t in
               db.execute("SELECT flds, tags FROM notes")}
    first = cards[0]
    flds, tags = by_card[first.id]
    # The shipped agents cards are tagged "agents" too: the topic tag appears once.
    assert first.topic in first.tags and tags.split().count(first.topic) == 1
    # The back shows them (field 3); the hidden card JSON (field 6) would hold them anyway.
    shown = flds.split("\x1f")[3]
    assert first.misconceptions and _escape(first.misconceptions[0].claim) in shown
    assert _escape(first.misconceptions[0].correction) in shown
    # Each note's deck is its topic's subdeck.
    decks_of = {json.loads(_unescape(f.split("\x1f")[6]))["id"]: did for f, did in
                db.execute("SELECT n.flds, c.did FROM notes n JOIN cards c ON c.nid = n.id")}
    assert decks_of[cards[0].id] != decks_of[cards[2].id]


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _review(card_id: str, at: datetime, rating: Rating, state: dict | None) -> tuple[Review, dict]:
    after, _ = scheduling.review(state, rating, at)
    return Review(card_id=card_id, topic="zz-testing", reviewed_at=at, mode="free", rating=rating, seconds=7,
                  state_before=state, state_after=after), after


def test_with_progress_carries_due_date_fsrs_memory_state_and_reviews(tmp_path: Path, mini_decks: Path) -> None:
    state = None
    reviews = []
    for days, rating in ((0, Rating.GOOD), (3, Rating.GOOD), (12, Rating.AGAIN), (13, Rating.GOOD)):
        r, state = _review("zz-capital", NOW + timedelta(days=days), rating, state)
        reviews.append(r)
    with Store.open() as store:
        for r in reviews:
            store.record(r, due=datetime.fromisoformat(r.state_after["due"]))
    path = tmp_path / "p.apkg"
    result = runner.invoke(app, ["export", "-f", "anki", "-o", str(path), "--with-progress",
                                 "--decks", str(mini_decks)])
    assert result.exit_code == 0, result.output
    assert "(1 with their schedule)" in result.output
    db = _collection(path, tmp_path)
    crt = db.execute("SELECT crt FROM col").fetchone()[0]
    rows = {json.loads(_unescape(f.split("\x1f")[6]))["id"]: row for f, *row in db.execute(
        "SELECT n.flds, c.type, c.queue, c.due, c.ivl, c.factor, c.reps, c.lapses, c.data, c.id "
        "FROM notes n JOIN cards c ON c.nid = n.id")}
    ctype, queue, due, ivl, factor, reps, lapses, data, cid = rows["zz-capital"]
    due_at = datetime.fromisoformat(state["due"])
    last = datetime.fromisoformat(state["last_review"])
    assert (ctype, queue) == (2, 2)  # a review card
    assert due == (int(due_at.timestamp()) - crt) // 86400  # days from the collection's creation
    assert ivl == round((due_at - last).total_seconds() / 86400) and factor == 2500
    assert (reps, lapses) == (4, 1)  # one Again on a card in review is a lapse
    memory = json.loads(data)
    assert memory["s"] == round(state["stability"], 3) and memory["d"] == round(state["difficulty"], 3)
    assert memory["dr"] == 0.9
    revlog = db.execute("SELECT ease, type, ivl FROM revlog WHERE cid = ? ORDER BY id", (cid,)).fetchall()
    assert [e for e, _, _ in revlog] == [3, 3, 1, 3]
    assert revlog[2][1] == 1 and revlog[-1][2] > 0  # the lapse happened in review; it ends in review again
    # The card never studied stays new, with no memory state.
    assert rows["zz-boiling"][:2] == [0, 0] and rows["zz-boiling"][7] == ""


def test_a_learning_card_is_due_at_a_time_not_a_day() -> None:
    st = {"state": 1, "due": "2024-01-01T00:10:00+00:00", "last_review": "2024-01-01T00:00:00+00:00"}
    ctype, queue, due, *_ = anki_export.columns(anki_export.CardProgress(st), crt=0)
    assert (ctype, queue, due) == (1, 1, int(datetime(2024, 1, 1, 0, 10, tzinfo=UTC).timestamp()))


def test_with_progress_needs_the_anki_format(tmp_path: Path, mini_decks: Path) -> None:
    result = runner.invoke(app, ["export", "-f", "csv", "-o", str(tmp_path / "x.csv"), "--with-progress",
                                 "--decks", str(mini_decks)])
    assert result.exit_code == 2 and "--with-progress needs --format anki" in result.output


# ---------------------------------------------------------------------------------------------
# Round trip on the real shipped decks


def _comparable(card) -> dict:
    d = card.to_dict()
    d.pop("source")
    return d


def test_export_then_import_keeps_every_shipped_card_text_and_id(tmp_path: Path, monkeypatch) -> None:
    originals = decks.load().cards
    path = tmp_path / "all.apkg"
    export.export(list(originals.values()), "anki", path, "all")
    # On a machine without these decks (another learner's), the import must rebuild them exactly.
    empty = tmp_path / "no-shipped-decks"
    empty.mkdir()
    monkeypatch.setattr(paths, "shipped_decks_dir", lambda: empty)
    result = importing.import_file(path)
    assert sorted(result.added) == sorted(originals) and not result.skipped and not result.derived
    back = decks.load_valid().cards
    assert set(back) == set(originals)
    for cid, card in originals.items():
        assert _comparable(back[cid]) == _comparable(card), cid


def test_text_that_html_would_reflow_comes_back_exactly(tmp_path: Path) -> None:
    deck = tmp_path / "layout.yaml"
    deck.write_text("topic: layout\ntitle: Layout\ndescription: d\ncards:\n  - id: lay-1\n"
                    "    question: \"Is a < b  &  c > d?\"\n    answer: |\n      First paragraph.\n\n"
                    "      Second   one, with  <b>tags</b> kept as text.\n    key_points: [First]\n"
                    "    difficulty: 1\n", encoding="utf-8")
    [card] = decks.load_valid([deck]).cards.values()
    path = tmp_path / "layout.apkg"
    export.export([card], "anki", path, "x")
    importing.import_file(path)
    back = decks.load_valid().cards["lay-1"]
    assert (back.question, back.answer) == (card.question, card.answer)
    assert "\n\nSecond   one" in back.answer


def test_importing_the_same_export_twice_changes_no_byte(tmp_path: Path, mini_decks: Path, monkeypatch) -> None:
    cards = list(decks.load([mini_decks]).cards.values())
    path = tmp_path / "mini.apkg"
    export.export(cards, "anki", path, "mini")
    assert sorted(importing.import_file(path).added) == ["zz-boiling", "zz-capital"]
    before = {p: p.read_bytes() for p in paths.user_decks_dir().iterdir()}
    again = importing.import_file(path)
    assert sorted(again.unchanged) == ["zz-boiling", "zz-capital"] and not again.added and not again.updated
    assert not again.files and {p: p.read_bytes() for p in paths.user_decks_dir().iterdir()} == before


def test_importing_an_export_of_the_shipped_decks_copies_nothing(tmp_path: Path) -> None:
    library = decks.load()
    cards = list(library.topic("transformer-attention").cards)
    path = tmp_path / "attn.apkg"
    export.export(cards, "anki", path, "attn")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{len(cards)} cards already in llmquiz word for word" in _out(result)
    assert not paths.user_decks_dir().exists() or not list(paths.user_decks_dir().iterdir())


def test_an_answer_edited_in_anki_wins_and_its_rubric_is_then_derived(tmp_path: Path, mini_decks: Path) -> None:
    cards = list(decks.load([mini_decks]).cards.values())
    path = tmp_path / "mini.apkg"
    export.export(cards, "anki", path, "mini")
    db_path = tmp_path / "edit.sqlite"
    with zipfile.ZipFile(path) as z:
        db_path.write_bytes(z.read("collection.anki2"))
    db = sqlite3.connect(db_path)
    for nid, flds in db.execute("SELECT id, flds FROM notes").fetchall():
        fields = flds.split("\x1f")
        if fields[5] == "zz-capital":
            fields[0] = "What is the capital of <b>France</b>?"
            fields[1] = "Paris.<br>It sits on the Seine."
            db.execute("UPDATE notes SET flds = ? WHERE id = ?", ("\x1f".join(fields), nid))
    db.commit()
    db.close()
    with zipfile.ZipFile(path, "w") as z:
        z.write(db_path, "collection.anki2")
    importing.import_file(path)
    card = decks.load_valid().cards["zz-capital"]
    assert card.question == "What is the capital of France?"
    assert card.answer == "Paris.\nIt sits on the Seine."
    assert card.derived_rubric and not card.key_points
    assert card.misconceptions  # what the edit did not touch is kept


# ---------------------------------------------------------------------------------------------
# Packages from other people


def test_a_foreign_package_becomes_a_valid_deck_with_stable_ids(tmp_path: Path) -> None:
    path = tmp_path / "japanese.apkg"
    _foreign_package(path)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 4 cards into topic japanese-core-2k (4 new, 0 updated)." in _out(result)
    assert "japanese.apkg: note 3: the question is empty" in _out(result)
    deck = decks.load_valid().topic("japanese-core-2k")
    assert deck.title == "Core 2k"
    by_q = {c.question: c for c in deck.cards}
    assert set(by_q) == {"猫 means?", "What is RAG?", "[...] is the capital of [country].", "Which planet is red?"}
    cat = by_q["猫 means?"]
    assert cat.answer == "cat\na small <pet>" and cat.tags == ("jlpt-n5", "animals")
    assert by_q["[...] is the capital of [country]."].answer == "Paris is the capital of France.\nSince 508."
    assert by_q["Which planet is red?"].answer == "Mars"
    assert all(c.derived_rubric and not c.key_points for c in deck.cards)
    shipped = set(decks.load([paths.shipped_decks_dir()]).cards)
    assert not shipped & {c.id for c in deck.cards}
    # Ids come from the note: a second import finds the same cards.
    again = importing.import_file(path)
    assert sorted(again.unchanged) == sorted(c.id for c in deck.cards) and not again.added
    # `decks stats` says which cards have derived rubrics.
    stats = json.loads(runner.invoke(app, ["decks", "stats", "--json"]).output)
    assert sorted(d["card"] for d in stats["derived_rubric"]) == sorted(c.id for c in deck.cards)
    assert stats["totals"]["derived_rubric"] == 4
    table = runner.invoke(app, ["decks", "stats"]).output
    assert "4 cards with a derived rubric" in " ".join(table.split())


def test_a_derived_rubric_grades_from_the_answer(tmp_path: Path, hashing) -> None:
    from llmquiz.grading import grade

    path = tmp_path / "japanese.apkg"
    _foreign_package(path)
    importing.import_file(path)
    card = next(c for c in decks.load_valid().cards.values() if c.question == "What is RAG?")
    good = grade(card, "It retrieves passages, puts them into the prompt, and so reduces hallucination.",
                 encoder=hashing)
    bad = grade(card, "It is a kind of rag used for cleaning.", encoder=hashing)
    assert good.verdict.value == "correct" and bad.verdict.value == "wrong"


def test_generated_ids_never_take_a_reserved_one() -> None:
    from llmquiz.sources import SourceCard

    card = SourceCard("f:1", "What is attention?", "a", key="guid-1")
    first = importing.new_id(card, set(), {})
    assert first.startswith("what-is-attention-")
    other = importing.new_id(card, {first}, {})
    assert other != first and other.startswith("what-is-attention-")
    assert importing.new_id(card, set(), {first: "another-guid"}) != first


def _rezip(src: Path, dst: Path, rename: dict[str, str]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(rename.get(info.filename, info.filename), zin.read(info))


def test_collection_anki21_is_read_and_preferred_over_anki2(tmp_path: Path, mini_decks: Path) -> None:
    cards = list(decks.load([mini_decks]).cards.values())
    ours, theirs = tmp_path / "ours.apkg", tmp_path / "theirs.apkg"
    export.export(cards, "anki", ours, "x")
    _foreign_package(theirs)
    both = tmp_path / "both.apkg"
    with zipfile.ZipFile(ours) as a, zipfile.ZipFile(theirs) as b, zipfile.ZipFile(both, "w") as out:
        out.writestr("collection.anki2", b.read("collection.anki2"))
        out.writestr("collection.anki21", a.read("collection.anki2"))
    assert sorted(n.field("CardId") for n in apkg.read(both)) == ["zz-boiling", "zz-capital"]
    only21 = tmp_path / "only21.apkg"
    _rezip(theirs, only21, {"collection.anki2": "collection.anki21"})
    assert len(apkg.read(only21)) == 5


def _schema18(path: Path) -> None:
    """A collection in Anki's current schema: note types, fields and decks in their own tables."""
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE col (id integer primary key, crt integer, mod integer, scm integer, ver integer, dty integer,
                          usn integer, ls integer, conf text, models text, decks text, dconf text, tags text);
        INSERT INTO col VALUES (1, 0, 0, 0, 18, 0, 0, 0, '', '', '', '', '');
        CREATE TABLE notes (id integer primary key, guid text, mid integer, mod integer, usn integer, tags text,
                            flds text, sfld integer, csum integer, flags integer, data text);
        CREATE TABLE cards (id integer primary key, nid integer, did integer, ord integer);
        CREATE TABLE notetypes (id integer primary key, name text);
        CREATE TABLE fields (ntid integer, ord integer, name text);
        CREATE TABLE decks (id integer primary key, name text);
        INSERT INTO notetypes VALUES (7, 'Basic');
        INSERT INTO fields VALUES (7, 1, 'Back'), (7, 0, 'Front');
        INSERT INTO decks VALUES (3, 'Physics' || char(31) || 'Optics');
        INSERT INTO notes VALUES (10, 'g18', 7, 0, 0, ' light ', 'Why is the sky blue?' || char(31) ||
                                  'Rayleigh scattering favours short wavelengths.', 0, 0, 0, '');
        INSERT INTO cards VALUES (20, 10, 3, 0);
    """)
    db.commit()
    db.close()


def test_the_newest_format_is_read_with_zstandard_or_refused_in_one_sentence(tmp_path: Path, monkeypatch) -> None:
    zstandard = pytest.importorskip("zstandard")
    raw = tmp_path / "c.sqlite"
    _schema18(raw)
    path = tmp_path / "new.apkg"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("collection.anki2", b"stub")
        z.writestr("collection.anki21b", zstandard.ZstdCompressor().compress(raw.read_bytes()))
    [note] = apkg.read(path)
    assert (note.deck, note.field("Front"), note.tags) == ("Physics::Optics", "Why is the sky blue?", ("light",))
    result = importing.import_file(path)
    assert result.topics == ["physics-optics"]
    monkeypatch.setattr(apkg, "_zstd", lambda: None)
    with pytest.raises(SourceError, match=r"newest Anki format .* needs the 'zstandard' package"):
        apkg.read(path)


# ---------------------------------------------------------------------------------------------
# Hostile and broken packages: one sentence each, never a traceback


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("name", ["../evil", "/etc/passwd", "a/../../b", "c:\\x", "C:/x"])
def test_a_member_that_climbs_out_of_the_package_is_refused(tmp_path: Path, name: str) -> None:
    path = _zip(tmp_path / "bad.apkg", {"collection.anki2": b"x", name: b"boom"})
    with pytest.raises(SourceError, match="points outside the package"):
        apkg.read(path)
    assert not (tmp_path / "evil").exists()


def test_a_zip_bomb_is_refused_before_it_fills_the_disk(tmp_path: Path) -> None:
    # 40 MB of zeros packs into about 40 KB: a ratio no SQLite collection has.
    path = _zip(tmp_path / "bomb.apkg", {"collection.anki2": bytes(40 * 2**20)})
    assert path.stat().st_size < 200_000
    with pytest.raises(SourceError, match="zip bomb"):
        apkg.read(path)


def test_an_oversized_collection_and_too_many_members_are_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(apkg, "MAX_COLLECTION", 1000)
    path = _zip(tmp_path / "big.apkg", {"collection.anki2": b"x" * 5000})
    with pytest.raises(SourceError, match="more than the 0 MiB llmquiz reads"):
        apkg.read(path)
    monkeypatch.setattr(apkg, "MAX_MEMBERS", 3)
    path = _zip(tmp_path / "many.apkg", {"collection.anki2": b"x", **{str(i): b"m" for i in range(5)}})
    with pytest.raises(SourceError, match="holds 6 files"):
        apkg.read(path)
    # A directory that lies about its count is still counted once zipfile has read it.
    monkeypatch.setattr(apkg, "_declared_members", lambda p: 1)
    with pytest.raises(SourceError, match="holds 6 files"):
        apkg.read(path)


def test_a_slow_query_is_stopped(tmp_path: Path, monkeypatch) -> None:
    deck = genanki.Deck(1, "Many")
    for i in range(300):
        deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=[f"q{i}", f"a{i}"]))
    path = tmp_path / "many.apkg"
    genanki.Package(deck).write_to_file(str(path))
    monkeypatch.setattr(apkg, "QUERY_SECONDS", -1.0)
    with pytest.raises(SourceError, match="reading its collection took over"):
        apkg.read(path)


def _sqlite_bytes(tmp_path: Path, sql: str) -> bytes:
    db_path = tmp_path / "x.sqlite"
    db = sqlite3.connect(db_path)
    db.executescript(sql)
    db.commit()
    db.close()
    return db_path.read_bytes()


@pytest.mark.parametrize(("members", "message"), [
    ({"collection.anki2": b"SQLite format 3\x00" + bytes(2000)}, "damaged or not from Anki"),
    ({"collection.anki2": b"not a database at all" * 100}, "damaged or not from Anki"),
    ({"media": b"{}"}, "holds no collection.anki2"),
    ({"collection.anki21b": b"\x28\xb5\x2f\xfd garbage"}, "collection"),
])
def test_broken_packages_get_one_sentence_on_the_command_line(tmp_path: Path, members: dict, message: str) -> None:
    path = _zip(tmp_path / "broken.apkg", members)
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 1 and message in _out(result), result.output
    assert "Traceback" not in result.output and result.output.startswith("Error: ")


def test_a_collection_whose_tables_are_views_or_json_is_broken_is_refused(tmp_path: Path) -> None:
    views = _sqlite_bytes(tmp_path, "CREATE TABLE col(models, decks); CREATE TABLE cards(nid, did, ord);"
                                    "CREATE VIEW notes AS SELECT 1 AS id;")
    with pytest.raises(SourceError, match="lacks Anki's notes and cards tables"):
        apkg.read(_zip(tmp_path / "v.apkg", {"collection.anki2": views}))
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "x.sqlite").unlink()
    nested = _sqlite_bytes(tmp_path, "CREATE TABLE col(models, decks); CREATE TABLE cards(nid, did, ord);"
                                     "CREATE TABLE notes(id, guid, mid, tags, flds);"
                                     f"INSERT INTO col VALUES ('{deep}', '{{}}');")
    with pytest.raises(SourceError, match="damaged or not from Anki"):
        apkg.read(_zip(tmp_path / "n.apkg", {"collection.anki2": nested}))


def test_not_a_zip_at_all(tmp_path: Path) -> None:
    path = tmp_path / "deck.apkg"
    path.write_bytes(b"hello")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 1
    assert "is not an Anki package: an .apkg is a zip archive" in _out(result)


def test_a_package_with_no_usable_note_says_so(tmp_path: Path) -> None:
    deck = genanki.Deck(1, "Empty")
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=["<img src=a.png>", "x"]))
    path = tmp_path / "empty.apkg"
    genanki.Package(deck).write_to_file(str(path))
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 1
    assert "no cards to import in" in _out(result) and "note 1: the question is empty" in _out(result)


def test_json_output_lists_what_was_done(tmp_path: Path) -> None:
    path = tmp_path / "japanese.apkg"
    _foreign_package(path)
    result = runner.invoke(app, ["import", str(path), "--json", "--dry-run", "--topic", "Japanese N5"])
    data = json.loads(result.output)
    assert data["dry_run"] and data["topics"] == ["japanese-n5"] and len(data["added"]) == 4
    assert data["skipped"] == [{"place": f"{path}: note 3", "reason": "the question is empty"}]
    assert not paths.user_decks_dir().exists()  # a dry run writes nothing


def test_the_package_is_written_whole_or_not_at_all(tmp_path: Path, mini_decks: Path, monkeypatch) -> None:
    cards = list(decks.load([mini_decks]).cards.values())
    path = tmp_path / "keep.apkg"
    path.write_bytes(b"previous export")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fail)
    with pytest.raises(Exception, match="cannot write"):
        export.export(cards, "anki", path, "x")
    assert path.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == ["keep.apkg"]  # no partial file left


def test_exported_notes_read_back_through_the_reader(tmp_path: Path, mini_decks: Path) -> None:
    cards = list(decks.load([mini_decks]).cards.values())
    path = tmp_path / "m.apkg"
    export.export(cards, "anki", path, "x")
    notes = apkg.read(path)
    assert {n.deck for n in notes} == {"llmquiz::zz-testing"}
    assert {n.field("CardId") for n in notes} == {"zz-capital", "zz-boiling"}
    assert io.BytesIO  # the reader never extracts to the package's own names


def _edit_meta(path: Path, tmp_path: Path, card_id: str, change) -> None:
    """Rewrite the hidden card JSON of one note in an exported package, as a stranger could."""
    import html

    db_path = tmp_path / "meta.sqlite"
    with zipfile.ZipFile(path) as z:
        db_path.write_bytes(z.read("collection.anki2"))
    db = sqlite3.connect(db_path)
    for nid, flds in db.execute("SELECT id, flds FROM notes").fetchall():
        fields = flds.split("\x1f")
        if fields[5] == card_id:
            fields[6] = html.escape(change(json.loads(html.unescape(fields[6]))))
            db.execute("UPDATE notes SET flds = ? WHERE id = ?", ("\x1f".join(fields), nid))
    db.commit()
    db.close()
    with zipfile.ZipFile(path, "w") as z:
        z.write(db_path, "collection.anki2")


def test_a_carried_card_with_odd_fields_keeps_its_text_and_loses_only_the_odd_parts(tmp_path: Path,
                                                                                    mini_decks: Path) -> None:
    cards = list(decks.load([mini_decks]).cards.values())
    path = tmp_path / "odd.apkg"
    export.export(cards, "anki", path, "x")

    def vandalise(meta: dict) -> str:
        meta.update(difficulty="hard", key_points={"not": "a list"}, tags=[1, "geography", None],
                    demo={"name": "no-such-demo"}, misconceptions=[{"claim": 3}], see_also=["nowhere"])
        return json.dumps(meta)

    _edit_meta(path, tmp_path, "zz-capital", vandalise)
    _edit_meta(path, tmp_path, "zz-boiling", lambda meta: "[" * 50_000 + "]" * 50_000)
    result = importing.import_file(path)
    assert sorted(result.added) == ["zz-boiling", "zz-capital"]
    back = decks.load_valid().cards
    capital = back["zz-capital"]
    assert capital.question == cards[0].question and capital.answer == cards[0].answer
    assert capital.derived_rubric and capital.difficulty == 2 and capital.tags == ("geography",)
    assert capital.demo is None and not capital.misconceptions and not capital.see_also
    # Unreadable JSON: the visible fields still make the card.
    assert back["zz-boiling"].answer == cards[1].answer and back["zz-boiling"].derived_rubric
