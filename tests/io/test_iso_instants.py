"""The compiled reading of ISO instants accepts exactly the plain forms and computes the same
instant as ``datetime`` does; every other text is left to the row validator."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.timeutil import MAX_EVENT_INSTANT, MIN_EVENT_INSTANT
from accord.io.iso_instants import iso_instants

# the reference: the columnar reader's pattern, digits ASCII only, the whole text
_PLAIN = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})[T ](?P<h>[0-9]{2}):(?P<mi>[0-9]{2}):"
    r"(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?(?:[Zz]|(?P<sign>[+-])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))"
)


def _reference(text: str | None) -> tuple[int, int] | None:
    """(seconds, microseconds) of a plain instant in the span, else ``None``."""
    m = _PLAIN.fullmatch(text) if text is not None else None
    if m is None:
        return None
    g = {k: int(v) for k, v in m.groupdict().items() if v is not None and k not in ("f", "sign")}
    if not 2 <= g["y"] <= 9998 or g.get("oh", 0) > 23 or g.get("om", 0) > 59:
        return None
    try:
        local = datetime(g["y"], g["mo"], g["d"], g["h"], g["mi"], g["s"], tzinfo=UTC)
    except ValueError:
        return None  # no such day or time
    shift = timedelta(hours=g.get("oh", 0), minutes=g.get("om", 0))
    if m["sign"] == "-":
        shift = -shift
    sec = int((local - shift - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
    if not MIN_EVENT_INSTANT <= sec < MAX_EVENT_INSTANT:
        return None
    frac = int((m["f"] or "0").ljust(6, "0"))
    return sec, frac


def _check(texts: list[str | None]) -> None:
    col = pa.chunked_array(
        [
            pa.array(texts[: len(texts) // 2], pa.string()),
            pa.array(texts[len(texts) // 2 :], pa.string()),
        ]
    )
    slow = np.zeros(len(texts), dtype=bool)
    sec, frac = iso_instants(col, slow)
    for i, text in enumerate(texts):
        want = _reference(text)
        if want is None:
            assert slow[i], text
        else:
            assert not slow[i], text
            assert (int(sec[i]), int(frac[i])) == want, text


instants = st.datetimes(
    min_value=datetime(1899, 12, 30), max_value=datetime(9998, 12, 31, 23, 59, 59)
)
offsets = st.sampled_from(["Z", "z", "+00:00", "-05:30", "+14:00", "+23:59", "-23:59", "+24:00"])


@st.composite
def iso_texts(draw: st.DrawFn) -> str:
    when = draw(instants)
    sep = draw(st.sampled_from(["T", " ", "t"]))
    digits = draw(st.integers(0, 7))
    frac = f".{when.microsecond:06d}{'0' * 7}"[: digits + 1] if digits else ""
    text = when.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + frac + draw(offsets)
    if draw(st.integers(0, 3)) == 0:  # one character changed: a wrong date, a letter, a space
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + draw(st.sampled_from(list("0913 -:.Z+٣"))) + text[at + 1 :]
    return text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(iso_texts(), st.none(), st.text(max_size=30)), min_size=1, max_size=40))
def test_instants_are_read_as_datetime_reads_them_and_only_plain_forms_are_accepted(
    texts: list[str | None],
) -> None:
    _check(texts)


def test_edges_of_the_plain_form_are_decided_as_the_pattern_says() -> None:
    _check(
        [
            "2024-02-29T23:59:59.999999+00:00",
            "2023-02-29T00:00:00Z",
            "2024-03-04T09:00:00.Z",
            "2024-03-04T09:00:00.1234567Z",
            "2024-03-04T09:00:00+01:00 ",
            "2024-03-04T09:00:00+0100",
            "2024-03-04T09:00:00",
            "1900-01-01T00:00:00Z",
            "1899-12-31T23:59:59Z",
            "1900-01-01T00:30:00+01:00",
            "9998-12-31T23:59:59Z",
            "",
            None,
        ]
    )
    offset = timezone(timedelta(hours=-5, minutes=-30))
    got = datetime(2024, 3, 4, 9, 0, tzinfo=offset).astimezone(UTC)
    slow = np.zeros(1, dtype=bool)
    sec, _ = iso_instants(pa.chunked_array([pa.array(["2024-03-04T09:00:00-05:30"])]), slow)
    assert int(sec[0]) == int(got.timestamp()) and not slow[0]
