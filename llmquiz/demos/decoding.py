"""Greedy vs beam search vs sampling: three ways to continue one prompt with the tiny model.

Greedy takes the argmax at every step; beam search keeps the B partial continuations with the highest
total log-probability and so can find a likelier sequence that starts with a less likely token (B = 1
is greedy); sampling draws each token from softmax(logits / T) with a seeded generator. Each
continuation is scored by its sequence log-probability under the model at T = 1, token by token.
Leaves out: length penalties, repetition penalties and stop sequences (a continuation ends at <eos>).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmquiz.demos.numerics import log_softmax, r, show_token, tiny_model
from llmquiz.demos.result import Bars, DemoResult, Note, Table


def token_logprobs(model: Any, prompt_ids: list[int], new_ids: list[int]) -> list[float]:
    """log p(new_ids[j] | prompt, new_ids[:j]) for each generated token, at temperature 1."""
    if not new_ids:
        return []
    logp = log_softmax(model.logits(prompt_ids + new_ids[:-1]))
    start = len(prompt_ids) - 1  # row t of the logits predicts the token at t + 1
    return [float(logp[start + j, t]) for j, t in enumerate(new_ids)]


def _entry(model: Any, method: str, prompt_ids: list[int], new_ids: list[int]) -> dict[str, Any]:
    lps = token_logprobs(model, prompt_ids, new_ids)
    return {"method": method, "text": model.decode(new_ids), "ids": list(new_ids),
            "tokens": [show_token(model.token_text(i)) for i in new_ids],
            "token_logprobs": [r(x) for x in lps], "logprob": r(sum(lps)),
            "mean_logprob": r(sum(lps) / len(lps)) if lps else 0.0}


def differences(a: list[int], b: list[int]) -> int:
    """Positions where two continuations differ (a missing token counts as a difference)."""
    return sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    model = tiny_model()
    prompt, beam, n, temp = args["prompt"], args["beam"], args["new_tokens"], args["temperature"]
    ids = model.encode(prompt, bos=True)[-model.context:]
    greedy = _entry(model, "greedy", ids, model.greedy(ids, n))
    beams = [_entry(model, f"beam {i + 1} of {beam}", ids, new) for i, (new, _) in
             enumerate(model.beam_search(ids, n, beam))]
    samples = [_entry(model, f"sample {i + 1} (T = {temp:g})", ids, model.sample(ids, n, temperature=temp, rng=rng))
               for i in range(args["samples"])]
    best = beams[0]
    diff = differences(best["ids"], greedy["ids"])
    rows = [greedy, *beams, *samples]
    sections = (
        Table(f"continuations of {prompt!r} ({n} new tokens at most)", ("method", "continuation", "log p",
                                                                        "per token"),
              tuple((e["method"], e["text"].replace("\n", "⏎"), f"{e['logprob']:.2f}", f"{e['mean_logprob']:.2f}")
                    for e in rows), highlight=(1,)),
        Table("greedy, token by token", ("step", "token", "log p", "p"),
              tuple((str(j + 1), tok, f"{lp:.2f}", f"{np.exp(lp):.3f}") for j, (tok, lp) in
                    enumerate(zip(greedy["tokens"], greedy["token_logprobs"], strict=True)))),
        Bars("sequence log-probability (higher is likelier)", tuple(e["method"] for e in rows),
             tuple(-e["logprob"] for e in rows), tuple(f"{e['logprob']:.2f}" for e in rows)),
        Note(f"The best beam differs from greedy in {diff} position{'s' if diff != 1 else ''}"
             + (" (B = 1 is exactly greedy)." if beam == 1 else
                f"; its log p is {best['logprob'] - greedy['logprob']:+.2f} vs greedy's.")
             + " Bars show -log p: shorter is likelier."),
    )
    data = {"prompt": prompt, "beam": beam, "new_tokens": n, "temperature": temp,
            "greedy": greedy, "beams": beams, "samples": samples,
            "best_beam_logprob": best["logprob"], "greedy_logprob": greedy["logprob"],
            "differences_from_greedy": diff, "beam_gain": r(best["logprob"] - greedy["logprob"])}
    return DemoResult(name, (
        "Greedy picks the likeliest next token every step; beam search keeps the B likeliest partial "
        "sequences, so it can find a likelier whole sequence.",
        "Sampling draws from softmax(logits / T): varied text, lower log-probability. Log p sums the "
        "log-probabilities of the generated tokens."), data, sections, measured=("samples",))
