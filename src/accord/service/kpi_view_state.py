"""The KPI view's content saved to one file, and read back at start instead of loading the
view from every stored ticket (minutes with a million tickets).

The file holds the view's frames as Arrow IPC streams (Polars' and pyarrow's own writers, so
every column reads back with its type) and a watermark saying which store state they reflect:

- the store's id (a random id kept in the store itself, see :func:`store_id`): a file never
  answers for another store, whatever its path or a copy of it says;
- the highest event ``seq`` the content accounts for (the view's ``seq_seen``) and the ticket
  holding that event: a store behind the file or holding another event there is another
  store's history;
- the configuration version the content was built under and the highest version stored, the
  custom fields it holds, the file format and the Accord version that wrote it;
- the tickets to read again at start (waiting for a recompute, failed, or saved by the
  recompute after the content's last sync when written): their stored records may change
  without a new event.

A file is written to a temporary name beside it, flushed to disk and renamed over the old one:
a reader finds the old file or the new one, never half of one.
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import struct
import tempfile
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final

import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc

from accord import __version__
from accord.core.timeutil import Instant
from accord.io.store import Store

log = logging.getLogger("accord.service")

MAGIC = b"ACCORD-KPI-VIEW\n"
FORMAT = 1
STORE_ID_KEY = "accord.store_id"  # the store's id, in the store's key-value table
_LEN = struct.Struct("<Q")
_COMPRESSION: Final = "lz4"  # a third of the bytes to write and read, for little CPU


class StateError(Exception):
    """A saved state that cannot be used (missing, unreadable, or not this store's now);
    ``warn``: a sign of damage or of a mix-up an operator should hear of (a missing file, a
    new configuration version or an upgrade are routine)."""

    def __init__(self, message: str, *, warn: bool = False) -> None:
        super().__init__(message)
        self.warn = warn


def store_id(store: Store, at: Instant) -> str:
    """The store's id, made (once, by whichever process comes first) when it has none."""
    got = store.get_watch([STORE_ID_KEY]).get(STORE_ID_KEY)
    if got is not None:
        return got
    store.set_watch(STORE_ID_KEY, secrets.token_hex(16), at=at, expected=None)
    got = store.get_watch([STORE_ID_KEY]).get(STORE_ID_KEY)
    assert got is not None  # written by this call or by another writer first
    return got


@dataclass(frozen=True)
class Watermark:
    """Which store state a saved content reflects (see the module doc)."""

    store_id: str
    seq: int  # events up to this seq are accounted for
    anchor: str | None  # the ticket whose event has that seq (None: seq 0)
    config_versions: int  # the highest configuration version stored then
    version: int  # the configuration version the content was built under
    custom: tuple[str, ...]
    reread: tuple[str, ...]  # tickets to read again at start
    settled_last_ts: Instant
    settled_first_judged: Instant
    format: int = FORMAT
    accord: str = __version__


@dataclass(frozen=True)
class Saved:
    """A saved content: its watermark and frames (``open`` is the open tickets' events,
    ``None`` when there are none; ``open_facts`` their facts, spans and last instant when
    they were computed)."""

    mark: Watermark
    records: pl.DataFrame
    facts: pl.DataFrame
    spans: pl.DataFrame
    open: pa.Table | None
    open_facts: tuple[pl.DataFrame, pl.DataFrame, Instant] | None


class _Summed(io.RawIOBase):
    """A file's writer that keeps the CRC-32 of what passes through (the IPC streams carry
    no checksum of their own: a flipped bit could read back as another value)."""

    def __init__(self, fh: BinaryIO) -> None:
        super().__init__()
        self._fh = fh
        self.crc = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.crc = zlib.crc32(b, self.crc)
        return self._fh.write(b)

    def flush(self) -> None:
        self._fh.flush()


def write(path: Path, saved: Saved) -> int:
    """Write ``saved`` to ``path`` whole or not at all; return the bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for left in path.parent.glob(path.name + ".*.tmp"):  # a write cut short by a crash
        left.unlink(missing_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC)
            sections: dict[str, list[int]] = {}  # name: [start, length, CRC-32]

            def table(name: str, t: pa.Table) -> None:
                start, out = fh.tell(), _Summed(fh)
                options = ipc.IpcWriteOptions(compression=_COMPRESSION)
                with ipc.new_stream(out, t.schema, options=options) as w:
                    w.write_table(t)
                sections[name] = [start, fh.tell() - start, out.crc]

            def frame(name: str, f: pl.DataFrame) -> None:
                # through Arrow's writer, not the frame's own: polars writing to a Python
                # file holds the frame's lock while it waits for the interpreter lock to
                # call ``write``, and a reader of the same frame (``height``, under the
                # interpreter lock) then waits on it for ever: the server hung on it
                table(name, f.to_arrow())

            frame("records", saved.records)
            frame("facts", saved.facts)
            frame("spans", saved.spans)
            if saved.open is not None:
                table("open", saved.open)
            last = None
            if saved.open_facts is not None:
                frame("open_facts", saved.open_facts[0])
                frame("open_spans", saved.open_facts[1])
                last = saved.open_facts[2]
            footer = json.dumps(
                {"mark": asdict(saved.mark), "sections": sections, "open_last": last}
            ).encode()
            fh.write(footer)
            fh.write(_LEN.pack(len(footer)))
            fh.write(MAGIC)
            fh.flush()
            os.fsync(fh.fileno())
            size = fh.tell()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_dir(path.parent)
    return size


def _sync_dir(folder: Path) -> None:
    # the rename itself survives a crash only once the folder's entry is on disk
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read(path: Path) -> Saved:
    """The content saved at ``path``; :class:`StateError` when there is none or it cannot be
    read whole."""
    try:
        with open(path, "rb") as fh:
            return _parse(fh)
    except FileNotFoundError:
        raise StateError("no saved state") from None
    except StateError:
        raise
    except Exception as e:  # any damage: the file is not used
        raise StateError(f"unreadable ({type(e).__name__}: {e})", warn=True) from None


def _parse(fh: BinaryIO) -> Saved:
    n = fh.seek(0, os.SEEK_END)
    tail = len(MAGIC) + _LEN.size
    if n < len(MAGIC) + tail:
        raise StateError("not a saved KPI view, or cut short", warn=True)
    fh.seek(0)
    head = fh.read(len(MAGIC))
    fh.seek(n - tail)
    end = fh.read(tail)
    if head != MAGIC or end[_LEN.size :] != MAGIC:
        raise StateError("not a saved KPI view, or cut short", warn=True)
    (size,) = _LEN.unpack(end[: _LEN.size])
    body = n - tail - size  # where the footer starts
    if body < len(MAGIC):
        raise StateError("damaged footer", warn=True)
    fh.seek(body)
    footer: dict[str, Any] = json.loads(fh.read(size))
    m = footer["mark"]
    if m.get("format") != FORMAT or m.get("accord") != __version__:
        raise StateError(
            f"written by another version (format {m.get('format')}, Accord {m.get('accord')})"
        )
    mark = Watermark(**{**m, "custom": tuple(m["custom"]), "reread": tuple(m["reread"])})
    sections: dict[str, list[int]] = footer["sections"]

    def part(name: str) -> bytes:
        start, length, crc = sections[name]
        if start < len(MAGIC) or start + length > body:
            raise StateError(f"damaged section {name}", warn=True)
        fh.seek(start)
        got = fh.read(length)
        if len(got) != length or zlib.crc32(got) != crc:
            raise StateError(f"damaged section {name}", warn=True)
        return got

    def frame(name: str) -> pl.DataFrame:
        return pl.read_ipc_stream(io.BytesIO(part(name)))

    opened = None
    if "open" in sections:
        with ipc.open_stream(pa.py_buffer(part("open"))) as r:
            opened = r.read_all()
    open_facts = None
    if "open_facts" in sections:
        open_facts = (frame("open_facts"), frame("open_spans"), int(footer["open_last"]))
    return Saved(mark, frame("records"), frame("facts"), frame("spans"), opened, open_facts)


def state_path(folder: Path, store: str) -> Path:
    """The file of the store with id ``store`` in ``folder`` (one file per store: several
    stores may share a folder)."""
    return folder / f"kpi-view-{store}.arrow"
