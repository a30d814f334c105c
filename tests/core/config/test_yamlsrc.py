"""parse_yaml: plain data plus the 1-based line of every key and item, and parse problems."""

from __future__ import annotations

import textwrap
from datetime import date

from accord.core.config.yamlsrc import YamlSource, dotted, parse_yaml


def _parse(text: str, file: str = "x.yaml") -> YamlSource:
    return parse_yaml(textwrap.dedent(text).lstrip("\n"), file)


def test_lines_are_recorded_for_every_mapping_key_and_sequence_item() -> None:
    src = _parse(
        """
        policies:
          - name: Gold
            metrics:
              resolution: 8h
          - name: Silver
            metrics:
              first_response: 1h
              resolution: 24h
        """
    )
    assert src.issues == ()
    assert src.data["policies"][1]["metrics"] == {"first_response": "1h", "resolution": "24h"}
    assert src.line(("policies",)) == 1
    assert src.line(("policies", 0)) == 2
    assert src.line(("policies", 0, "name")) == 2
    assert src.line(("policies", 0, "metrics", "resolution")) == 4
    assert src.line(("policies", 1)) == 5
    assert src.line(("policies", 1, "metrics", "resolution")) == 8


def test_flow_style_items_get_the_line_they_are_written_on() -> None:
    src = _parse(
        """
        a:
          hours: {mon-fri: [["09:00", "17:00"]],
                  sat: [["10:00", "12:00"]]}
        """
    )
    assert src.line(("a", "hours", "mon-fri", 0)) == 2
    assert src.line(("a", "hours", "sat")) == 3
    assert src.line(("a", "hours", "sat", 0, 1)) == 3


def test_nearest_line_walks_up_to_the_closest_recorded_ancestor() -> None:
    src = _parse(
        """
        policies:
          - name: Gold
            metrics: {resolution: 8h}
        """
    )
    assert src.line(("policies", 0, "metrics", "resolution", "targets", "default")) is None
    assert src.nearest_line(("policies", 0, "metrics", "resolution", "targets", "default")) == 3
    assert src.nearest_line(("policies", 0, "calendar")) == 2
    assert src.nearest_line(("nothing",)) == 1  # the start of the document


def test_duplicate_key_is_an_error_naming_both_lines_and_the_last_value_wins() -> None:
    src = _parse(
        """
        calendars:
          eu:
            tz: UTC
          us:
            tz: UTC
          eu:
            tz: Europe/Berlin
        """
    )
    assert src.data["calendars"]["eu"] == {"tz": "Europe/Berlin"}
    [issue] = src.issues
    assert issue.severity == "error"
    assert issue.file == "x.yaml"
    assert issue.line == 6
    assert "line 2" in issue.message and "line 6" in issue.message
    assert issue.path == "calendars.eu"
    # the lines kept are those of the value that wins
    assert src.line(("calendars", "eu", "tz")) == 7


def test_duplicate_keys_at_the_top_level_are_reported_too() -> None:
    src = _parse("policies: []\nstatuses: {}\npolicies: []\n")
    [issue] = src.issues
    assert (issue.line, issue.path) == (3, "policies")


def test_a_syntax_error_becomes_an_issue_with_the_line_pyyaml_reports() -> None:
    src = _parse(
        """
        calendars:
          eu:
            tz: UTC
           hours: x
        """
    )
    assert src.data is None
    [issue] = src.issues
    assert issue.severity == "error"
    assert issue.line == 4
    assert issue.message.startswith("YAML syntax error")


def test_an_unclosed_flow_sequence_is_reported_at_the_end_of_the_text() -> None:
    src = _parse("a: [1, 2\nb: 3\n")
    [issue] = src.issues
    assert issue.line is not None and issue.line >= 2


def test_more_than_one_document_in_a_file_is_an_issue() -> None:
    src = _parse("a: 1\n---\nb: 2\n")
    [issue] = src.issues
    assert issue.line == 2
    assert "one YAML document" in issue.hint


def test_an_unknown_tag_is_an_issue_not_an_exception() -> None:
    src = _parse("a: 1\nb: !include other.yaml\n")
    [issue] = src.issues
    assert issue.line == 2
    assert "tags" in issue.hint


def test_an_empty_document_has_no_data_and_no_issues() -> None:
    assert _parse("").data is None
    assert _parse("# only a comment\n").issues == ()


def test_times_of_day_written_plainly_stay_text_not_sexagesimal_numbers() -> None:
    src = _parse('hours: [[09:00, 17:00], ["18:00", 1:30:00]]\n')
    assert src.data["hours"] == [["09:00", "17:00"], ["18:00", "1:30:00"]]


def test_only_true_and_false_are_booleans_so_country_no_stays_text() -> None:
    src = _parse("a: NO\nb: yes\nc: on\nd: true\ne: False\nf: 'true'\n")
    assert src.data == {"a": "NO", "b": "yes", "c": "on", "d": True, "e": False, "f": "true"}


def test_dates_and_numbers_are_constructed_as_safeloader_makes_them() -> None:
    src = _parse("d: 2026-12-24\nq: '2026-12-24'\nn: 30\nx: 0.75\n")
    assert src.data == {"d": date(2026, 12, 24), "q": "2026-12-24", "n": 30, "x": 0.75}


def test_merge_keys_are_not_duplicates_and_keep_the_anchor_lines() -> None:
    src = _parse(
        """
        base: &base
          tz: UTC
          hours: x
        eu:
          <<: *base
          tz: Europe/Berlin
        """
    )
    assert src.issues == ()
    assert src.data["eu"] == {"tz": "Europe/Berlin", "hours": "x"}
    assert src.line(("eu", "tz")) == 6
    assert src.line(("eu", "hours")) == 3


def test_a_recursive_alias_does_not_hang_the_line_walk() -> None:
    src = _parse("a: &a [1, *a]\n")
    assert src.issues == ()
    assert src.data["a"][1] is src.data["a"]


def test_dotted_renders_indexes_in_brackets() -> None:
    assert dotted(("policies", 2, "metrics", "resolution")) == "policies[2].metrics.resolution"
    assert dotted(()) == ""


def test_yaml_nested_deeper_than_64_levels_is_an_issue_not_a_crash() -> None:
    for text in ("x: " + "[" * 65 + "]" * 65, "x: " + "[" * 50_000 + "]" * 50_000):
        src = parse_yaml(text, "deep.yaml")
        assert src.data is None
        assert [i.message for i in src.issues] == ["collections are nested deeper than 64 levels"]
    assert parse_yaml("x: " + "[" * 63 + "]" * 63, "ok.yaml").ok


def test_a_nul_character_in_yaml_is_an_issue_not_a_crash() -> None:
    src = parse_yaml("policies:\n  - name: a\x00b\n", "nul.yaml")
    assert src.data is None and "unacceptable character #x0000" in src.issues[0].message
