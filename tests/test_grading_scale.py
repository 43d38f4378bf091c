"""The 0-5 scale's ends and the non-answers: what earns a 5 and a 1, and what is not "I don't know"."""

from __future__ import annotations

from llmquiz.grading import Verdict, grade_rubric
from llmquiz.grading import profile as profiles
from llmquiz.grading.evidence import Evidence, PointEvidence, is_idk
from llmquiz.grading.parse import parse
from llmquiz.grading.rubric import from_parts
from llmquiz.grading.rules import combine, to_grade


def _evidence(lexical: list[float], recall: float, similarity: float) -> Evidence:
    ev = Evidence()
    ev.points = [PointEvidence(lexical=x) for x in lexical]
    ev.recall, ev.similarity, ev.density = recall, similarity, 1.0
    return ev


def test_full_marks_need_the_key_points() -> None:
    # Right in meaning throughout but none of the three key points stated: correct, and a 4.
    meaning_only = combine(_evidence([0.0, 0.0, 0.0], recall=0.9, similarity=0.9))
    assert 3.5 <= meaning_only.raw < 4.5
    # The same closeness with two of the three stated: a 5.
    assert combine(_evidence([1.0, 1.0, 0.0], recall=0.9, similarity=0.9)).raw >= 4.5


def test_an_answer_on_the_topic_scores_one_and_a_strangers_sentence_zero() -> None:
    rubric = from_parts("Why scale attention scores?", "Scaling keeps the softmax from saturating.",
                        ["keeps the softmax from saturating", "gradients stay useful"])
    on_topic = to_grade(rubric, _evidence([0.0, 0.0], recall=0.0, similarity=0.2))
    assert (on_topic.score, on_topic.verdict) == (1, Verdict.WRONG)
    assert to_grade(rubric, _evidence([0.0, 0.0], recall=0.0, similarity=-0.1)).score == 0


def test_a_guess_ending_in_a_question_mark_is_an_answer(hashing) -> None:
    rubric = from_parts("Where does a C++ program start running?", "In the main function.")
    guess = grade_rubric(rubric, "In the main function..?", encoder=hashing)
    assert guess.verdict is Verdict.CORRECT, guess.details
    for text in ("?", "...", "Pass.", "No idea, sorry."):
        assert is_idk(text, parse(text)), text


def test_a_point_taken_from_the_model_answer_needs_only_its_digits(hashing) -> None:
    # "into two" is said by "in half"; "10%" must be said. Neither the capital that starts the model
    # answer nor the point's own first word is a name.
    def exact(reference: str) -> list[set[str]]:
        return profiles.get(from_parts("Q?", reference), hashing, disk=False).point_exact

    assert exact("It splits the array into two halves and merges them.") == [set()]
    assert exact("Dropout zeroes 10% of the activations at random.") == [{"10%"}]
    assert exact("Unlimited number.") == [set()]


def test_partial_credit_needs_a_clause_that_says_part_of_the_model_answer() -> None:
    from llmquiz.grading.contradiction import Verdict as ClauseVerdict

    rubric = from_parts("Why does the KV cache speed up decoding?",
                        "Past keys and values never change, so each step computes only the newest token.",
                        ["past keys and values never change", "each step computes only the newest token"])
    # One key point's words named and the topic's closeness, but no clause says what the model answer
    # says: fluent claims of its own, not half an answer.
    ev = _evidence([1.0, 0.0], recall=0.12, similarity=0.3)
    ev.clauses = [ClauseVerdict(0, "the GPU keeps finished replies for repeated prompts", "unaligned")]
    unsupported = to_grade(rubric, ev)
    assert unsupported.verdict is Verdict.WRONG and unsupported.details["capped_by"] == "unsupported"
    assert unsupported.feedback.startswith("On topic, but none of your claims")
    # The same evidence with one clause agreeing keeps its partial credit.
    ev.clauses.append(ClauseVerdict(0, "past keys and values never change", "agrees", "answer"))
    assert to_grade(rubric, ev).verdict is Verdict.PARTIAL
