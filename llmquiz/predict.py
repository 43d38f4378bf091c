"""Grading predict-then-run cards: the card's demo computes the answer, the learner's guess is compared.

The learner types a number ("65536", "65,536", "~64k", "2 GiB", "0.25", "1/4", "x = 12"), simple
arithmetic ("sqrt(64)", "2^10", "4096/32", "32 × 128"; parsed by `llmquiz.expressions`, never
evaluated as code) or a list ("A, B, C", "E0 E3", "['st', 'raw']"). Numbers score 5 within the card's
tolerance and get partial credit by relative error; lists are compared as sets (order and case ignored)
and scored by overlap. A value the demo measured on random draws is called "measured", not "exact".
"""

from __future__ import annotations

import math
import re
from typing import Any

from llmquiz import expressions
from llmquiz.card import Card, Predict
from llmquiz.errors import DemoError
from llmquiz.grading.result import Grade, Verdict

_NUMBER = re.compile(r"(?<![\w.])([-+−]?(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?"
                     r"|[-+−]?\.\d+)")
_LIST_SEP = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
_SUFFIX = re.compile(r"\s*(thousand|million|billion|trillion|mn|bn|[kKmMbBtT%])(?![a-zA-Z])")
_MULTIPLIER = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
               "billion": 1e9, "t": 1e12, "trillion": 1e12, "%": 0.01}
_FRACTION = re.compile(r"\s*/\s*(\d+(?:\.\d+)?)")
_PI = re.compile(r"\s*[*·×]?\s*(?:π|pi\b)", re.IGNORECASE)
_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve")
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORDS) + r"|none)\b")
# Relative error → score when outside the tolerance: close answers get partial credit.
_BANDS = ((0.1, 3), (0.25, 2), (0.5, 1))


def demo_answer(predict: Predict) -> tuple[Any, bool]:
    """Run the card's demo (seed 0); return the value at `predict.field` and whether it was measured
    on random draws (an estimate) rather than computed by a formula.

    Raises DemoError when the demo's result has no such field (a deck problem).
    """
    from llmquiz import demos

    result = demos.run(predict.demo, predict.args, rng_seed=0)
    try:
        return result.value(predict.field), result.is_measured(predict.field)
    except KeyError:
        raise DemoError(f"Demo {predict.demo!r} has no result field {predict.field!r}; "
                        f"its fields are: {', '.join(result.data)}.") from None


def expected_value(predict: Predict) -> Any:
    """Run the card's demo (seed 0) and return the value at `predict.field` (see `demo_answer`)."""
    return demo_answer(predict)[0]


def check_predict(predict: Predict) -> list[str]:
    """Problems with a card's `predict:` that only running its demo reveals (for deck validation).

    Empty when the demo runs with the card's arguments and `field` holds a number or a list.
    """
    from llmquiz import demos
    from llmquiz.errors import LlmquizError

    problems = demos.check_args(predict.demo, predict.args)
    if problems:
        return problems
    try:
        value = expected_value(predict)
    except LlmquizError as exc:
        return [exc.message]
    if isinstance(value, bool) or not isinstance(value, int | float | list | tuple | str):
        return [f"field {predict.field!r} of demo {predict.demo!r} is not a number or a list"]
    return []


def parse_numbers(answer: str) -> list[float]:
    """Every reading of the first number in `answer`: as written, and with its suffix (k, M, B, %) applied.

    Example:
        >>> parse_numbers("about 65k tokens")
        [65.0, 65000.0]
    """
    text = answer.replace("−", "-").replace("\u202f", "").replace("\u00a0", " ")
    for sign in ("=", "≈"):  # "32 × 128 = 4096": the learner's result is after the last '='
        if sign in text:
            text = text.rsplit(sign, 1)[1]
    worked = expressions.leading(text)
    if worked is not None:  # "sqrt(64)", "2^10", "4096/32 tokens"
        return [worked]
    match = _NUMBER.search(text)
    if not match:
        word = _WORD_NUMBER.search(text.lower())
        return [float(_WORDS.index(word.group(1)) if word.group(1) != "none" else 0)] if word else []
    value = float(match.group(1).replace(",", "").replace(" ", "").replace("−", "-"))
    rest = text[match.end():]
    if _PI.match(rest):  # "2π", "2 pi", "2*pi"
        return [value * math.pi]
    frac = _FRACTION.match(rest)
    if frac and float(frac.group(1)) != 0:
        return [value / float(frac.group(1))]
    readings = [value]
    suffix = _SUFFIX.match(rest)
    if suffix:
        readings.append(value * _MULTIPLIER[suffix.group(1).lower()])
    return readings


def parse_list(answer: str) -> list[str]:
    """The items of a list answer: comma-separated if there is a comma, else space-separated.

    Example:
        >>> parse_list("['A', 'B'] ")
        ['a', 'b']
    """
    text = answer.strip().strip("[](){}").strip()
    parts = _LIST_SEP.split(text) if _LIST_SEP.search(text) else text.split()
    return [i for i in (_norm_item(p) for p in parts) if i]


