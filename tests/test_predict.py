"""Predict-then-run grading: the demo computes the answer; exact, close, wrong and unparsable guesses."""

from __future__ import annotations

from typing import Any

import pytest

from llmquiz.card import Card, Predict
from llmquiz.errors import DemoError
from llmquiz.grading import grade
from llmquiz.grading.result import Verdict
from llmquiz.predict import check_predict, expected_value, fmt, grade_prediction, parse_list, parse_numbers


def card(demo: str, args: dict[str, Any], field: str, tolerance: float = 0.0) -> Card:
    return Card(id="t-predict", topic="t", question="Predict it.", answer="Because.", key_points=(),
                difficulty=2, predict=Predict(demo, args, field, tolerance))


LORA = card("lora", {"d_in": 4096, "d_out": 4096, "rank": 8}, "lora_params")  # 65,536
KV = card("kvcache", {"layers": 32, "heads": 32, "kv_heads": 32, "head_dim": 128, "seq_len": 4096}, "gib",
          tolerance=0.05)  # 2 GiB
TOP_P = card("top-p", {"probs": [0.5, 0.2, 0.15, 0.1, 0.05], "p": 0.8}, "kept")  # A, B, C


@pytest.mark.parametrize("answer", ["65536", "65,536", "~65536", "65536 parameters", "r(d_in+d_out) = 65536",
                                    " 65 536".replace(" ", "", 1), "65.536k"])
def test_exact_numbers_in_many_spellings(answer: str) -> None:
    g = grade_prediction(LORA, answer)
    assert (g.score, g.verdict) == (5, Verdict.CORRECT), answer
    assert g.feedback.startswith("Exactly: 65,536")


def test_suffixes_and_fractions() -> None:
    assert grade_prediction(KV, "2 GiB").score == 5
    assert grade_prediction(KV, "2.04").score == 5  # within the tolerance
    assert "within ±0.05" in grade_prediction(KV, "2.04").feedback
    ppl = card("loss", {"probs": [0.25, 0.25]}, "perplexity")
    assert grade_prediction(ppl, "4").score == 5
    half = card("quantize", {"bits": 4, "params_b": 1}, "model_gb")  # 0.5 GB
    assert grade_prediction(half, "1/2").score == 5
    assert grade_prediction(half, "0.5 GB").score == 5
    moe = card("moe", {"experts": 8, "top_k": 2}, "active_params_b", tolerance=0.1)  # 12.89
    assert grade_prediction(moe, "12.9B").score == 5  # "B" read as billions when that fits
    assert grade_prediction(moe, "about 13 billion").score == 4  # within twice the tolerance


def test_close_numbers_get_partial_credit_and_say_how_far() -> None:
    g = grade_prediction(LORA, "64000")
    assert g.verdict is Verdict.PARTIAL and g.score == 3
    assert g.feedback == "Close: the exact value is 65,536; you said 64,000 (off by 1,536, 2% low)."
    assert g.details["expected"] == 65536 and g.details["given"] == 64000
    assert grade_prediction(LORA, "80,000").score == 2  # 22% high
    assert grade_prediction(LORA, "90k").score == 1  # 37% high


def test_wrong_numbers_score_zero() -> None:
    g = grade_prediction(LORA, "16,777,216")  # the full-fine-tuning count
    assert (g.score, g.verdict) == (0, Verdict.WRONG)
    assert g.feedback.startswith("Off: the exact value is 65,536; you said 16,777,216")
    assert "high" in g.feedback


def test_unparsable_and_empty_answers() -> None:
    g = grade_prediction(LORA, "a lot of parameters")
    assert (g.score, g.verdict, g.unsure) == (0, Verdict.WRONG, True)
    assert g.feedback == "Couldn't read a number in your answer; the exact value is 65,536."
    e = grade_prediction(LORA, "   ")
    assert e.score == 0 and e.feedback == "No answer given; the exact answer is 65,536."


def test_lists_are_sets() -> None:
    for answer in ("A, B, C", "c b a", "['A', 'B', 'C']", "A, B and C", '"a","b","c"'):
        assert grade_prediction(TOP_P, answer).score == 5, answer
    partial = grade_prediction(TOP_P, "A, B")
    assert partial.verdict is Verdict.PARTIAL and partial.score == 3
    assert partial.feedback == "Partly right: the exact answer is A, B, C; missing c."
    extra = grade_prediction(TOP_P, "A B C D")
    assert extra.score == 3 and "not in it: d" in extra.feedback
    wrong = grade_prediction(TOP_P, "D, E")
    assert (wrong.score, wrong.verdict) == (0, Verdict.WRONG)
    assert wrong.feedback.startswith("Not it: the exact answer is A, B, C")


def test_the_grader_entry_point_routes_predict_cards() -> None:
    assert grade(LORA, "65536").score == 5


def test_expected_value_follows_dotted_fields_and_rejects_unknown_ones() -> None:
    t = card("temperature", {"logits": [2, 1, 0], "temperatures": [1]}, "by_temperature.0.top_prob",
             tolerance=0.01)
    assert expected_value(t.predict) == pytest.approx(0.6652, abs=1e-4)
    assert grade_prediction(t, "0.67").score == 5
    with pytest.raises(DemoError, match="no result field 'nope'"):
        grade_prediction(card("lora", {}, "nope"), "1")


def test_parsers() -> None:
    assert parse_numbers("~12 tokens") == [12.0]
    assert parse_numbers("1,234") == [1234.0]
    assert parse_numbers("7B") == [7.0, 7e9]
    assert parse_numbers("−3.5") == [-3.5]
    assert parse_numbers("no digits") == []
    assert parse_numbers("zero") == [0.0] and parse_numbers("none of them") == [0.0]
    assert parse_numbers("Three tokens") == [3.0]
    assert parse_numbers("2π") == parse_numbers("2 pi") == parse_numbers("2*pi") == [pytest.approx(6.2832, abs=1e-4)]
    assert parse_list(" E0 E3 ") == ["e0", "e3"]
    assert parse_list("1, 2.0") == ["1", "2"]
    assert fmt(0.5) == "0.5" and fmt(1234567.0) == "1,234,567" and fmt(12345.678) == "12,345.68"


def test_check_predict_finds_what_only_a_run_reveals() -> None:
    assert check_predict(LORA.predict) == []
    assert check_predict(TOP_P.predict) == []
    assert check_predict(Predict("lora", {}, "nope", 0))[0].startswith("Demo 'lora' has no result field 'nope'")
    assert check_predict(Predict("lora", {}, "merge_check_shape", 0)) == []  # a list of numbers
    assert check_predict(Predict("top-k", {"logits": [1, 2], "k": 5}, "kept", 0)) == [
        "--k 5 is more than the 2 tokens in the distribution."]
    assert check_predict(Predict("lora", {"rank": "x"}, "lora_params", 0)) == [
        "argument 'rank' must be a whole number (got 'x')"]
