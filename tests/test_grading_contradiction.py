"""Contradictions the lexicon alone does not foresee: WordNet antonyms, yes/no answers, compared items."""

from __future__ import annotations

import pytest

from llmquiz.grading import Verdict, grade_rubric, lexicon
from llmquiz.grading import profile as profiles
from llmquiz.grading.contradiction import _anchored
from llmquiz.grading.evidence import gather, polar_flip
from llmquiz.grading.rubric import from_parts
from llmquiz.grading.scorer import CLAIM_MADE
from llmquiz.grading.text import stem


def _contradictions(question: str, reference: str, answer: str, hashing) -> list[dict]:
    return grade_rubric(from_parts(question, reference), answer, encoder=hashing).details["contradictions"]


def test_wordnet_gives_opposites_no_hand_list_has() -> None:
    opp = lexicon.opposites()
    assert stem("shorter") in opp[stem("longer")]  # a comparative of a WordNet pair
    assert stem("minority") in opp[stem("majority")]
    assert stem("descend") in opp[stem("ascend")]
    assert stem("lighter") in opp[stem("heavier")]


def test_a_stem_that_is_another_word_is_not_an_opposite() -> None:
    # "costly" stems to "cost"; "cost" is not the opposite of "cheap".
    assert stem("cost") not in lexicon.opposites().get(stem("cheap"), frozenset())


REFERENCE = ("Character-level input makes sequences much longer and attention costlier. "
             "Subword tokenizers keep frequent words whole and split rare words into pieces.")
RUBRIC = from_parts("Why do LLMs use subword tokens?", REFERENCE,
                    ["character input makes sequences longer", "frequent words stay whole, rare words split"])


def test_an_antonym_outside_the_hand_list_reverses_the_answer(hashing) -> None:
    answer = ("Character-level input makes sequences much shorter and attention cheaper. "
              "Subword tokenizers keep infrequent words whole and split frequent words into pieces.")
    g = grade_rubric(RUBRIC, answer, encoder=hashing)
    assert g.verdict is Verdict.WRONG, g.details
    assert g.details["contradictions"]


def test_the_same_answer_unreversed_is_correct(hashing) -> None:
    answer = ("Character input makes sequences much longer, so attention costs more. Subword tokenizers keep "
              "frequent words whole and split rare words into pieces.")
    g = grade_rubric(RUBRIC, answer, encoder=hashing)
    assert g.verdict is Verdict.CORRECT, g.details
    assert not g.details["contradictions"]


def test_an_opposite_counts_only_about_the_same_thing() -> None:
    # "sequences get shorter" reverses "sequences get longer"; "larger memory" does not reverse "smaller
    # batches": no word near one opposite is near the other.
    assert _anchored(("sequenc", "get", "shorter"), ["shorter"], ("sequenc", "get", "longer"), ["longer"])
    assert not _anchored(("memori", "larger"), ["larger"], ("batch", "smaller"), ["smaller"])


@pytest.mark.parametrize(("answer", "flip"), [
    ("Yes, with temperature zero and RAG it can be reached.", "'yes' where the model answer says 'no'"),
    ("Nope: the model is probabilistic.", ""),
    ("It is probabilistic, so no.", ""),  # only an opening yes or no counts
])
def test_a_yes_no_question_answered_the_other_way(answer: str, flip: str) -> None:
    assert polar_flip("Is zero hallucination achievable?", "No. A language model is probabilistic.", answer) == flip


def test_no_single_is_not_a_no() -> None:
    assert polar_flip("Can one filter stop it?", "No single filter is enough.", "Yes, one filter does it.") == ""


def test_the_opposite_yes_or_no_is_wrong_whatever_follows(hashing) -> None:
    rubric = from_parts("Is zero hallucination achievable?",
                        "No. A language model samples from a probability distribution, so some error always remains; "
                        "aim to reduce it, detect it and limit its impact.")
    g = grade_rubric(rubric, "Yes. A language model samples from a probability distribution; reduce, detect and "
                             "limit the error and it goes away.", encoder=hashing)
    assert g.verdict is Verdict.WRONG and g.details["polar_flip"], g.details
    assert g.feedback.startswith("Wrong way round")


