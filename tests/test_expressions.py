"""Predicted numbers typed as arithmetic ("sqrt(64)", "2^10", "4096/32"), parsed without eval, and a
sampled value called "measured", never "exact"."""

from __future__ import annotations

import math
from typing import Any

import pytest

from llmquiz import demos
from llmquiz.card import Card, Predict
from llmquiz.expressions import evaluate, leading
from llmquiz.grading.result import Verdict
from llmquiz.predict import grade_prediction, parse_numbers


def card(demo: str, args: dict[str, Any], field: str, tolerance: float = 0.0) -> Card:
    return Card(id="t-predict", topic="t", question="Predict it.", answer="Because.", key_points=(),
                difficulty=2, predict=Predict(demo, args, field, tolerance))


@pytest.mark.parametrize(("text", "value"), [
    ("sqrt(64)", 8), ("√64", 8), ("sqrt 64", 8), ("2^10", 1024), ("2**10", 1024), ("4096/32", 128),
    ("32 × 128", 4096), ("32*128", 4096), ("6*7/2", 21), ("(2+3)*4", 20), ("2 ** 3 ** 2", 512),
    ("-2^2", -4), ("log2(16)", 4), ("2π", 2 * math.pi), ("2 * pi", 2 * math.pi), ("exp(0) + 1", 2),
    ("1,024 * 2", 2048), ("1e3 / 4", 250), ("1 / sqrt(0.0625)", 4), ("4096 ÷ 32", 128),
])
def test_arithmetic_evaluates(text: str, value: float) -> None:
    assert evaluate(text) == pytest.approx(value)


@pytest.mark.parametrize("text", [
    "64", "65,536", "-0.5",             # a bare number is the number reader's job (it knows k, M, %)
    "3-4",                              # a range a learner gives, not minus one
    "2^99999", "10^400", "1/0", "sqrt(-1)", "log(0)",   # no number at all
    "__import__('os')", "2 + os.system('x')", "(lambda: 1)()", "sqrt(64",  # not arithmetic
    "8 (sqrt 64)",                      # a remark after the answer is not a product
    "1+" * 150 + "1",                   # too long to be a guess
])
def test_what_is_not_an_expression(text: str) -> None:
    assert evaluate(text) is None


def test_leading_reads_arithmetic_inside_a_sentence() -> None:
    assert leading("about 2^10 tokens") == 1024
    assert leading("I think sqrt(64), so 8") == 8
    assert leading("8 (sqrt 64)") is None and leading("no numbers here") is None


@pytest.mark.parametrize(("answer", "value"), [("sqrt(64)", 8), ("2^10", 1024), ("4096/32", 128),
                                                ("sqrt(64) = 8", 8), ("sqrt(64) ≈ 8", 8), ("about 2^10", 1024)])
def test_predict_answers_read_arithmetic(answer: str, value: float) -> None:
    assert parse_numbers(answer) == [pytest.approx(value)]


def test_the_number_reader_still_reads_units_and_suffixes() -> None:
    assert parse_numbers("about 65k tokens") == [65.0, 65000.0]
    assert parse_numbers("2 GiB") == [2.0] and parse_numbers("1/4") == [0.25]


def test_an_expression_is_graded_by_its_value() -> None:
    lora = card("lora", {"d_in": 4096, "d_out": 4096, "rank": 8}, "lora_params")  # 65,536
    assert grade_prediction(lora, "8 * (4096 + 4096)").score == 5
    assert grade_prediction(lora, "2^16").feedback.startswith("Exactly: 65,536")
    assert grade_prediction(lora, "4096*4096").score == 0  # the full matrix


def test_a_sampled_value_is_measured_not_exact() -> None:
    spread = card("attention", {"d_k": 64}, "score_std", tolerance=0.5)  # √64 = 8 in theory, sampled ~8.2
    right = grade_prediction(spread, "sqrt(64)")
    assert right.verdict is Verdict.CORRECT and right.details["measured"] is True
    assert right.feedback.startswith("Right: the demo measured 8.") and "exact" not in right.feedback.lower()
    wrong = grade_prediction(spread, "64")
    assert "the measured value is 8." in wrong.feedback and "exact" not in wrong.feedback
    formula = grade_prediction(card("kvcache", {"layers": 32, "heads": 32, "kv_heads": 32, "head_dim": 128,
                                                "seq_len": 4096}, "gib", tolerance=0.05), "3")
    assert "the exact value is 2" in formula.feedback and formula.details["measured"] is False


def test_every_predict_field_of_the_decks_says_whether_it_is_measured() -> None:
    from llmquiz import decks

    sampled = {"score_std", "score_std_scaled", "merge_max_abs_diff", "rope_max_shift_change"}
    for c in decks.load_valid().cards.values():
        if c.predict is None:
            continue
        result = demos.run(c.predict.demo, c.predict.args)
        assert result.is_measured(c.predict.field) == (c.predict.field in sampled), c.id
