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


def spawn(home: Path, *args: str, **env: str) -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, ["-m", "llmquiz", *args], env=env_for_subprocess(home, **env),
                          encoding="utf-8", timeout=30, dimensions=(40, 100))
    return child


def test_two_cards_end_to_end_with_line_editing(llmquiz_home: Path, mini_decks: Path) -> None:
    child = spawn(llmquiz_home, "study", "--topic", "zz-testing", "--decks", str(mini_decks))
    child.expect("Card 1/2")
    child.expect("›")
    # Type a typo, move left twice with the arrow key and insert the missing letter: readline editing must work.
    child.send("Paris on the Sene")
    child.send(LEFT * 2 + "i\r")
    child.expect("…")
    child.send("\r")  # a blank line submits
    child.expect("CORRECT")
    child.expect(r"Enter accepts")
    child.send("\r")
    child.expect("Card 2/3")  # the first card comes back for its learning step
    child.expect("›")
    child.send("100 degrees; lower pressure at altitude makes it boil at a lower temperature\r\r")
    child.expect(r"Enter accepts")
    child.send("\r")
    child.expect("Card 3/4")
    child.expect("›")
    child.send("/q\r")
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
    child.send("Paris and the Seine\r\r")
    child.expect("Enter accepts")
    child.send("\r")
    child.expect("Card 2/3")
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
    child.send("Paris and the Seine\r\r")
    child.expect("Enter accepts")
    child.send("1\r")
    child.expect("Card 2/3")
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
    child.send(b"Paris, by a caf\xe9 on the Seine\r\r")  # a blank line submits the answer
    child.expect(b"CORRECT")
    child.expect(b"Enter accepts")
    child.send(b"4\r")  # Easy: the card leaves its learning steps, so it does not come back
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
    out_lines = out.rstrip().splitlines()
    finished = bool(out_lines) and out_lines[-1].startswith(b"all ")
    if child.returncode == 0 or (child.returncode == -signal.SIGINT and finished):
        # The command finished before the signal came, or the signal landed in the interpreter's own
        # exit after the whole table was printed (a busy machine): nothing more to say.
        assert lines == [] and b"zz" not in out
    else:
        # 130 as a shell reports Ctrl-C; -SIGINT where Python re-raises the signal on its way out.
        assert child.returncode in (130, -signal.SIGINT)
        assert lines == ["Error: Interrupted."], text
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
CONTINUE_READY = r"…(\x1b\[[0-9;]*m)? \x1b\[\?2004h"  # the "…" prompt, then readline waiting for a key


def paste(child: pexpect.spawn, lines: list[str], *, bracketed: bool) -> None:
    """Paste `lines` as a terminal does: wrapped in bracketed-paste marks, or as raw lines (Enter each)."""
    if bracketed:
        child.send(PASTE_START + "\n".join(lines) + "\n" + PASTE_END + "\r")  # Enter takes the block
    else:
        child.send("".join(line + "\r" for line in lines))


def reviews_now() -> list:
    with Store.open() as store:
        return store.reviews()


@pytest.mark.parametrize("bracketed", [True, False], ids=["bracketed-paste", "raw-paste"])
def test_a_pasted_three_line_answer_is_graded_whole_and_rates_nothing(llmquiz_home: Path, mini_decks: Path,
                                                                      bracketed: bool) -> None:
    child = spawn(llmquiz_home, "study", "--topic", "zz-testing", "--limit", "1", "--decks", str(mini_decks))
    child.expect("›")
    # Its last line is a "3": before, the second and third lines went to the rating prompt and rated the card.
    lines = ["Paris is the capital of France.", "The river that runs through it is the Seine.", "3"]
    paste(child, lines, bracketed=bracketed)
    # Wait for the prompt after the last line, with readline reading again (it turns bracketed paste on):
    # a Ctrl-D that reached the terminal between two prompts would be taken by the kernel, not by readline.
    for _ in range(1 if bracketed else len(lines)):
        child.expect(CONTINUE_READY)
    assert reviews_now() == []  # still answering: nothing graded, nothing rated
    child.send("\r" if bracketed else "\x04")  # a blank line submits, and so does Ctrl-D
    child.expect("✓ The capital is Paris")
    child.expect("✓ The river is the Seine")  # from the second line: the answer was graded whole
    child.expect("Enter accepts")
    time.sleep(0.3)
    assert reviews_now() == []  # no line of the paste reached the rating prompt
    child.send("1\r")
    child.expect("again: a learning step")  # rated Again, the card comes back
    child.expect("›")
    child.send("/q\r")
    child.expect("Cards done")
    child.expect(pexpect.EOF)
    [review] = reviews_now()
    assert review.answer == "\n".join(lines) and review.rating.label == "again"