COMPARE = from_parts(
    "What is the difference between a bi-encoder and a cross-encoder?",
    "A bi-encoder encodes the query and each document separately, so document vectors can be precomputed and "
    "indexed. A cross-encoder reads the query and the document together and outputs one relevance score.")


def test_swapped_items_are_a_contradiction(hashing) -> None:
    answer = ("A cross-encoder encodes the query and each document separately, so document vectors can be "
              "precomputed and indexed. A bi-encoder reads the query and the document together and outputs one "
              "relevance score.")
    g = grade_rubric(COMPARE, answer, encoder=hashing)
    assert g.verdict is Verdict.WRONG, g.details


def test_naming_the_other_item_with_its_own_property_is_not_a_contradiction(hashing) -> None:
    # Each clause names one item and says what the model answer says of that item, in other words.
    answer = ("A cross-encoder outputs a single relevance score after reading query and document at once. "
              "A bi-encoder embeds documents on their own, ahead of time, into an index.")
    g = grade_rubric(COMPARE, answer, encoder=hashing)
    assert not g.details["contradictions"], g.details


def test_an_implicit_negation_alone_is_not_a_reversal(hashing) -> None:
    # "to avoid a function call" restates "copies the code where a call is made"; only a spelled-out
    # negation flips a clause on its own.
    assert not _contradictions("What does the inline keyword do?",
                               "It makes a copy of the function code in every place where a function call is made.",
                               "It makes a copy of the function code in place to avoid a function call.", hashing)


@pytest.mark.parametrize(("typed", "folded"), [
    ("it doesnt stop", "it does not stop"), ("dont fine-tune", "do not finetune"), ("it cant", "it can not"),
    ("BERT dosent use it", "bert does not use it"),
])
def test_a_negation_typed_without_its_apostrophe_still_negates(typed: str, folded: str) -> None:
    from llmquiz.grading.text import words

    assert words(typed) == folded.split()


def test_a_misspelled_negation_denies_the_misconception_it_names(hashing) -> None:
    rubric = from_parts(
        "What does the causal mask do, and which models use it?",
        "Causal masking sets the scores of later positions to minus infinity before the softmax, so a token "
        "attends only to itself and earlier tokens. Encoder-only models like BERT do not use it.",
        misconceptions=[{"claim": "BERT also uses a causal mask.",
                         "correction": "BERT is bidirectional; it only uses a padding mask."}])
    answer = ("Causal masking adds minus infinity to the scores of later positions before the softmax, so a "
              "token sees only itself and earlier tokens. BERT {} a causal mask.")
    # Read from the evidence, which both graders share: "dosent" denies the claim as "doesn't" does.
    # (The fitted grader names a misconception only below "correct", and grades the "also uses" answer
    # 4: its false aside is about a secondary point, which the scorer weighs too little; docs/grading.md.)
    def strength(verb: str) -> float:
        ev = gather(profiles.get(rubric, hashing), answer.format(verb), hashing)
        return ev.claim_strength if ev.claim is not None else 0.0

    assert strength("dosent use") == strength("doesn't use") < CLAIM_MADE
    assert strength("also uses") >= CLAIM_MADE


def test_in_context_is_not_the_opposite_of_context(hashing) -> None:
    # Hyphens are joined ("incontext"); that is not the prefix "in-" of "inaccurate".
    ref = "In-context learning means the model picks up a task from examples placed in its prompt."
    assert not _contradictions("What is in-context learning?", ref,
                               "The model picks up a task from the examples placed in its context window.", hashing)