def _norm_item(item: Any) -> str:
    text = str(item).replace("␣", " ").strip().strip("'\"`").strip().lower()
    try:  # "1.0" and "1" are the same item
        x = float(text)
        return f"{x:g}" if math.isfinite(x) else text
    except ValueError:
        return text


def fmt(x: float) -> str:
    """A number for feedback: thousands separated, at most 4 significant decimals.

    Example:
        >>> fmt(1073741824.0), fmt(0.66524), fmt(2.0)
        ('1,073,741,824', '0.6652', '2')
    """
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.2f}".rstrip("0").rstrip(".")
    return f"{x:.4g}"


def _grade_number(expected: float, tolerance: float, answer: str, word: str) -> tuple[int, str, dict[str, Any]]:
    readings = parse_numbers(answer)
    if not readings:
        return -1, f"Couldn't read a number in your answer; the {word} value is {fmt(expected)}.", {}
    given = min(readings, key=lambda x: abs(x - expected))
    diff = abs(given - expected)
    rel = diff / abs(expected) if expected else (0.0 if diff == 0 else math.inf)
    details = {"given": given, "difference": given - expected,
               "relative_error": rel if math.isfinite(rel) else None}
    slack = 1e-9 * max(1.0, abs(expected))  # float noise never costs a point
    if diff <= tolerance + slack:
        extra = "" if diff <= slack else f" (you said {fmt(given)}, within ±{fmt(tolerance)})"
        if word == "measured":
            return 5, f"Right: the demo measured {fmt(expected)}{extra}.", details
        return 5, f"Exactly: {fmt(expected)}{extra}.", details
    direction = "high" if given > expected else "low"
    how_far = f"off by {fmt(diff)}" + (f", {100 * rel:.0f}% {direction}" if math.isfinite(rel) else "")
    if tolerance > 0 and diff <= 2 * tolerance + slack:
        return 4, f"Very close: the {word} value is {fmt(expected)}; you said {fmt(given)} ({how_far}).", details
    score = next((s for limit, s in _BANDS if rel <= limit), 0)
    lead = "Close" if score >= 2 else "Not quite" if score == 1 else "Off"
    return score, f"{lead}: the {word} value is {fmt(expected)}; you said {fmt(given)} ({how_far}).", details


def _grade_list(expected: list[Any], answer: str, word: str) -> tuple[int, str, dict[str, Any]]:
    want = {_norm_item(x) for x in expected}
    shown = ", ".join(str(x) for x in expected)
    got = set(parse_list(answer))
    if not got:
        return -1, f"Couldn't read a list in your answer; the {word} answer is {shown}.", {}
    common, missing, extra = want & got, want - got, got - want
    details = {"given": sorted(got), "missing": sorted(missing), "extra": sorted(extra)}
    if not missing and not extra:
        return 5, (f"Right: the demo measured {shown}." if word == "measured" else f"Exactly: {shown}."), details
    jaccard = len(common) / len(want | got)
    score = min(4, math.floor(5 * jaccard + 1e-9))
    parts = [f"the {word} answer is {shown}"]
    if missing:
        parts.append(f"missing {', '.join(sorted(missing))}")
    if extra:
        parts.append(f"not in it: {', '.join(sorted(extra))}")
    lead = "Partly right" if common else "Not it"
    return score, f"{lead}: " + "; ".join(parts) + ".", details


def grade_prediction(card: Card, answer: str) -> Grade:
    """Grade a predict-then-run card: run its demo, compare the learner's number or list with the result.

    Example:
        >>> g = grade_prediction(card, "65,536")   # card predicts lora_params for 4096x4096, r = 8
        >>> g.score, g.feedback
        (5, 'Exactly: 65,536.')
    """
    predict = card.predict
    if predict is None:
        raise DemoError(f"Card {card.id!r} is not a predict-then-run card.")
    expected, measured = demo_answer(predict)
    word = "measured" if measured else "exact"
    base = {"demo": predict.demo, "field": predict.field, "tolerance": predict.tolerance, "measured": measured}
    if isinstance(expected, bool):
        expected = int(expected)
    if isinstance(expected, str):
        expected = [expected]
    if not answer.strip():
        shown = ", ".join(map(str, expected)) if isinstance(expected, list | tuple) else fmt(expected)
        return Grade(0, Verdict.WRONG, (), (), f"No answer given; the {word} answer is {shown}.",
                     details={**base, "expected": expected, "kind": "empty"})
    if isinstance(expected, list | tuple):
        score, feedback, details = _grade_list(list(expected), answer, word)
        kind = "list"
    elif isinstance(expected, int | float):
        score, feedback, details = _grade_number(float(expected), float(predict.tolerance), answer, word)
        kind = "number"
    else:
        raise DemoError(f"Demo {predict.demo!r} field {predict.field!r} is neither a number nor a list.")
    unparsable = score < 0
    score = max(score, 0)
    return Grade(score, Verdict.from_score(score), (), (), feedback, unsure=unparsable,
                 details={**base, "expected": expected, "kind": "unparsable" if unparsable else kind, **details})
