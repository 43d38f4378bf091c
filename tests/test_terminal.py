"""Real terminal sessions (a pseudo-terminal through pexpect): line editing, Ctrl-C, and a killed process."""

from __future__ import annotations

import signal
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
