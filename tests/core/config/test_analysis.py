"""analyze_policies: warnings for policies that can never be selected, and only certain ones."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.config.analysis import PolicyLocation, analyze_policies
from accord.core.config.models import FieldTest
from accord.core.config.resolved import test_field as field_passes
from accord.core.events import FieldValue
from accord.errors import ConfigIssue


def _policy(name: str, when: dict[str, Any], line: int | None = None) -> PolicyLocation:
    tests = {k: FieldTest.model_validate(v) for k, v in when.items()}
    return PolicyLocation(name, tests, "p.yaml", line, f"policies[{name}]")


def _warnings(*policies: PolicyLocation) -> dict[str, ConfigIssue]:
    return {
        i.path.removeprefix("policies[").removesuffix("]"): i for i in analyze_policies(policies)
    }


# ---------------------------------------------------------------- shadowing


def test_an_earlier_catch_all_shadows_every_later_policy() -> None:
    got = _warnings(
        _policy("All", {}, 2), _policy("Gold", {"customer": "acme"}, 5), _policy("X", {}, 9)
    )
    assert set(got) == {"Gold", "X"}
    issue = got["Gold"]
    assert issue.severity == "warning"
    assert (issue.file, issue.line) == ("p.yaml", 5)
    assert "'Gold'" in issue.message and "'All'" in issue.message
    assert "catch-all" in issue.message and "p.yaml:2" in issue.message
    assert "move 'Gold' above 'All'" in issue.hint


def test_identical_conditions_are_reported_as_overlapping_completely() -> None:
    got = _warnings(
        _policy("A", {"customer": ["acme", "globex"], "tags": {"any": ["vip"]}}, 1),
        _policy("B", {"tags": {"any": ["vip"]}, "customer": {"in": ["globex", "acme"]}}, 7),
    )
    assert set(got) == {"B"}
    assert "overlap completely" in got["B"].message
    assert "p.yaml:1" in got["B"].message


def test_two_catch_alls_overlap_completely() -> None:
    got = _warnings(_policy("A", {}), _policy("B", {}))
    assert "overlap completely" in got["B"].message


def test_an_earlier_policy_with_a_superset_of_values_shadows_a_narrower_one() -> None:
    got = _warnings(
        _policy("Broad", {"customer": ["acme", "globex"]}),
        _policy("Narrow", {"customer": "acme", "priority": "urgent"}),
    )
    assert set(got) == {"Narrow"}
    assert "broader policy 'Broad'" in got["Narrow"].message


def test_a_narrower_earlier_policy_does_not_shadow_a_broader_later_one() -> None:
    assert (
        _warnings(
            _policy("Narrow", {"customer": "acme", "priority": "urgent"}),
            _policy("Broad", {"customer": ["acme", "globex"]}),
        )
        == {}
    )


def test_an_earlier_policy_testing_a_field_the_later_leaves_open_does_not_shadow_it() -> None:
    assert _warnings(_policy("A", {"team": "l1"}), _policy("B", {"customer": "acme"})) == {}


def test_partly_overlapping_values_do_not_shadow() -> None:
    assert (
        _warnings(
            _policy("A", {"customer": ["acme", "globex"]}),
            _policy("B", {"customer": ["acme", "x"]}),
        )
        == {}
    )


def test_an_exclusion_shadows_a_later_policy_pinned_to_another_value() -> None:
    got = _warnings(
        _policy("NotAcme", {"customer": {"ne": "acme"}}), _policy("G", {"customer": "globex"})
    )
    assert set(got) == {"G"}
    assert (
        _warnings(
            _policy("NotAcme", {"customer": {"not_in": ["acme"]}}),
            _policy("A", {"customer": "acme"}),
        )
        == {}
    )


def test_exists_true_shadows_any_policy_requiring_a_value() -> None:
    got = _warnings(
        _policy("Owned", {"assignee": {"exists": True}}), _policy("Bob", {"assignee": "bob"})
    )
    assert set(got) == {"Bob"}
    assert (
        _warnings(
            _policy("Unowned", {"assignee": {"exists": False}}),
            _policy("NotBob", {"assignee": {"ne": "bob"}}),
        )
        == {}
    )


def test_tag_tests_shadow_by_set_reasoning() -> None:
    # any of {vip, gold} is implied by containing vip
    assert set(
        _warnings(
            _policy("A", {"tags": {"any": ["vip", "gold"]}}),
            _policy("B", {"tags": {"all": ["vip"]}}),
        )
    ) == {"B"}
    # the reverse is not certain
    assert (
        _warnings(
            _policy("A", {"tags": {"all": ["vip"]}}),
            _policy("B", {"tags": {"any": ["vip", "gold"]}}),
        )
        == {}
    )
    # 'none of spam' is implied by 'none of spam and junk', and by having no tags at all
    got = _warnings(
        _policy("Clean", {"tags": {"none": ["spam"]}}),
        _policy("Cleaner", {"tags": {"none": ["spam", "junk"]}}),
        _policy("Untagged", {"tags": {"exists": False}}),
    )
    assert set(got) == {"Cleaner", "Untagged"}


def test_a_boolean_and_a_number_are_never_assumed_to_match_the_same_values() -> None:
    assert (
        _warnings(_policy("One", {"flag": {"eq": 1}}), _policy("True", {"flag": {"eq": True}}))
        == {}
    )


def test_a_policy_that_can_never_match_does_not_shadow_later_ones() -> None:
    got = _warnings(_policy("Dead", {"customer": {"in": []}}), _policy("B", {"customer": "acme"}))
    assert set(got) == {"Dead"}


def test_a_policy_shadowed_by_several_earlier_ones_is_named_once() -> None:
    issues = analyze_policies([_policy("A", {}), _policy("B", {}), _policy("C", {"x": "1"})])
    assert [i.path for i in issues] == ["policies[B]", "policies[C]"]


# ---------------------------------------------------------------- conditions that never hold


def test_an_empty_in_list_can_never_hold() -> None:
    got = _warnings(_policy("P", {"customer": {"in": []}}, 3))
    assert "'P' can never match" in got["P"].message
    assert "'customer'" in got["P"].message
    assert got["P"].line == 3


def test_eq_and_ne_of_the_same_value_can_never_hold() -> None:
    assert set(_warnings(_policy("P", {"priority": {"eq": "high", "ne": "high"}}))) == {"P"}


def test_eq_a_value_listed_in_not_in_can_never_hold() -> None:
    assert set(_warnings(_policy("P", {"team": {"eq": "l1", "not_in": ["l1", "l2"]}}))) == {"P"}


def test_requiring_and_excluding_a_tag_can_never_hold() -> None:
    assert set(_warnings(_policy("P", {"tags": {"all": ["vip"], "none": ["vip"]}}))) == {"P"}
    assert set(_warnings(_policy("Q", {"tags": {"eq": "vip", "exists": False}}))) == {"Q"}


def test_two_different_values_for_one_scalar_field_can_never_hold() -> None:
    assert set(_warnings(_policy("P", {"priority": {"eq": "high", "in": ["low", "normal"]}}))) == {
        "P"
    }


def test_a_custom_field_may_hold_a_list_so_two_required_values_are_satisfiable() -> None:
    # a custom field with the values (a, b) passes eq a and in [b]
    assert _warnings(_policy("P", {"region": {"eq": "a", "in": ["b"]}})) == {}
    assert field_passes(
        FieldTest.model_validate({"eq": "a", "in": ["b"]}), ("a", "b"), is_tags=False
    )


# ---------------------------------------------------------------- soundness

_SCALARS: list[FieldValue] = [
    None,
    "a",
    "b",
    "1",
    "1.0",
    "True",
    "",
    1,
    0,
    1.0,
    0.0,
    2,
    True,
    False,
]
_TUPLES: list[FieldValue] = [(), ("a",), ("b",), ("a", "b"), ("a", "c"), ("1",), ("True",)]
_POOL: dict[str, list[FieldValue]] = {
    "priority": _SCALARS,
    "tags": [None, *_TUPLES, "a", ""],
    "custom": _SCALARS + _TUPLES,
}
_value = st.sampled_from(["a", "b", "1", "1.0", "True", 1, 1.0, 0, 2, True, False])
_tag = st.sampled_from(["a", "b", "c", "1", "True"])
_test = st.fixed_dictionaries(
    {},
    optional={
        "eq": _value,
        "ne": _value,
        "in": st.lists(_value, max_size=3),
        "not_in": st.lists(_value, max_size=3),
        "any": st.lists(_tag, max_size=3),
        "all": st.lists(_tag, max_size=2),
        "none": st.lists(_tag, max_size=3),
        "exists": st.booleans(),
    },
).filter(bool)


@settings(max_examples=600, deadline=None)
@given(field=st.sampled_from(sorted(_POOL)), a=_test, b=_test)
def test_every_warning_is_certain_for_every_possible_field_value(
    field: str, a: dict[str, Any], b: dict[str, Any]
) -> None:
    ta, tb = FieldTest.model_validate(a), FieldTest.model_validate(b)
    issues = _warnings(_policy("A", {field: a}), _policy("B", {field: b}))
    values = _POOL[field]
    is_tags = field == "tags"
    if "A" in issues:  # A can never match
        assert not any(field_passes(ta, v, is_tags=is_tags) for v in values)
    if "B" in issues:
        if "never hold" in issues["B"].message:
            assert not any(field_passes(tb, v, is_tags=is_tags) for v in values)
        else:  # shadowed: every value B accepts, A accepts
            for v in values:
                if field_passes(tb, v, is_tags=is_tags):
                    assert field_passes(ta, v, is_tags=is_tags), v


def test_policies_from_a_configuration_can_be_analysed_directly() -> None:
    from accord.core.config.resolved import Policy

    a = Policy("A", 0, {}, [])
    b = Policy("B", 1, {"customer": FieldTest.model_validate("acme")}, [])
    [issue] = analyze_policies([a, b])
    assert issue.path == "policies[1]"
