"""Reading untrusted JSON: depth measured before parsing, and a streamed document read exactly."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmquiz.jsonstream import Reader, depth, loads, too_deep

VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                  max_size=4), max_leaves=15)


def test_depth_ignores_brackets_inside_strings() -> None:
    assert depth('{"a": [1, [2]], "b": "[[[\\"]]]"}') == 3
    assert depth("42") == 0 and depth("[]") == 1


def test_deep_nesting_is_a_value_error_not_a_recursion_error() -> None:
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000, "[" * 100_000):
        assert too_deep(text)
        with pytest.raises(ValueError, match="nested deeper than 100 levels"):
            loads(text)
    assert loads("[" * 100 + "]" * 100) == json.loads("[" * 100 + "]" * 100)


@settings(max_examples=150, deadline=None)
@given(items=st.lists(VALUES, max_size=8), chunk=st.integers(1, 64), indent=st.sampled_from([None, 1]))
def test_a_streamed_array_reads_as_json_loads_does_whatever_the_chunk_size(items: list, chunk: int,
                                                                           indent: int | None) -> None:
    text = json.dumps(items, indent=indent)
    reader = Reader(io.StringIO(text), chunk=chunk)
    reader.take("[")
    out = []
    if reader.peek() == "]":
        reader.take("]")
    else:
        while True:
            out.append(reader.value())
            if reader.take(",]") == "]":
                break
    assert reader.at_end() and out == items and reader.line == text.count("\n") + 1


def test_a_value_over_the_size_limit_is_refused_without_reading_it_all() -> None:
    class Endless(io.StringIO):
        read_total = 0

        def read(self, n: int = -1) -> str:
            Endless.read_total += n
            return '"' + "x" * (n - 1) if Endless.read_total == n else "x" * n

    reader = Reader(Endless(), chunk=1024, max_value=10_000)
    with pytest.raises(ValueError, match="longer than 10,000 characters"):
        reader.value()
    assert Endless.read_total < 20_000
