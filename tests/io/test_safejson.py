"""JSON read within limits: every way Python's ``json`` gives way (recursion, 4,300-digit
integers, infinities, NaN, lone surrogates) is an InputError naming what and where."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from accord.errors import InputError
from accord.io import safejson
from accord.io.safejson import JsonLimits


def reason(data: bytes | str, limits: JsonLimits = safejson.LIMITS) -> str:
    with pytest.raises(InputError) as caught:
        safejson.loads(data, limits=limits)
    return caught.value.message


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_nesting_deeper_than_the_limit_is_refused_at_any_depth(depth: int) -> None:
    assert "nested deeper than 64 levels" in reason("[" * depth + "]" * depth)
    assert "nested deeper" in reason('{"a":' * depth + "1" + "}" * depth)


def test_nesting_up_to_the_limit_is_read() -> None:
    assert safejson.loads("[" * 64 + "]" * 64) is not None


@pytest.mark.parametrize("text", ["1" * 101, "-" + "1" * 100, "1" * 5_000, "0." + "1" * 99])
def test_a_number_written_with_more_than_100_characters_is_refused(text: str) -> None:
    assert "at most 100 are read" in reason(text)


@pytest.mark.parametrize("text", ["1e999", "-1e400", "NaN", "Infinity", "-Infinity"])
def test_numbers_json_has_not_are_refused(text: str) -> None:
    assert "not accepted" in reason(text)


def test_a_lone_surrogate_is_refused_with_its_path_unless_the_caller_checks_them() -> None:
    text = '{"fields": {"tags": ["ok", "\\ud800"]}}'
    with pytest.raises(InputError) as caught:
        safejson.loads(text)
    assert caught.value.details[0]["path"] == "$.fields.tags[1]"
    assert "surrogate" in caught.value.message
    got = safejson.loads(text, limits=safejson.LIMITS.but(surrogates=True))
    assert safejson.lone_surrogate_path(got) == "$.fields.tags[1]"
    assert safejson.lone_surrogate_path({"\udc80key": 1}) == '$["\\udc80key"]'
    assert safejson.loads('"\\ud83d\\ude00"') == "\U0001f600"  # a pair is one character


def test_text_and_bodies_over_their_limits_are_refused() -> None:
    limits = safejson.LIMITS.but(max_string_chars=10, max_bytes=100)
    assert "at most 10" in reason('{"k": "' + "x" * 11 + '"}', limits)
    assert "at most 10" in reason('{"' + "k" * 11 + '": 1}', limits)
    assert "over the limit of 100 bytes" in reason(b"[" + b"1," * 60 + b"1]", limits)


def test_bytes_that_are_not_utf8_or_not_json_are_refused_with_where() -> None:
    assert "not UTF-8" in reason(b'{"a": "\xff"}')
    assert "line 1, column 7" in reason('{"a": }')


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_json_within_the_limits_reads_as_json_does(value: Any) -> None:
    text = json.dumps(value)
    got = safejson.loads(text, limits=safejson.LIMITS.but(max_number_chars=1000))
    assert got == json.loads(text)


# the walk first_problem did for every value before it looked for a problem-free value fast
def _walked_first_problem(value: Any, limits: JsonLimits) -> tuple[str, str] | None:
    for path, depth, item in safejson._walk(value, limits.max_depth):
        if isinstance(item, dict | list) and depth >= limits.max_depth:
            return path, safejson._too_deep(limits)
        if isinstance(item, str):
            got = safejson.string_problem(item, limits)
            if got is not None:
                return path, got
    return None


_texts = st.text(
    alphabet=st.sampled_from(["a", "é", "\ud800", "\udfff", "_", " ", "1"]), max_size=6
)
_nested = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_texts, inner, max_size=4),
    max_leaves=30,
)


@given(
    value=_nested,
    depth=st.integers(0, 5),
    chars=st.integers(0, 6),
    surrogates=st.booleans(),
)
def test_first_problem_names_the_same_path_and_reason_as_the_full_walk(
    value: Any, depth: int, chars: int, surrogates: bool
) -> None:
    limits = JsonLimits(max_depth=depth, max_string_chars=chars, surrogates=surrogates)
    assert safejson.first_problem(value, limits) == _walked_first_problem(value, limits)


@given(value=_nested, depth=st.integers(0, 5), chars=st.integers(0, 200))
def test_loads_with_surrogates_left_to_the_caller_answers_as_the_full_walk(
    value: Any, depth: int, chars: int
) -> None:
    # loads' depth-only check (no string can outgrow the text) against the full walk's answer
    limits = JsonLimits(
        max_depth=depth, max_string_chars=chars, surrogates=True, max_number_chars=10_000
    )
    assume("Infinity" not in (text := json.dumps(value)))  # refused before any walk
    problem = _walked_first_problem(json.loads(text), limits)
    if problem is None:
        assert safejson.loads(text, limits=limits) == json.loads(text)
    else:
        with pytest.raises(InputError) as e:
            safejson.loads(text, limits=limits)
        assert e.value.details[0] == {"path": problem[0], "reason": problem[1]}


@given(value=_nested, depth=st.integers(0, 6))
def test_the_depth_only_check_agrees_with_the_walk_on_depth(value: Any, depth: int) -> None:
    limits = JsonLimits(max_depth=depth, max_string_chars=10**9, surrogates=True)
    assert safejson._shallow(value, limits) == (_walked_first_problem(value, limits) is None)