def test_a_bound_is_not_a_negation(hashing) -> None:
    # "no more than two" says "at most two"; it denies nothing.
    q, ref = "What is a binary tree?", "A tree for which the maximum number of children per node is two."
    assert not _contradictions(q, ref, "A tree where every node has no more than two children.", hashing)
    assert not _contradictions(q, ref, "A tree where each node has at most two children.", hashing)


def test_a_negated_condition_denies_nothing(hashing) -> None:
    q = "What is a static array?"
    ref = ("Arrays declared as static keep their values for the life of the program and are initialised "
           "only once, when the declaring function is first called.")
    answer = ("When an array is not declared as static, it is initialised again every time its function "
              "is called.")
    assert not _contradictions(q, ref, answer, hashing)


def test_the_converse_of_a_relation_agrees(hashing) -> None:
    # "the node is greater than its left child" is "the left child is smaller than the node".
    q = "What is a binary search tree?"
    ref = "A binary tree where the left child of any node is smaller than that node."
    assert not _contradictions(q, ref, "A binary tree where any node is greater than its left child.", hashing)
    flipped = _contradictions(q, ref, "A binary tree where the left child of any node is greater than that node.",
                              hashing)
    assert flipped and "greater" in flipped[0]["why"], flipped


def test_a_relation_inverted_throughout_says_the_same(hashing) -> None:
    # First in, first out is last in, last out; only a mixed pair reverses it.
    q = "What is a queue?"
    ref = "A container in which the last item added is the last item removed."
    assert not _contradictions(q, ref, "A container in which the first item added is the first item removed.",
                               hashing)
    assert _contradictions(q, ref, "A container in which the first item added is the last item removed.",
                           hashing)


def test_a_negation_must_reach_something_the_model_answer_says(hashing) -> None:
    q = "How does a string held in a char array differ from a string object?"
    ref = "A string held in an array of characters has a null element added at the end of the array."
    assert not _contradictions(q, ref, "An array of characters has one element a string object does not have.",
                               hashing)
    assert _contradictions(q, ref, "A string held in an array of characters does not have a null element "
                           "added at the end of the array.", hashing)


def test_the_model_answers_own_word_from_another_clause_is_not_a_reversal(hashing) -> None:
    # "splitting the array" says what "splits the array" says, not the opposite of "merges the halves".
    q = "How does merge sort work?"
    ref = "It splits the array into two halves, sorts each half, and then merges the sorted arrays."
    assert not _contradictions(q, ref, "Keep splitting the array in half, sort each part, then join them back up.",
                               hashing)
    # A swapped role shares more words with the clause it reverses than with the one it borrows from.
    q = "What do the encoder and the decoder do in translation?"
    ref = "The encoder reads the input sentence, and the decoder writes the output sentence."
    assert _contradictions(q, ref, "The decoder reads the input sentence, and the encoder writes the output "
                           "sentence.", hashing)


def test_each_converse_use_of_a_relation_agrees(hashing) -> None:
    # "left < node < right" read from the node: every use that differs joins its two things the other way.
    q = "What is a binary search tree?"
    ref = "A binary tree where the left child is smaller than the parent and smaller than the right child."
    assert not _contradictions(q, ref, "A binary tree in which every node is greater than its left child and "
                               "smaller than its right child.", hashing)
    flipped = _contradictions(q, ref, "A binary tree in which every node is smaller than its left child and "
                              "greater than its right child.", hashing)
    assert flipped and "greater" in flipped[0]["why"], flipped


def test_many_where_the_model_answer_says_few_is_a_reversal(hashing) -> None:
    reference = "Rare tokens appear in few batches, so their embedding rows receive few updates."
    flipped = _contradictions("Why are rare token embeddings poorly trained?", reference,
                              "Rare tokens appear in many batches, so their rows receive many updates.", hashing)
    assert flipped and "mani" in flipped[0]["why"]
    same = _contradictions("Why are rare token embeddings poorly trained?", reference,
                           "Rare tokens show up in few batches, so their rows get few updates.", hashing)
    assert same == []


