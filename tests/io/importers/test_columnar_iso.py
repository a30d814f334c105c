"""The importer's compiled ISO reading matches exactly the texts its pattern matches, with the
same fields, and the instants of a column equal the mapping's own reading, text by text."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.io.importers import columnar_iso as ci
from accord.io.importers.columnar_instants import _ISO_RE, Instants
from accord.io.importers.mapping import ImportMapping

# RE2 (Arrow's regular expressions) reads \d as ASCII digits and $ as the end of the text
_REF = re.compile(_ISO_RE.removeprefix("^").removesuffix("$"), re.ASCII)

_DIGIT = st.sampled_from("0123456789")
_PIECE = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=7),
    st.sampled_from(["-", ":", "T", "t", " ", ".", "Z", "z", "+", "\n", "\u0663", "\xa0"]),
)


@st.composite
def _near_iso(draw: st.DrawFn) -> str:
    """Mostly well-formed ISO instants with edges (years from 0000, 29 February, 60 seconds,
    7-digit fractions, ±24:00, spaces around) and a random edit now and then."""
    y = draw(st.integers(0, 9999))
    mo, d = draw(st.integers(0, 13)), draw(st.integers(0, 32))
    h, mi, s = draw(st.integers(0, 24)), draw(st.integers(0, 60)), draw(st.integers(0, 60))
    text = f"{y:04d}-{mo:02d}-{d:02d}{draw(st.sampled_from('T t'))}{h:02d}:{mi:02d}:{s:02d}"
    frac = draw(st.one_of(st.just(""), st.text(alphabet="0123456789", max_size=7)))
    if frac or draw(st.booleans()):
        text += "." + frac
    zone = draw(
        st.one_of(
            st.sampled_from(
                [
                    *["", "Z", "z", "+00:00", "-00:00", "+24:00", "+05:60", "+0100", "+0000"],
                    *["-0000", "-0130", "+2400", "+0560", "+010", "+01000", "+01"],
                ]
            ),
            st.builds(
                lambda sign, hh, mm: f"{sign}{hh:02d}{mm:02d}",  # Jira's offsets: no colon
                st.sampled_from("+-"),
                st.integers(0, 25),
                st.integers(0, 61),
            ),
            st.builds(
                lambda sign, hh, mm: f"{sign}{hh:02d}:{mm:02d}",
                st.sampled_from("+-"),
                st.integers(0, 25),
                st.integers(0, 61),
            ),
        )
    )
    text += zone + draw(st.sampled_from(["", "", "", " ", "\n", "x"]))
    if draw(st.booleans()):
        text = draw(st.sampled_from(["", " ", "\t"])) + text
    if draw(st.integers(0, 4)) == 0 and text:
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + draw(_PIECE) + text[at + 1 :]
    return text


_TEXTS = st.lists(st.one_of(_near_iso(), st.text(max_size=30)), max_size=40)


def _reference_fields(text: str) -> list[int] | None:
    m = _REF.fullmatch(text)
    if m is None:
        return None
    g = m.groupdict()
    f = g["f"] or ""
    return [
        int(g["Y"]),
        int(g["m"]),
        int(g["d"]),
        int(g["H"]),
        int(g["M"]),
        int(g["S"]),
        int(f.ljust(6, "0")) if f else 0,
        int(g["z"] is not None),
        int(g["sign"] is not None),
        int(g["sign"] == "-"),
        int(g["oh"] or 0),
        int(g["om"] or 0),
    ]


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_compiled_iso_matches_exactly_what_the_pattern_matches_with_its_fields(
    texts: list[str],
) -> None:
    hit, fields = ci.iso_fields(pa.array(texts, pa.string()))
    for i, text in enumerate(texts):
        want = _reference_fields(text)
        assert bool(hit[i]) == (want is not None), text
        if want is not None:
            assert fields[i].tolist() == want, text


def test_compiled_iso_reads_sliced_and_chunked_columns() -> None:
    texts = ["x", "2024-02-29T23:59:59.5+01:00", "2024-01-01 00:00:00", "2024-01-01T00:00:00Zq"]
    col = pa.chunked_array([pa.array(texts[:2]), pa.array(texts)[2:]])
    hit, fields = ci.iso_fields(col)
    assert hit.tolist() == [False, True, True, False]
    assert fields[1].tolist() == [2024, 2, 29, 23, 59, 59, 500000, 0, 1, 0, 1, 0]


def _one_by_one(m: ImportMapping, texts: list[str]) -> list[object]:
    """Each text's outcome by the mapping's own parsing (the row importer's path)."""
    inst = Instants(m, m.tz())
    out: list[object] = []
    for t in texts:
        try:
            i = inst.add(m.parse_ts(t))
        except ValueError as e:
            out.append(str(e))
            continue
        row = tuple(int(a[i]) for a in inst.arrays())
        out.append((row[:5], inst.dt(i).isoformat()))
    return out


def _columnar(m: ImportMapping, texts: list[str]) -> list[object]:
    inst = Instants(m, m.tz())
    ix, problems = inst.read_texts(texts)
    out: list[object] = []
    for i, p in zip(ix.tolist(), problems, strict=True):
        if i < 0:
            out.append(p)
            continue
        row = tuple(int(a[i]) for a in inst.arrays())
        # (seconds, µs, valid, naive, wall µs) and the text the validator is given
        out.append((row[:5], inst.dt(i).isoformat()))
    return out


@pytest.mark.parametrize(
    ("tz", "drop_offset"),
    [(None, False), ("UTC", False), ("Europe/Rome", False), ("Europe/Rome", True)],
)
@settings(max_examples=80, deadline=None)
@given(texts=_TEXTS)
def test_columnar_iso_instants_equal_the_mappings_reading_text_by_text(
    tz: str | None, drop_offset: bool, texts: list[str]
) -> None:
    m = ImportMapping(source_tz=tz, drop_offset=drop_offset)
    assert _columnar(m, texts) == _one_by_one(m, texts)


def test_every_field_column_is_numbered_once() -> None:
    cols = [ci.Y, ci.MO, ci.D, ci.H, ci.MI, ci.S, ci.FRAC, ci.ZULU, ci.OFFSET, ci.MINUS]
    assert sorted([*cols, ci.OH, ci.OM]) == list(range(ci.FIELDS))
    assert np.unique(cols).size == len(cols)


@pytest.mark.parametrize(
    ("tz", "drop_offset"),
    [(None, False), ("Europe/Rome", False), ("America/St_Johns", False), ("Asia/Kathmandu", True)],
)
@settings(max_examples=80, deadline=None)
@given(texts=_TEXTS)
def test_isoformats_written_in_columns_equal_each_datetimes_isoformat(
    tz: str | None, drop_offset: bool, texts: list[str]
) -> None:
    m = ImportMapping(source_tz=tz, drop_offset=drop_offset)
    inst = Instants(m, m.tz())
    got, _ = inst.read_array(pa.array(texts, pa.string()))
    read = got[got >= 0]
    added = inst.add(datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Asia/Kolkata")))
    idx = np.concatenate([read, [added], read[::-1]]).astype(np.int64)
    assert inst.isoformats(idx) == [inst.dt(int(i)).isoformat() for i in idx]
