"""Real terminal sessions (a pseudo-terminal through pexpect): line editing, Ctrl-C, a killed process, a
Latin-1 terminal; and Ctrl-C while the program starts."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from llmquiz.store import Store

from .conftest import env_for_subprocess

LEFT = "\x1b[D"


def spawn(home: Path, *args: str) -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, ["-m", "llmquiz", *args], env=env_for_subprocess(home),
                          encoding="utf-8", timeout=30, dimensions=(40, 100))
    return child


def test_two_cards_end_to_end_with_line_editing(llmquiz_home: Path, mini_decks: Path) -> None:
    child = spawn(llmquiz_home, "study", "--topic", "zz-testing", "--decks", str(mini_decks))
    child.expect("Card 1/2")
    child.expect("›")
    # Type a typo, move left twice with the arrow key and insert the missing letter: readline editing must work.
    child.send("Paris on the Sene")
    child.send(LEFT * 2 + "i\r")
    child.expect("CORRECT")
    child.expect(r"Enter accepts")
    child.send("\r")
    child.expect("Card 2/2")
    child.expect("›")
    child.send("100 degrees; lower pressure at altitude makes it boil at a lower temperature\r")
    child.expect(r"Enter accepts")
    child.send("\r")
    child.expect("Cards done: 2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    with Store.open() as store:
        answers = [r.answer for r in store.reviews()]
    assert answers[0] == "Paris on the Seine"
    assert len(answers) == 2


def test_ctrl_c_quits_cleanly_after_saving(llmquiz_home: Path, mini_decks: Path) -> None:
    child = spawn(llmquiz_home, "study", "--topic", "zz-testing", "--decks", str(mini_decks))
    child.expect("›")
    child.send("Paris and the Seine\r")
    child.expect("Enter accepts")
    child.send("\r")
    child.expect("Card 2/2")
    child.expect("›")
    # Like a person, press Ctrl-C once the prompt is waiting: a signal that lands in the instant
    # between the prompt's text and readline's wait is seen by CPython only at the next key.
    time.sleep(0.5)
    child.sendintr()
    child.expect("Cards done: 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in (child.before or "")
    with Store.open() as store:
        assert store.count() == 1


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_session_keeps_every_rated_card(llmquiz_home: Path, mini_decks: Path, sig: int) -> None:
    child = spawn(llmquiz_home, "study", "--topic", "zz-testing", "--decks", str(mini_decks))
    child.expect("›")
    child.send("Paris and the Seine\r")
    child.expect("Enter accepts")
    child.send("1\r")
    child.expect("Card 2/2")
    child.expect("›")
    child.kill(sig)
    child.expect(pexpect.EOF)
    child.close()
    with Store.open() as store:
        [review] = store.reviews()
        assert review.card_id == "zz-capital" and review.rating.label == "again"
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_latin1_answer_from_the_terminal_is_graded_and_saved(llmquiz_home: Path, mini_decks: Path) -> None:
    # A terminal set to Latin-1 sends "café" as caf\xe9. Under the C locale (common in containers and
    # over ssh) Python reads stdin as UTF-8 keeping such bytes as surrogates, which SQLite refuses.
    child = pexpect.spawn(sys.executable, ["-m", "llmquiz", "study", "--topic", "zz-testing", "--limit", "1",
                                           "--decks", str(mini_decks)],
                          env=env_for_subprocess(llmquiz_home, LC_ALL="C", LANG="C"), timeout=30,
                          dimensions=(40, 100))
    child.expect("›".encode())
    child.send(b"Paris, by a caf\xe9 on the Seine\r")
    child.expect(b"CORRECT")
    child.expect(b"Enter accepts")
    child.send(b"\r")
    child.expect(b"Cards done: 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert b"Traceback" not in (child.before or b"")
    with Store.open() as store:
        assert [r.answer for r in store.reviews()] == ["Paris, by a café on the Seine"]


# Seconds after llmquiz's entry point starts: while Typer, Rich and the commands import, while the
# options are parsed, and while the decks load (a fresh home has no deck cache).
STARTUP_DELAYS = (0.01, 0.03, 0.08, 0.15, 0.25, 0.4, 0.6)


@pytest.mark.parametrize("delay", STARTUP_DELAYS)
def test_ctrl_c_during_start_up_prints_one_line(llmquiz_home: Path, delay: float) -> None:
    # The child says when the entry point starts importing the command line, so the signal never
    # lands in Python's own start-up, which no program can guard.
    code = ("import os, sys\n"
            "class Marker:\n"
            "    def find_spec(self, name, path, target=None):\n"
            "        if name == 'llmquiz.cli':\n"
            "            sys.meta_path.remove(self)\n"
            "            os.write(2, b'>')\n"
            "sys.meta_path.insert(0, Marker())\n"
            "sys.argv = ['llmquiz', 'topics']\n"
            "from llmquiz.launch import main\n"
            "main()\n")
    child = subprocess.Popen([sys.executable, "-c", code], env=env_for_subprocess(llmquiz_home),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stderr is not None
    assert child.stderr.read(1) == b">"
    time.sleep(delay)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    text = err.decode()
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    if child.returncode == 0:  # the command finished before the signal came
        assert lines == [] and b"zz" not in out
    else:
        # 130 as a shell reports Ctrl-C; -SIGINT where Python re-raises the signal on its way out.
        assert child.returncode in (130, -signal.SIGINT)
        assert lines == ["Error: Interrupted."], text