def test_numbers_bound_to_each_others_words_are_a_reversal(hashing) -> None:
    # Every number is one the model answer states, so a check for a different number sees nothing.
    q = "How many parameters do MoE models have in total and active per token?"
    ref = "Mixtral 8x7B has 46.7B parameters in total and about 12.9B active per token."
    swapped = _contradictions(q, ref, "Mixtral 8x7B has 12.9B parameters in total and 46.7B active per token.", hashing)
    assert swapped and "12.9b parameter where the model answer says 46.7b" in swapped[0]["why"]
    assert _contradictions(q, ref, "Mixtral 8x7B: 46.7B parameters in total, 12.9B active per token.", hashing) == []


def test_a_rounded_number_is_not_a_different_number(hashing) -> None:
    q = "How many parameters does Mixtral have in total?"
    ref = "Mixtral has about 46.7B parameters in total across all of its experts."
    said = "Mixtral has roughly {} parameters in total across all of its experts."
    assert _contradictions(q, ref, said.format("47B"), hashing) == []
    assert _contradictions(q, ref, said.format("56B"), hashing)


@pytest.mark.parametrize(("reference", "reversed_"), [
    ("Sinusoidal position encodings are fixed functions of the token position.",
     "Sinusoidal position encodings are learned functions of the token position."),
    ("Prefill is compute-bound because it processes the whole prompt in parallel.",
     "Prefill is memory-bound because it processes the whole prompt in parallel."),
    ("Self-attention cost grows quadratically with the sequence length.",
     "Self-attention cost grows linearly with the sequence length."),
    ("Most modern transformers use pre-norm residual blocks for stable training.",
     "Most modern transformers use post-norm residual blocks for stable training."),
])
def test_opposites_of_the_field_reverse_the_answer(reference: str, reversed_: str, hashing) -> None:
    assert _contradictions("Explain this.", reference, reversed_, hashing)
    assert not _contradictions("Explain this.", reference, reference, hashing)


def test_a_comparative_is_read_with_the_word_it_qualifies(hashing) -> None:
    # "more" and "less" both occur, so the clause as a whole takes both sides of the pair.
    q = "What do scaling laws say about sample efficiency?"
    ref = "Scaling laws also show that bigger models are more sample-efficient, learning more per token."
    flipped = _contradictions(q, ref, "Scaling laws also show that bigger models are less sample-efficient and "
                                      "need more tokens per unit of learning.", hashing)
    assert flipped and "'less'" in flipped[0]["why"], flipped
    assert _contradictions(q, ref, "They show that bigger models are more sample-efficient and learn more from "
                                   "each token.", hashing) == []


def test_a_pair_the_model_answer_uses_both_ways_in_its_sentence_is_not_reversed(hashing) -> None:
    q = "How does adaptive softmax split the vocabulary?"
    ref = ("It exploits Zipf's law: a small head cluster of about 500 very frequent tokens, covering roughly 90% "
           "of occurrences, gets full-dimensional vectors, while tail clusters of rarer tokens get smaller "
           "projections and are only evaluated when needed.")
    assert _contradictions(q, ref, "It splits the vocabulary into clusters by frequency, so frequent words are "
                                   "handled in a small head and rare ones in tail clusters.", hashing) == []


def test_two_things_compared_the_other_way_round_are_a_reversal(hashing) -> None:
    q = "What did Kaplan and Chinchilla say about allocating compute?"
    ref = "Kaplan et al. said to grow the model faster than the data, and Chinchilla said to scale both equally."
    flipped = _contradictions(q, ref, "Kaplan et al. said to grow the data faster than the model.", hashing)
    assert flipped and "data faster than model" in flipped[0]["why"], flipped
    assert _contradictions(q, ref, "Kaplan et al. advised growing the model faster than the data.", hashing) == []


