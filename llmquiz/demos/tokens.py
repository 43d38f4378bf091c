"""Tokens as GPT-4 (cl100k_base) and GPT-4o (o200k_base) see them, with tiktoken.

Shows each token coloured with its id, characters per token, the price of the text at a given rate,
why spelling questions ("how many r's in strawberry?") are hard (the model sees a few ids, not letters),
and how the same sentence costs more tokens in other scripts. The translations are fixed sentences.
Leaves out: chat-format overhead tokens, and other vendors' tokenizers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmquiz.demos.numerics import show_token
from llmquiz.demos.result import DemoResult, Note, Spans, Table
from llmquiz.encodings import ENCODING_NAMES, get_encoding

TRAP_WORD = "strawberry"

# One sentence in several scripts ("The weather is nice today, so let's go for a walk.").
TRANSLATIONS: tuple[tuple[str, str], ...] = (
    ("English", "The weather is nice today, so let's go for a walk."),
    ("German", "Das Wetter ist heute schön, also lass uns spazieren gehen."),
    ("Spanish", "Hoy hace buen tiempo, así que vamos a dar un paseo."),
    ("Russian", "Сегодня хорошая погода, так что давай пойдём погулять."),
    ("Greek", "Ο καιρός είναι ωραίος σήμερα, οπότε ας πάμε μια βόλτα."),
    ("Hindi", "आज मौसम अच्छा है, तो चलो टहलने चलते हैं।"),
    ("Arabic", "الطقس جميل اليوم، فلنذهب في نزهة."),
    ("Chinese", "今天天气很好，我们去散步吧。"),
    ("Japanese", "今日は天気がいいので、散歩に行きましょう。"),
    ("Thai", "วันนี้อากาศดี ไปเดินเล่นกันเถอะ"),
)


def token_pieces(enc: Any, ids: list[int]) -> list[str]:
    """Each token's text; a token holding part of a multi-byte character shows as �."""
    return [enc.decode_single_token_bytes(i).decode("utf-8", errors="replace") for i in ids]


def encode(enc: Any, text: str) -> list[int]:
    """Token ids of `text`; special-token strings in it count as plain text, as in user input."""
    return enc.encode(text, disallowed_special=())


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    text, chosen, price = args["text"], args["encoding"], args["price"]
    encs = {n: get_encoding(n) for n in ENCODING_NAMES}
    enc = encs[chosen]
    ids = encode(enc, text)
    pieces = token_pieces(enc, ids)
    counts = {n: len(encode(e, text)) for n, e in encs.items()}
    count = len(ids)
    cost = count * price / 1e6

    trap_ids = encode(enc, TRAP_WORD)
    trap_pieces = token_pieces(enc, trap_ids)
    english = {n: len(encode(e, TRANSLATIONS[0][1])) for n, e in encs.items()}
    scripts = [{"language": lang, "text": t, "chars": len(t),
                **{n: len(encode(e, t)) for n, e in encs.items()}} for lang, t in TRANSLATIONS]

    sections = (
        Spans(f"{count} tokens in {chosen} ({len(text)} characters, {len(text) / count:.2f} characters "
              "per token)", tuple(pieces), caption="ids: " + " ".join(str(i) for i in ids[:60])
              + (" …" if count > 60 else "")),
        Table("token counts", ("encoding", "tokens", "chars/token", f"cost at ${price:g}/M"),
              tuple((n, str(c), f"{len(text) / c:.2f}", f"${c * price / 1e6:.6f}") for n, c in counts.items()),
              highlight=(list(counts).index(chosen),)),
        Table(f"the letter-counting trap: {TRAP_WORD!r} has {TRAP_WORD.count('r')} r's",
              ("token", "id", "r's hidden inside"),
              tuple((show_token(p), str(i), str(p.count("r"))) for p, i in zip(trap_pieces, trap_ids, strict=True))),
        Note(f"The model receives {len(trap_ids)} ids, not 10 letters; counting r's means recalling how each "
             "token is spelled, which it learned only indirectly."),
        Table("the same sentence in other scripts: tokens, and × the English count",
              ("language", "characters", *(x for n in encs for x in (n, "×"))),
              tuple((s["language"], str(s["chars"]),
                     *(x for n in encs for x in (str(s[n]), f"{s[n] / english[n]:.1f}×"))) for s in scripts)),
    )
    data = {"encoding": chosen, "text": text, "count": count, "tokens": pieces, "ids": ids,
            "chars": len(text), "chars_per_token": round(len(text) / count, 4), "counts": counts,
            "price_per_million": price, "cost_usd": cost,
            "strawberry": {"word": TRAP_WORD, "tokens": trap_pieces, "ids": trap_ids,
                           "r_count": TRAP_WORD.count("r")},
            "scripts": scripts}
    return DemoResult(name, (
        "Models read token ids, not characters: a tokenizer splits text into frequent byte sequences "
        "(~4 characters of English each).",
        "Price, context limits and odd failures (spelling, arithmetic, non-English text) all follow from "
        "the token count."), data, sections)
