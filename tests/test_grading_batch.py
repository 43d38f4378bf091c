"""`grade_jsonl`, the core of `llmquiz grade --batch`: order, derived key points, malformed lines."""

from __future__ import annotations

import json

import pytest

from llmquiz.grading.batch import grade_jsonl
from llmquiz.grading.rubric import derive_points, from_parts

REF = ("A stack is a last-in first-out structure: push adds an item on top and pop removes the top item. "
       "A queue is first-in first-out: enqueue adds at the back and dequeue removes from the front.")


def line(answer: str, **extra: object) -> str:
    return json.dumps({"question": "How do a stack and a queue differ?", "reference": REF, "answer": answer,
                       **extra})


def test_one_result_per_line_in_order_and_a_malformed_line_names_its_number(hashing):
    lines = [
        line("A stack is last-in first-out: push adds on top and pop removes the top. A queue is first-in "
             "first-out: enqueue adds at the back and dequeue removes from the front.", id="a"),
        "{not json",
        json.dumps({"question": "q", "answer": "a"}),
        "",
        line("I don't know", id="d"),
        json.dumps({"question": "q", "reference": "r", "answer": 5}),
    ]
    out = list(grade_jsonl(lines, hashing))
    assert len(out) == 5  # the blank line yields nothing
    assert out[0]["id"] == "a" and out[0]["verdict"] == "correct"
    assert out[1] == {"line": 2, "error": out[1]["error"]} and "JSON" in out[1]["error"]
    assert out[2]["line"] == 3 and "reference" in out[2]["error"]
    assert out[3]["id"] == "d" and out[3]["verdict"] == "wrong"
    assert out[4]["line"] == 6 and "answer" in out[4]["error"]
    for r in (out[0], out[3]):
        assert {"score", "verdict", "found", "missed", "feedback", "misconception", "unsure"} <= set(r)


def test_without_key_points_they_come_from_the_reference(hashing):
    points = derive_points("How do a stack and a queue differ?", REF)
    assert len(points) >= 2 and all(p.terms for p in points)
    answer = "With a stack, push puts an item on top and pop takes the newest item off the top."
    half = next(grade_jsonl([line(answer)], hashing))
    assert half["found"] == [points[0].text]
    assert half["missed"] == [points[1].text]


def test_string_key_points_and_misconceptions_are_accepted(hashing):
    miscs = [{"claim": "A stack removes the oldest item first.",
              "correction": "That is a queue; a stack removes the newest item."}]
    res = next(grade_jsonl([line("A stack removes the oldest item first, and so does a queue.",
                                 key_points=["stack is last-in first-out", "queue is first-in first-out"],
                                 misconceptions=miscs)], hashing))
    assert res["verdict"] == "wrong"
    r = from_parts("q", REF, ["stack is LIFO"], ["claim only"])
    assert r.points[0].aliases == ("stack is LIFO",) and r.misconceptions[0].claim == "claim only"


@pytest.mark.parametrize("bad", [{"key_points": 3}, {"key_points": [{"aliases": ["x"]}]},
                                 {"misconceptions": [7]}, {"reference": "   "}])
def test_malformed_fields_are_reported_not_raised(hashing, bad):
    obj = {"question": "q", "reference": REF, "answer": "a", **bad}
    out = list(grade_jsonl([json.dumps(obj)], hashing))
    assert out[0]["line"] == 1 and out[0]["error"]


def test_a_long_batch_of_new_questions_holds_a_bounded_number_of_card_profiles(hashing, monkeypatch):
    # Each new question's profile holds its vectors (0.4 MB with hashing); a batch of thousands of new
    # questions used to keep 1,024 of them. Memory is bounded by their bytes, the newest kept.
    from llmquiz.grading import profile

    profile.clear()
    monkeypatch.setattr(profile, "MEMORY_BYTES", 2 * 2**20)
    lines = [json.dumps({"question": f"What does cache number {i} store?", "reference": f"It stores item {i}.",
                         "answer": f"item {i}"}) for i in range(40)]
    results = list(grade_jsonl(lines, hashing))
    assert len(results) == 40 and all("error" not in r for r in results)
    assert 1 <= len(profile._profiles) < 40
    assert profile._held["bytes"] <= 2 * 2**20
    assert list(profile._profiles)[-1][1] == from_parts("What does cache number 39 store?", "It stores item 39.").key()
    profile.clear()