def test_numbers_traded_between_two_things_are_a_reversal(hashing) -> None:
    # Each clause holds one number, so the clause-level check sees a number the model answer states.
    q = "How does BERT mask the selected tokens?"
    ref = "Of the selected tokens, 80% become [MASK], 10% become a random token and 10% stay unchanged."
    flipped = _contradictions(q, ref, "Of the selected tokens, only 10% become [MASK], while 80% are swapped for "
                                      "a random token and 10% stay unchanged.", hashing)
    assert flipped and flipped[0]["why"] == "10% for 'mask' where the model answer says 80%", flipped
    assert _contradictions(q, ref, "Of the selected tokens 80% are replaced by [MASK], 10% by a random token, "
                                   "and 10% are left unchanged.", hashing) == []


def test_numbers_inside_names_bind_nothing(hashing) -> None:
    q = "What does lower precision cost in quality?"
    ref = "FP16/BF16 versus FP32 costs essentially nothing for inference quality."
    assert _contradictions(q, ref, "Going from FP32 to FP16/BF16 costs essentially nothing in inference "
                                   "quality.", hashing) == []


# (question, model answer, reversed answer, part of the reason given, the same claim stated rightly)
REVERSALS = {
    "a figure at another scale": (
        "How much data and compute does pre-training take?",
        "Modern pre-training uses roughly 1-15 trillion tokens (Llama 3 used about 15T). "
        "Compute runs to millions of GPU-hours on thousands of GPUs.",
        "Modern pre-training uses roughly 1-15 billion tokens (Llama 3 used about 15B).",
        "15 billion where the model answer says 15 trillion",
        "Pre-training takes around 15 trillion tokens, as Llama 3 did with 15T."),
    # "billions+" counts parameters too, so only a scale the sentence never gives reverses it.
    "a scale word counting something else in the sentence": (
        "How do modern LLMs differ from classic language models?",
        "Classic n-grams and RNNs with millions of parameters vs Transformers with billions+.",
        "Transformers have thousands of parameters.",
        "thousands where the model answer says millions",
        "Transformers have billions of parameters."),
    # "Recall@k" opens the clause as one name, so the check for a predicate given to another subject sees it.
    "two metrics' definitions traded": (
        "What do recall@k and precision@k measure?",
        "Recall@k is the fraction of the relevant documents that appear in the top k results. "
        "Precision@k is the fraction of the top k results that are relevant.",
        "Recall@k is the fraction of the top k results that are relevant.",
        "'Recall@k' where the model answer says 'Precision@k'",
        "Precision@k is the share of the top k results that are relevant."),
    "high against near-zero": (
        "How do you test temperature settings?",
        "Factual tasks should show near-zero variance between runs, while creative tasks vary a lot.",
        "Factual tasks should show high variance between runs.",
        "'high'",
        "Factual tasks should show near-zero variance between runs."),
    # The model answer's "X, not Y" spans a comma, where its clause is cut into segments.
    "rather than against a not after a comma": (
        "Why do LLMs sound confident when they are wrong?",
        "Pre-training rewards producing a likely continuation, not checking truth, so a guess feels like a fact.",
        "Pre-training rewards checking facts rather than producing a likely continuation.",
        "rather than",
        "Pre-training rewards a likely continuation rather than checking facts."),
    # ... and each side of "rather than" ends at a comma: voting is set against searching, not the price.
    "the sides of rather than ending at a comma": (
        "What is self-consistency, and when is it worth its cost?",
        "It votes over chains rather than searching a tree, cheaper than Tree of Thoughts.",
        "It searches a tree rather than voting over chains.",
        "rather than",
        "Unlike Tree of Thoughts it just votes instead of searching."),
    "a comparison whose first thing sits before its verb": (
        "Why does instruction tuning make hallucination worse?",
        "Instruction tuning for helpfulness makes it worse, because answering is rewarded more than declining.",
        "Instruction tuning makes it worse, because declining is rewarded more than answering.",
        "'declining more than answering'",
        "Instruction tuning makes it worse, since answering gets rewarded more than declining."),
    # "keeps X from": the negation reaches the words after "from", however long X is.
    "far where keeping from says near": (
        "Why does RLHF add a KL penalty?",
        "The KL penalty keeps the policy near the SFT reference model, so it cannot drift into text that "
        "exploits the reward model.",
        "The KL penalty pushes the policy to move far from the SFT reference model.",
        "'far' where the model answer says 'near'",
        "The KL penalty keeps the policy being trained from moving too far from the SFT reference model."),
    # "10%" is the model answer's "10 points": only another figure differs.
    "another figure, whatever its unit": (
        "How would you test for the lost-in-the-middle effect?",
        "Measure accuracy at each position. If middle positions are more than about 10 points worse than "
        "the ends, reorder the retrieved chunks.",
        "If the middle is more than about 40% worse than the ends, reorder the retrieved chunks.",
        "40% where the model answer says 10",
        "If the middle is more than about 10% worse than the ends, reorder the retrieved chunks."),
    # A negation inside the condition an answer sets ("only if prompting can't") denies nothing.
    "a negation outside the condition": (
        "When should you fine-tune rather than prompt?",
        "Try prompt engineering first and fine-tune only when prompting gets too little of the target "
        "behaviour.",
        "I'd not try prompt engineering first, and only fine-tune if prompting can't get the target behaviour.",
        "a negation the model answer does not have",
        "I'd try prompt engineering first and only fine-tune if prompting can't get the target behaviour."),
}


