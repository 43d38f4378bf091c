"""Hypothesis strategies for hostile deck files, and the check that every accepted deck is usable.

Shared by the bounded fuzz in the default suite (tests/test_deck_fuzz.py) and the 10,000-case run
(tools/fuzz_decks.py). A generated file starts from a valid deck and has its values swapped for
what a stranger could write: YAML tags (`!!bool`, `!!binary`, `!!set`, ...), numbers in every YAML
spelling, control characters and Rich markup in text, anchors and nested aliases, duplicate keys,
unknown fields, and raw edits that break the syntax.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

# Plain scalars that YAML reads as other types, or that look like numbers to one reader and not another.
PLAIN = ("q", "rag", "1", "2", "3", "0", "-1", "1.0", "2.5", "1e400", "-1e400", ".nan", ".inf", "-.inf", "0x1F",
         "0o17", "1_000", "true", "false", "yes", "no", "on", "off", "null", "~", "2024-01-01",
         "2024-01-01 10:00:00", "2024-13-45", "12:30:00", "kvcache", "tokens", "positions", "moe", "bpe",
         "attention", "loss", "decoding", "layers", "text", "d_model", "offset", "=", "<<", "1" * 5000)
TAGS = ("!!bool", "!!int", "!!float", "!!str", "!!null", "!!binary", "!!timestamp", "!!set", "!!omap",
        "!!pairs", "!!seq", "!!map", "!!python/name:os.system", "!custom", "!<tag:yaml.org,2002:int>", "!!merge",
        "!!value")
# Characters a terminal acts on, or that Rich reads as markup, in double-quoted YAML (escaped there).
NASTY = ("\x1b[2J", "\x1b]0;pwned\x07", "\x1b]8;;https://evil.example\x1b\\", "\r", "\x08", "\x00", "\x9b31m",
         "\u202e", "\u2066", "[link=https://evil.example]x[/link]", "a [/] b", "[bold]", ":smile:", "\t",
         "\n", "é", "\U0001f600", "\\")


def _quoted(text: str) -> str:
    """`text` as a double-quoted YAML scalar: control characters as escapes, as a hostile author writes them."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in "\u2028\u2029":
            out.append(f"\\x{ord(ch):02x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("?")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _bomb(levels: int, width: int) -> str:
    """Nested aliases: `levels` anchors, each a list of `width` aliases to the one before."""
    parts = ["&a0 [l, l, l]"] + [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "[" + ", ".join(parts) + f", *a{levels - 1}]"


texts = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=8)), max_size=4).map("".join)
scalars = st.one_of(
    st.sampled_from(PLAIN),
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    texts.map(_quoted),
    st.tuples(st.sampled_from(TAGS), st.sampled_from(PLAIN[:30])).map(" ".join),
    st.sampled_from(("!!binary aGVsbG8=", "!!binary '!!!'", '!!set {a, b}', "!!omap [{a: 1}]", "!!pairs [{a: 1}]",
                     "!!bool maybe", "!!int x", "!!float x", "!!timestamp 2024-02-30", "!!str [a]")),
    st.builds(_bomb, st.integers(2, 12), st.integers(2, 9)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(st.sampled_from(PLAIN[:40]), inner), max_size=3).map(
            lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"),
    ),
    max_leaves=8,
)


GOOD = {
    "id": "fz-card", "question": "What does the KV cache store?", "answer": "The keys and values of past tokens.",
    "key_points": "[keys and values, {point: past tokens, aliases: [past tokens, earlier tokens]}]",
    "difficulty": "2", "tags": "[memory, kv-cache]", "see_also": "[fz-other]",
    "misconceptions": "[{claim: It stores queries., correction: Queries are recomputed each step.}]",
    "demo": "{name: kvcache, args: {layers: 2}}", "accept": "[keys and values]", "reject": "[queries]",
    "predict": "{demo: kvcache, args: {layers: 2}, field: total_bytes, tolerance: 0.01}",
}


TEXT_FIELDS = ("question", "answer", "accept", "reject")
# Near misses per field: values a careless or hostile author writes that look almost right.
NEAR = {
    "difficulty": ("1.0", "2.0", "1e0", "true", "'2'", "0", "4", "!!float 2", "!!str 2", "2.5", ".nan"),
    "tags": ("[two words]", '["tab\\tin"]', "[!!bool true]", "!!bool true", "[ok, '']", '["esc\\x1b[2J"]',
             "[a,b]", "[é-ok]", "[x::y]", "[2024-01-01]", "[1.5]", "[[nested]]", "{a: 1}", "[" + "t" * 70 + "]"),
    "demo": ("{name: kvcache, args: false}", "{name: kvcache, args: {layers: 2024-01-01}}",
             "{name: kvcache, args: {layers: {a: 1}}}", "{name: kvcache, args: {layers: !!set {a}}}",
             "{name: kvcache, args: {layers: .nan}}", "{name: kvcache, args: {layers: 2.0}}",
             "{name: kvcache, args: {1: 2}}", "{name: tokens, args: {text: [a, b]}}", "kvcache",
             "{name: moe, args: {experts: 1024, tokens: 10000, d_model: 1024}}", "{name: positions, args: "
             "{d_model: 8192, positions: 64, offset: 100000}}", "{name: positions, args: {d_model: 15}}",
             "{name: moe, args: {experts: 2, top_k: 4}}", "{name: tokens, args: {text: \"\\x1b[2J[/]\"}}"),
    "predict": ("{demo: kvcache, field: total_bytes, tolerance: .inf}", "{demo: kvcache, field: x, tolerance: .nan}",
                "{demo: kvcache, field: total_bytes, tolerance: true}", "{demo: kvcache, field: total_bytes, "
                "tolerance: -1}", "{demo: kvcache, field: 12, args: {layers: 2}}", "{demo: kvcache, field: "
                "total_bytes, args: false}", "{demo: top-k, field: kept, args: {k: 99, logits: [1, 2]}}"),
    "key_points": ("[]", "[[a]]", "[{point: p}]", "[{point: p, aliases: []}]", "[{point: p, aliases: ['&']}]",
                   "[{point: p, aliases: [' & ', 'a &']}]", "[1.5]", "[!!binary aGVsbG8=]", "['']", "[true]"),
    "misconceptions": ("[{claim: c}]", "[{claim: c, correction: d, aliases: [1, true]}]",
                       "[{claim: 1, correction: 2}]"),
    "see_also": ("[fz-card-0]", "[fz-card-9]", "[1]", "[[]]", "[fz-card-0, fz-card-0]"),
}


