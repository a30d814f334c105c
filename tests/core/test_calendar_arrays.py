"""The array look-ups (``elapsed_many``, ``due_many``) and the bucket index behind them.

The index replaces binary search with a table look-up plus a few probes; these tests hold it
equal to ``np.searchsorted`` on key layouts that exercise each of its regimes (one probe,
several probes, the binary-search fallback), and hold the array look-ups equal to the scalar
ones and to plain ``searchsorted`` over the compiled arrays, on calendars chosen to land in
each regime, across blocks, shapes and the growth of the compiled span.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core import calendar as calmod
from accord.core.calendar import NEVER, BusinessCalendar
from accord.core.timeutil import parse_as_of

H = 3600
DAY = 86400
Int64Array = np.ndarray[Any, np.dtype[np.int64]]


def T(text: str) -> int:
    return parse_as_of(text)


def cal(**spec: Any) -> BusinessCalendar:
    return BusinessCalendar.from_dict("test", spec)


def office(tz: str = "America/New_York", **extra: Any) -> BusinessCalendar:
    return cal(tz=tz, hours={"mon-fri": [["09:00", "17:00"]]}, **extra)


def searchsorted_elapsed(c: BusinessCalendar, a: Int64Array, b: Int64Array) -> Int64Array:
    """Elapsed the plain way, over the public compiled arrays."""
    ci = c.compiled(int(min(a.min(), b.min())), int(max(a.max(), b.max())))
    cs = ci.cum - ci.starts

    def at(t: Int64Array) -> Int64Array:
        i = np.searchsorted(ci.starts, t, side="right") - 1
        return cs[i] + np.minimum(t, ci.ends[i])

    return at(b) - at(a)


def scalar_due(c: BusinessCalendar, a: Int64Array, s: Int64Array) -> list[int]:
    out = []
    for x, n in zip(a.tolist(), s.tolist(), strict=True):
        t = c.due(x, n)
        out.append(NEVER if t is None else t)
    return out


# ------------------------------------------------------------------ the index


@st.composite
def key_layouts(draw: st.DrawFn) -> tuple[Int64Array, int, int]:
    """Sorted distinct keys: sparse ones with clusters of near neighbours between them, so
    that some layouts need one probe, some several and some the fallback."""
    base = draw(st.integers(-(10**9), 10**9))
    gaps = draw(
        st.lists(
            st.one_of(st.integers(1, 5), st.integers(1, 4000), st.integers(10**4, 10**6)),
            min_size=0,
            max_size=300,
        )
    )
    keys = base + np.cumsum(np.array([0, *gaps], dtype=np.int64))
    top = int(keys[-1]) + draw(st.integers(0, 10**6))
    return keys, base, top


@settings(max_examples=300, deadline=None)
@given(layout=key_layouts(), right=st.booleans(), data=st.data())
def test_index_counts_exactly_as_searchsorted(
    layout: tuple[Int64Array, int, int], right: bool, data: st.DataObject
) -> None:
    keys, base, top = layout
    index = calmod._Index.build(keys, base, top, right=right)
    # Every key, its neighbours, random points and points past the top (which clamp).
    near = np.concatenate([keys - 1, keys, keys + 1])
    rnd = data.draw(st.lists(st.integers(base, top + 10**7), max_size=50))
    x = np.concatenate([near[near >= base], np.array(rnd, dtype=np.int64)])
    out, scratch = np.empty_like(x), np.empty_like(x)
    want = np.searchsorted(keys, x, side="right" if right else "left")
    assert index.count(x, out, scratch).tolist() == want.tolist()


def test_index_regimes_are_all_reachable() -> None:
    even = np.arange(0, 100 * DAY, DAY, dtype=np.int64)
    assert calmod._Index.build(even, 0, 100 * DAY, right=True).probes == 1
    pairs = np.sort(np.concatenate([even, even + 1]))
    two = calmod._Index.build(pairs, 0, 100 * DAY, right=True)
    assert two.table is not None and two.probes == 2
    # A tight cluster among sparse keys cannot be split by a table of bounded size.
    cluster = np.sort(np.concatenate([even, 50 * DAY + 10 + np.arange(20, dtype=np.int64)]))
    assert calmod._Index.build(cluster, 0, 100 * DAY, right=True).table is None


def test_an_office_calendar_gets_a_one_probe_table() -> None:
    # Guards the fast path: if a change made ordinary calendars fall back to binary search the
    # answers would stay right and only the benchmark would notice.
    c = office(holidays=[{"country": "US"}])
    c.elapsed(T("2024-03-04T00:00:00Z"), T("2025-03-04T00:00:00Z"))
    snap = c._c
    assert snap is not None
    assert snap.by_time.table is not None and snap.by_time.probes == 1
    assert snap.by_work.table is not None and snap.by_work.probes == 1


# ------------------------------------------------------------------ calendars in each regime

CALENDARS: dict[str, dict[str, Any]] = {
    "office New York, US holidays": {
        "tz": "America/New_York",
        "hours": {"mon-fri": [["09:00", "17:00"]]},
        "holidays": [{"country": "US"}],
    },
    "split shifts with one-second closures": {
        "tz": "Europe/Berlin",
        "hours": {
            "mon-fri": [["08:00", "12:00"], ["12:00:01", "18:00"]],
            "sat": [["22:00", "06:00"]],
        },
        "closures": [
            {"date": "2024-03-05", "from": "09:00:00", "to": "09:00:01"},
            {"date": "2024-03-05", "from": "09:00:02", "to": "09:00:03"},
        ],
    },
    # Thirty one-second windows on one day among one window a week: the table falls back.
    "a cluster of tiny windows": {
        "tz": "UTC",
        "hours": {"wed": [["10:00", "11:00"]]},
        "special_hours": [
            {
                "date": "2024-06-12",
                "hours": [[f"10:00:{2 * k:02d}", f"10:00:{2 * k + 1:02d}"] for k in range(30)],
            }
        ],
    },
    "24x7 across DST": {"tz": "Australia/Sydney", "hours": {"daily": [["00:00", "24:00"]]}},
    "versions and overnight windows": {
        "tz": "America/Santiago",
        "hours": {"mon-fri": [["20:00", "04:00"]]},
        "versions": [{"effective_from": "2024-07-01", "hours": {"tue-sat": [["07:30", "15:45"]]}}],
    },
}


def workload(seed: int, n: int) -> tuple[Int64Array, Int64Array, Int64Array]:
    rng = np.random.default_rng(seed)
    lo, hi = T("2024-01-01T00:00:00Z"), T("2025-01-01T00:00:00Z")
    a = rng.integers(lo, hi, n, dtype=np.int64)
    q = n // 8
    # Some starts right around the tiny windows and the one-second closures of CALENDARS.
    a[:q] = T("2024-06-12T10:00:00Z") + rng.integers(-120, 120, q)
    a[q : 2 * q] = T("2024-03-05T08:00:00Z") + rng.integers(-120, 120, q)
    b = a + rng.integers(-20 * DAY, 60 * DAY, n, dtype=np.int64)
    b[: 2 * q] = a[: 2 * q] + rng.integers(-120, 120, 2 * q)
    s = rng.integers(1, 200 * H, n, dtype=np.int64)
    # Targets of a few seconds land in the tiny windows; whole hours land on closing times.
    s[: 2 * q] = rng.integers(1, 5, 2 * q)
    s[2 * q : 4 * q] = rng.integers(1, 9, 2 * q) * H
    order = rng.permutation(n)  # spread the special cases over every block
    return a[order], b[order], s[order]


@pytest.mark.parametrize("name", list(CALENDARS))
def test_array_look_ups_equal_scalar_and_plain_searchsorted(name: str) -> None:
    c = cal(**CALENDARS[name])
    a, b, s = workload(11, 3 * calmod._BLOCK + 7)  # several blocks, the last one short
    got = c.elapsed_many(a, b)
    assert got.tolist() == searchsorted_elapsed(c, a, b).tolist()
    k = slice(None, None, 97)  # the scalar look-ups are slow: a spread-out sample
    assert got[k].tolist() == [
        c.elapsed(x, y) for x, y in zip(a[k].tolist(), b[k].tolist(), strict=True)
    ]
    assert c.due_many(a, s)[k].tolist() == scalar_due(c, a[k], s[k])


def test_the_tiny_window_calendar_really_falls_back_and_the_office_does_not() -> None:
    c = cal(**CALENDARS["a cluster of tiny windows"])
    c.elapsed(T("2024-01-01T00:00:00Z"), T("2024-12-01T00:00:00Z"))
    assert c._c is not None and c._c.by_time.table is None


def test_due_many_grows_past_the_first_compiled_span() -> None:
    # Starts in late December with targets of weeks: the first pass finds targets beyond the
    # compiled year, so the general path compiles further; a fresh calendar each time.
    a = np.full(50, T("2024-12-30T12:00:00Z"), dtype=np.int64) + np.arange(50) * 600
    s = np.arange(1, 51, dtype=np.int64) * 20 * H
    want = scalar_due(office(), a, s)
    assert office().due_many(a, s).tolist() == want
    assert office().due_many(a[:1], s[:1]).tolist() == want[:1]


def test_due_many_mixes_zero_unreachable_and_ordinary_targets() -> None:
    c = office(tz="UTC")
    a = np.array([T("2024-03-04T20:00:00Z")] * 4, dtype=np.int64)  # Monday after closing
    s = np.array([0, H, 10**15, 8 * H], dtype=np.int64)
    assert c.due_many(a, s).tolist() == [
        int(a[0]),
        T("2024-03-05T10:00:00Z"),
        NEVER,
        T("2024-03-05T17:00:00Z"),  # reached exactly at closing: the closing time
    ]


def test_array_look_ups_keep_the_shape_and_accept_any_integer_input() -> None:
    c = office()
    a, b, s = workload(5, 24)
    want_e = c.elapsed_many(a, b)
    want_d = c.due_many(a, s)
    grid = (4, 6)
    assert (
        c.elapsed_many(a.reshape(grid), b.reshape(grid)).tolist() == want_e.reshape(grid).tolist()
    )
    assert c.due_many(a.reshape(grid), s.reshape(grid)).tolist() == want_d.reshape(grid).tolist()
    # Strided views and lists of ints go through the same path.
    wide = np.stack([a, b])
    assert c.elapsed_many(wide[0, ::2], wide[1, ::2]).tolist() == want_e[::2].tolist()
    assert c.due_many(a.tolist(), s.astype(np.int32)).tolist() == want_d.tolist()