@pytest.mark.parametrize(("question", "reference", "reversed_", "why", "restated"), list(REVERSALS.values()),
                         ids=list(REVERSALS))
def test_a_reversal_is_caught_and_the_claim_restated_is_not(question: str, reference: str, reversed_: str,
                                                             why: str, restated: str, hashing) -> None:
    flipped = _contradictions(question, reference, reversed_, hashing)
    assert flipped and why in flipped[0]["why"], flipped
    assert _contradictions(question, reference, restated, hashing) == []


def test_a_clause_denying_a_misconception_does_not_make_it(hashing) -> None:
    # The claim's own negation ("predict nothing") reaches the verb the answer affirms ("can predict"):
    # the answer states the correction, in the claim's words.
    rubric = from_parts(
        "What do scaling laws say about LLM training?",
        "Scaling laws are empirical fits: a language model's loss falls as a smooth power law in parameters, "
        "training tokens and compute, toward an irreducible floor. Because the curves are regular, labs fit "
        "them on small runs and predict the loss of a much larger run before paying for it.",
        misconceptions=[{"claim": "Loss drops exponentially and jumps unpredictably, so small runs predict nothing.",
                         "correction": "Loss follows smooth power laws that extrapolate from small runs."}])
    stem_ = "Loss falls as a power law in parameters, data and compute, "
    denied = grade_rubric(rubric, stem_ + "so you can predict how a bigger model will do from smaller experiments.",
                          encoder=hashing)
    assert denied.misconception is None and not denied.details["misconception_signals"]
    assert denied.verdict is not Verdict.WRONG
    made = grade_rubric(rubric, stem_ + "but small runs predict nothing about a bigger model.", encoder=hashing)
    assert made.misconception is not None


def test_a_negation_with_the_opposite_word_makes_the_claim(hashing) -> None:
    # "don't need" says "optional": the negation and the reversed word agree, so the clause makes the claim.
    rubric = from_parts(
        "What are the standard components of a well-structured prompt?",
        "A typical prompt has a system message that sets the role, context with the background the model "
        "needs, the instruction, the input data, and an output-format section that says what shape the "
        "answer should take.",
        misconceptions=[{"claim": "Only the instruction matters; context and format are optional decoration.",
                         "correction": "Missing context and an unspecified format are common causes of bad outputs."}])
    answer = "Write a clear instruction. You don't need to specify an output format or give any context."
    assert "clause" in grade_rubric(rubric, answer, encoder=hashing).details["misconception_signals"]
