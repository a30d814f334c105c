"""The ingest's answer written directly is the one JSONResponse renders from ``to_json``."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from starlette.responses import JSONResponse

from accord.service.ingest_report import IngestReport, ItemResult

# ids and reasons with what JSON escapes (quotes, controls), what it cannot carry (NUL, lone
# surrogates) and what it carries as it is (accents, a character beyond the BMP)
_texts = st.text(
    alphabet=st.sampled_from(['"', "\\", "\n", "\x01", "\x00", "\ud800", "é", "😀", "a", "/"]),
    max_size=8,
)
_results = st.builds(
    ItemResult,
    row=st.integers(1, 50_000),
    status=st.sampled_from(["accepted", "duplicate", "rejected"]),
    event_id=st.none() | _texts,
    field=st.none() | _texts,
    reason=st.none() | _texts,
)
_usual = st.builds(
    ItemResult,
    row=st.integers(1, 5_000),
    status=st.sampled_from(["accepted", "duplicate"]),
    event_id=st.text(max_size=12).filter(lambda t: "\x00" not in t),
)


@given(st.lists(_results, max_size=20))
def test_the_written_body_is_the_rendered_json_of_any_report(results: list[ItemResult]) -> None:
    report = IngestReport(results)
    assert report.body() == JSONResponse(report.to_json()).body


@given(st.lists(_usual, max_size=30))
def test_the_written_body_of_accepted_and_duplicate_rows_is_the_rendered_json(
    results: list[ItemResult],
) -> None:
    report = IngestReport(results)
    assert report.body() == JSONResponse(report.to_json()).body


@given(st.lists(_results, max_size=20))
def test_counts_in_one_pass_are_the_counts_by_status(results: list[ItemResult]) -> None:
    report = IngestReport(results)
    expected = tuple(report.count(s) for s in ("accepted", "duplicate", "rejected"))
    assert report.counts() == expected
