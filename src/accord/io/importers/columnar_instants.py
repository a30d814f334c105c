"""Instants for the columnar importer: a column's distinct timestamps read as the mapping
reads them (:meth:`ImportMapping.parse_ts`) and then as the validator reads the text the row
importer hands it (``datetime.isoformat()`` with the source's zone).

The common spellings are read with array operations: the mapping's *first* format when it
is ISO 8601 in its usual form (:data:`_ISO_RE`, matched by a compiled pass,
:mod:`columnar_iso`), or a ``strptime`` format of numeric fields only (``%d %m %Y
%H %M %S``) matched by the very pattern ``strptime`` builds (made stricter: ASCII digits,
plain spaces); wall-clock times become UTC with the zone's offset of their local day, for
days without a change of offset. Anything else — another format, a day with a change of
offset, an invalid date — is read by the row importer's own functions, one distinct value
at a time, so the outcome is the same.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.core.timeutil import MAX_EVENT_INSTANT, MIN_EVENT_INSTANT, parse_instant, to_instant
from accord.io.importers.columnar_isoformat import isoformat_column
from accord.io.importers.mapping import ISO, ImportMapping

I64 = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
# which texts matched, their (Y, m, d, H, M, S, µs), and their (Z, ±, -, HH, MM) if any
_Zone = tuple[BoolArray, BoolArray, BoolArray, I64, I64]
_Fields = tuple[BoolArray, tuple[I64, I64, I64, I64, I64, I64, I64], _Zone | None]

_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_ISO_RE = (
    r"^(?P<Y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})[T ](?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})"
    r"(?:\.(?P<f>\d{1,6}))?(?:(?P<z>[Zz])|(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2}))?$"
)
_NUMERIC = frozenset("dmYHMS")


def _strptime_pattern(fmt: str) -> str | None:
    """The regular expression ``strptime`` matches ``fmt`` with, for numeric fields only."""
    import _strptime  # type: ignore[import-not-found]  # the pattern strptime itself uses

    directives = re.findall(r"%(.)", fmt)
    if not directives or any(d not in _NUMERIC for d in directives):
        return None
    pattern = str(_strptime._TimeRE_cache.pattern(fmt))
    return "^" + pattern.replace(r"\s+", " +") + "$"


class Instants:
    """The distinct instants of a block, each with the validator's reading of it."""

    def __init__(self, mapping: ImportMapping, tz: tzinfo | None) -> None:
        self.m = mapping
        self.tz = tz
        self._memo: dict[str, int] = {}
        self._parts: list[tuple[I64, I64, BoolArray, BoolArray, I64, I64]] = []
        self._one: list[tuple[int, int, bool, bool, int, int]] = []
        self._dts: dict[int, datetime] = {}
        self._size = 0
        self._arrays: tuple[I64, I64, BoolArray, BoolArray, I64, I64] | None = None

    # --------------------------------------------------------------- adding

    def add(self, dt: datetime) -> int:
        """One instant parsed in Python; its index."""
        key = dt.isoformat()  # the text the row importer gives the validator
        got = self._memo.get(key)
        if got is not None:
            return got
        self._flush_one_needed()
        i = self._size
        self._memo[key] = i
        self._dts[i] = dt
        try:
            u = parse_instant(key, self.tz)
            sec = to_instant(u)
            ok = MIN_EVENT_INSTANT <= sec < MAX_EVENT_INSTANT
            us = u.microsecond
        except (ValueError, OverflowError):
            sec, us, ok = 0, 0, False
        naive = dt.tzinfo is None
        wall = (dt - _EPOCH) // _US if naive else (dt - _EPOCH_UTC) // _US
        self._one.append((sec if ok else 0, us if ok else 0, ok, naive, wall, 0))
        self._size += 1
        self._arrays = None
        return i

    def _flush_one_needed(self) -> None:
        pass

    def _flush(self) -> None:
        if self._one:
            cols = list(zip(*self._one, strict=True))
            self._parts.append(
                (
                    np.array(cols[0], dtype=np.int64),
                    np.array(cols[1], dtype=np.int64),
                    np.array(cols[2], dtype=bool),
                    np.array(cols[3], dtype=bool),
                    np.array(cols[4], dtype=np.int64),
                    np.array(cols[5], dtype=np.int64),
                )
            )
            self._one = []

    def add_many(
        self, sec: I64, us: I64, ok: BoolArray, naive: BoolArray, wall: I64, offset: I64
    ) -> I64:
        """Instants read in columns; their indices."""
        self._flush()
        start = self._size
        self._parts.append((sec, us, ok, naive, wall, offset))
        self._size += sec.size
        self._arrays = None
        return np.arange(start, self._size, dtype=np.int64)

    # --------------------------------------------------------------- reading

    def arrays(self) -> tuple[I64, I64, BoolArray, BoolArray, I64, I64]:
        """``(UTC seconds, microseconds, read by the validator, naive, wall µs, offset
        minutes)`` of every instant; wall µs are local for a naive one, UTC otherwise."""
        if self._arrays is None:
            self._flush()
            if not self._parts:
                z = np.zeros(0, dtype=np.int64)
                self._arrays = (z, z, z.astype(bool), z.astype(bool), z, z)
            else:
                cols = list(zip(*self._parts, strict=True))
                self._arrays = tuple(np.concatenate(c) for c in cols)  # type: ignore[assignment]
        assert self._arrays is not None
        return self._arrays

    def dt(self, i: int) -> datetime:
        """The instant as the mapping parsed it (for the row importer's dicts)."""
        got = self._dts.get(i)
        if got is not None:
            return got
        _sec, _us, _ok, naive, wall, offset = self.arrays()
        if naive[i]:
            return _EPOCH + timedelta(microseconds=int(wall[i]))
        zone = timezone(timedelta(minutes=int(offset[i])))
        return (_EPOCH_UTC + timedelta(microseconds=int(wall[i]))).astimezone(zone)

    def isoformats(self, idx: I64) -> list[str]:
        """``self.dt(i).isoformat()`` of each index."""
        out: list[str] = self.isoformat_array(idx).to_pylist()
        return out

    def isoformat_array(self, idx: I64) -> pa.Array:
        """``self.dt(i).isoformat()`` of each index as an Arrow text column, written by a
        compiled pass (the datetimes added one at a time, by Python: their own zone)."""
        _sec, _us, _ok, naive, wall, offset = self.arrays()
        idx = np.asarray(idx, dtype=np.int64)
        aware = ~naive[idx]
        off = np.where(aware, offset[idx], 0)
        local = wall[idx] + off * 60_000_000  # the wall clock where the instant was read
        got = isoformat_column(local, aware, off)
        if got is None:  # (outside datetime's years: not from a datetime, not expected)
            return pa.array([self.dt(i).isoformat() for i in idx.tolist()], pa.string())
        if self._dts:
            own = np.isin(idx, np.fromiter(self._dts, dtype=np.int64, count=len(self._dts)))
            if own.any():
                texts = [self._dts[i].isoformat() for i in idx[own].tolist()]
                got = pc.replace_with_mask(got, pa.array(own), pa.array(texts, pa.string()))
        return got

    def later(self, a: I64, b: I64) -> BoolArray:
        """``a > b`` as the datetimes compare, where both are naive or both aware."""
        _s, _u, _o, naive, wall, _off = self.arrays()
        out: BoolArray = (naive[a] == naive[b]) & (wall[a] > wall[b])
        return out

    # --------------------------------------------------------------- reading a column

    def read_texts(self, texts: list[str]) -> tuple[I64, list[str | None]]:
        """Indices of the instants of these (non-missing) cells, and each one's problem
        (the mapping's message) where it has no instant (index -1)."""
        out, why = self.read_array(pa.array(texts, pa.string()))
        problems: list[str | None] = [None] * len(texts)
        for i, w in why.items():
            problems[i] = w
        return out, problems

    def read_array(self, arr: pa.Array) -> tuple[I64, dict[int, str]]:
        """:meth:`read_texts` of an Arrow column of texts (no nulls); the problems by
        position, only where there are some."""
        n = len(arr)
        out = np.full(n, -1, dtype=np.int64)
        problems: dict[int, str] = {}
        done = np.zeros(n, dtype=bool)
        if n:
            got = self._columns(arr)
            if got is not None:
                matched, cols = got
                idx = self.add_many(*cols)
                out[matched] = idx
                done[matched] = True
        rest = np.flatnonzero(~done)
        for i, text in zip(rest.tolist(), arr.take(rest).to_pylist(), strict=True):
            try:
                dt = self.m.parse_ts(text)
            except ValueError as e:
                problems[i] = str(e)
                continue
            out[i] = self.add(dt)
        return out, problems

    def _columns(
        self, arr: pa.Array
    ) -> tuple[I64, tuple[I64, I64, BoolArray, BoolArray, I64, I64]] | None:
        fmt = self.m.timestamp_format[0]
        got = self._iso_fields(arr) if fmt == ISO else self._strptime_fields(arr, fmt)
        if got is None:
            return None
        valid, (y, mo, d, h, mi, s, frac), zone = got
        aware = np.zeros(len(arr), dtype=bool)
        offset = np.zeros(len(arr), dtype=np.int64)
        if zone is not None:
            z, has_off, minus, oh, om = zone
            valid &= ~has_off | ((oh <= 23) & (om <= 59))
            offset = np.where(minus, -1, 1) * (oh * 60 + om)
            aware = (z | has_off) & ~np.bool_(self.m.drop_offset)
        leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
        mdays = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
        dim = mdays[np.clip(mo - 1, 0, 11)] + ((mo == 2) & leap)
        valid &= (y >= 1) & (mo >= 1) & (mo <= 12) & (d >= 1) & (d <= dim)
        valid &= (h <= 23) & (mi <= 59) & (s <= 59)
        from accord.io.columnar_cells import _days_from_civil

        wall_s = _days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s
        utc = np.where(aware, wall_s - offset * 60, wall_s)
        ok = valid.copy()
        naive = ~aware
        if naive.any():
            if self.tz is None:
                ok &= ~naive  # the validator refuses an instant without an offset
            else:
                shift, same = _day_offsets(wall_s, naive & valid, self.tz)
                valid &= ~naive | same  # a day with a change of offset: read in Python
                utc = np.where(naive, wall_s - shift, utc)
        ok &= valid & (utc >= MIN_EVENT_INSTANT) & (utc < MAX_EVENT_INSTANT)
        wall = np.where(naive, wall_s, utc) * 1_000_000 + frac
        matched = np.flatnonzero(valid)
        return matched, (
            np.where(ok, utc, 0)[matched],
            np.where(ok, frac, 0)[matched],
            ok[matched],
            naive[matched],
            wall[matched],
            offset[matched],
        )

    def _iso_fields(self, arr: pa.Array) -> _Fields | None:
        """The fields of the texts matching :data:`_ISO_RE`, read by one compiled pass."""
        from accord.io.importers import columnar_iso as ci

        hit, f = ci.iso_fields(arr)
        if not hit.any():
            return None
        y, mo, d, h, mi, s, frac = (
            f[:, k].copy() for k in (ci.Y, ci.MO, ci.D, ci.H, ci.MI, ci.S, ci.FRAC)
        )
        zone = (
            f[:, ci.ZULU] == 1,
            f[:, ci.OFFSET] == 1,
            f[:, ci.MINUS] == 1,
            f[:, ci.OH].copy(),
            f[:, ci.OM].copy(),
        )
        return hit, (y, mo, d, h, mi, s, frac), zone

    def _strptime_fields(self, arr: pa.Array, fmt: str) -> _Fields | None:
        """The fields of the texts matching ``strptime``'s own pattern for ``fmt``."""
        pattern = _strptime_pattern(fmt)
        if pattern is None:
            return None
        parts = pc.extract_regex(arr, pattern)
        valid = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        if not valid.any():
            return None
        names = [parts.type.field(i).name for i in range(parts.type.num_fields)]

        def num(name: str, default: int = 0) -> I64:
            if name not in names:
                return np.full(len(arr), default, dtype=np.int64)
            f = pc.struct_field(parts, name)
            f = pc.if_else(pc.equal(pc.utf8_trim_whitespace(f), ""), str(default), f)
            f = pc.utf8_trim_whitespace(f)
            return np.asarray(f.cast(pa.int64()).fill_null(default).to_numpy(), dtype=np.int64)

        y, mo, d = num("Y", 1900), num("m", 1), num("d", 1)
        h, mi, s = num("H"), num("M"), num("S")
        frac = np.zeros(len(arr), dtype=np.int64)  # no %f among the numeric directives
        return valid, (y, mo, d, h, mi, s, frac), None


def _day_offsets(wall: I64, which: BoolArray, tz: tzinfo) -> tuple[I64, BoolArray]:
    """Per wall-clock time: the zone's UTC offset (seconds) on its local day, and whether
    that day has one offset from its start to its end (else: read in Python)."""
    days = np.floor_divide(wall, 86400)
    shift = np.zeros(wall.size, dtype=np.int64)
    same = np.zeros(wall.size, dtype=bool)
    if not which.any():
        return shift, same
    uniq, inv = np.unique(days[which], return_inverse=True)
    offs = np.zeros(uniq.size, dtype=np.int64)
    good = np.zeros(uniq.size, dtype=bool)
    for k, day in enumerate(uniq.tolist()):
        try:
            start = _EPOCH + timedelta(days=day)
            end = start + timedelta(seconds=86399)
            o0 = start.replace(tzinfo=tz).utcoffset()
            o1 = end.replace(tzinfo=tz).utcoffset()
        except (OverflowError, ValueError):
            continue
        if o0 is not None and o0 == o1:
            offs[k] = int(o0.total_seconds())
            good[k] = o0.microseconds == 0
    shift[which] = offs[inv]
    same[which] = good[inv]
    return shift, same