@st.composite
def deck_files(draw: st.DrawFn) -> str:
    """The text of a deck file: a valid deck whose values, keys and bytes are tampered with.

    How much is tampered with varies per file, so many files stay valid (and their odd but legal
    values, like control characters in a question, reach the renderer) while others break everywhere.
    """
    rate = draw(st.sampled_from((0, 1, 1, 1, 40, 12, 4)))  # 1 in `rate` values replaced (0: none; 1: just one)
    cards = draw(st.integers(1, 3))
    # With rate 1, one near miss (any of NEAR's, equally likely) in one card, everything else valid.
    key, near = draw(st.sampled_from([(k, v) for k, vs in sorted(NEAR.items()) for v in vs]))
    odd = (draw(st.integers(0, cards - 1)), key) if rate == 1 else None

    def value(good: str, key: str = "", card: int = -1) -> str:
        if odd == (card, key):
            return near
        if rate > 1 and not draw(st.integers(0, rate - 1)):
            return draw(values)
        if key in TEXT_FIELDS and not draw(st.integers(0, 2)):
            text = _quoted(draw(texts) + " text")
            return text if key in ("question", "answer") else f"[{text}]"
        return good

    lines = [f"topic: {value('fz-topic')}", f"title: {value(_quoted(draw(texts)) or 'Fuzz')}",
             f"description: {value(_quoted(draw(texts) + ' d'))}", "cards:"]
    for n in range(cards):
        fields = dict(GOOD, id=f"fz-card-{n}", see_also="[fz-card-0]" if n else "[]")
        keep = draw(st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=3)) if rate else []
        chosen = [k for k in fields if k in ("id", "question", "answer", "key_points", "difficulty") or k not in keep
                  or (n, k) == odd]
        if rate > 1 and not draw(st.integers(0, 5)):
            chosen = chosen[1:]  # a required field left out
        first = True
        for key in draw(st.permutations(chosen)):
            lines.append(f"{'- ' if first else '  '}{key}: {value(fields[key], key, n)}")
            first = False
            if rate > 1 and not draw(st.integers(0, 15)):
                lines.append(f"  {key}: {value(fields[key], key)}")  # a duplicate key
        if rate > 1 and not draw(st.integers(0, 12)):
            lines.append(f"  {draw(st.sampled_from(PLAIN[:40]))}: {draw(values)}")  # an unknown field
    if rate > 1 and not draw(st.integers(0, 12)):
        bomb = _bomb(draw(st.integers(2, 12)), draw(st.integers(2, 9)))
        lines.insert(draw(st.integers(4, len(lines))), f"  bomb: {bomb}")
    if rate > 1 and not draw(st.integers(0, 12)):
        lines.insert(4, "- &shared {id: fz-a, question: q, answer: a, difficulty: 1, key_points: [p]}")
        lines.insert(5, "- *shared")
    text = "\n".join(lines) + "\n"
    for _ in range(draw(st.integers(0, 3)) if rate > 1 and not draw(st.integers(0, 3)) else 0):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(":[]{}&*!|>-#'\"\t\n ,?%@`\x00")) + text[at:]
    return text


def exercise(library: Any, encoder: Any, out_dir: Path, formats: tuple[str, ...] | None = None) -> None:
    """Use every card of a library without problems (what the commands accept) the way the commands do.

    Anything but an LlmquizError raised here is a bug: a value the validator accepted that the rest
    of llmquiz cannot use. `formats` limits the exports tried (all of them by default).
    """
    from rich.console import Console

    from llmquiz import demos, export, predict, render
    from llmquiz.errors import LlmquizError
    from llmquiz.grading import grade

    con = render.console()
    con.file = io.StringIO()
    plain = Console(file=io.StringIO(), width=80)  # a console with markup on: the render functions must not rely on it
    rows = [{"topic": d.topic, "title": d.title, "cards": len(d.cards), "due": 0, "seen": 0}
            for d in library.decks.values()]
    for out in (con, plain):
        render.topics_table(out, rows)
    for card in library.cards.values():
        json.dumps(card.to_dict())
        for out in (con, plain):
            render.question(out, card, 1, 1, "new")
            render.model_answer(out, card, with_points=True)
        if card.predict is None:
            render.grade(con, card, grade(card, card.answer[:200], encoder=encoder))
        for ref in (card.demo, card.predict):
            if ref is None:
                continue
            try:
                if ref is card.predict:
                    predict.expected_value(card.predict)
                else:
                    demos.render(demos.run(ref.name, ref.args), con)
            except LlmquizError:
                pass
    for fmt in export.FORMATS if formats is None else formats:  # the learner's copy: Anki, CSV, Markdown
        export.export(list(library.cards.values()), fmt, out_dir / f"cards.{fmt}", "Fuzz")


def write(tmp: Path, text: str, name: str = "fuzz.yaml") -> Path:
    path = tmp / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path