def test_a_card_rated_again_comes_back_in_the_session(llmquiz_home: Path, mini_decks: Path) -> None:
    child = spawn(llmquiz_home, "study", "--topic", "zz-testing", "--decks", str(mini_decks))
    child.expect("Card 1/2")
    child.expect("›")
    child.send("Lyon\r\r")
    child.expect(r"Next review: \S*1 Again \S*1m")  # \S* takes the bold style's escape codes
    child.expect("Enter accepts")
    child.send("1\r")
    child.expect("Card 2/3")
    child.expect("›")
    child.send("/s\r")
    child.expect("Card 3/3")
    child.expect("What is the capital of France")
    child.expect("again: a learning step")
    child.expect("›")
    child.send("Paris, on the Seine\r\r")
    child.expect("Enter accepts")
    child.send("4\r")
    child.expect("Cards done: 1 \\(2 answers\\); 1 skipped")
    child.expect(pexpect.EOF)
    assert [r.rating.label for r in reviews_now()] == ["again", "easy"]


def _twenty_card_deck(folder: Path) -> Path:
    colours = ["red", "green", "blue", "amber", "violet"]
    cards = [{"id": f"zz-item-{i}", "question": f"What colour and shape is item {i}?",
              "answer": f"Item {i} is {colours[i % 5]} and round.",
              "key_points": [{"point": f"Item {i} is {colours[i % 5]}", "aliases": [colours[i % 5]]},
                             {"point": "It is round", "aliases": ["round"]}],
              "difficulty": 1} for i in range(20)]
    folder.mkdir()
    import yaml

    (folder / "items.yaml").write_text(yaml.safe_dump({"topic": "zz-items", "title": "Items",
                                                       "description": "Twenty cards.", "cards": cards}))
    return folder


@pytest.mark.slow  # about 10 s on an idle machine: twenty graded answers in a real terminal
def test_twenty_pasted_multi_line_answers_make_no_unintended_rating(llmquiz_home: Path, tmp_path: Path) -> None:
    deck = _twenty_card_deck(tmp_path / "items")
    # The hashing encoder: fitting it costs seconds once, then twenty grades are quicker than MiniLM's.
    child = spawn(llmquiz_home, "study", "--topic", "zz-items", "--limit", "20", "--decks", str(deck),
                  LLMQUIZ_ENCODER="hashing")
    child.timeout = 60
    sent = {}
    for n in range(20):
        child.expect(r"What colour and shape is item (\d+)\?")
        i = int(child.match.group(1))
        child.expect("›")
        # Lines a stray keystroke would turn into a rating: a digit, a rating word, blank lines.
        lines = [f"Item {i} is {['red', 'green', 'blue', 'amber', 'violet'][i % 5]},", "",
                 str(n % 4 + 1), "good", "", "and it is round."]
        paste(child, lines, bracketed=n % 2 == 0)
        child.expect("…")
        child.send("\r")
        child.expect("Enter accepts")
        child.send("4\r")  # Easy: the card graduates, so nothing comes back and each card is asked once
        sent[f"zz-item-{i}"] = "\n".join(lines)
    child.expect("Cards done: 20")
    child.expect(pexpect.EOF)
    reviews = reviews_now()
    assert len(reviews) == 20
    unintended = [r for r in reviews if r.rating.label != "easy" or r.answer != sent[r.card_id]]
    assert unintended == []
