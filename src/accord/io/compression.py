"""Compressed input files: which compressions Accord reads, how a damaged one is told apart
from other failures, and what can still be read of a zip whose end is missing.

Accord reads gzip (every input) and zip holding one file (imports). A file cut short (an
interrupted download or copy) or corrupt surfaces, deep inside whatever reads the stream, as
``EOFError``, ``zlib.error``, ``gzip.BadGzipFile`` or ``zipfile.BadZipFile``: Click would turn
the first into a bare "Aborted." and the others into tracebacks. :func:`damage_reason` names
them in words, so the edges can say which file is damaged, how, and what was read before.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib
from typing import IO

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
# compressions recognised by their first bytes only to say that Accord does not read them
_UNREAD = (
    (b"BZh", "bzip2", "bunzip2"),
    (b"\xfd7zXZ\x00", "xz", "unxz"),
    (b"\x28\xb5\x2f\xfd", "zstd", "unzstd"),
)
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a zip member's local file header (30 bytes)
_CHUNK = 1 << 16


class Damaged(Exception):
    """A stream that cannot be read to its end; ``reason`` says why, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def unread_compression(head: bytes, name: str) -> str | None:
    """The message for a file compressed in a way Accord does not read (from its first
    bytes), or ``None``."""
    for magic, kind, tool in _UNREAD:
        if head.startswith(magic):
            return (
                f"'{name}' is {kind}-compressed, which Accord does not read: decompress it "
                f"({tool} '{name}'), or compress it with gzip, and give that file"
            )
    return None


def damage_reason(exc: BaseException, kind: str) -> str | None:
    """Why reading a ``kind`` ("gzip", "zip") stream failed, or ``None`` when ``exc`` is not
    the failure of a damaged compressed stream."""
    if isinstance(exc, Damaged):
        return exc.reason
    if isinstance(exc, EOFError):
        return f"the {kind} data stops before its end: the file is truncated"
    if isinstance(exc, zlib.error):
        return f"the {kind} data is corrupt ({exc})"
    if isinstance(exc, gzip.BadGzipFile):
        return f"the gzip data is corrupt ({exc})"
    if isinstance(exc, zipfile.BadZipFile):
        return f"the zip archive is corrupt ({exc})"
    return None


def damaged_file(path: str, exc: BaseException) -> str | None:
    """The message for an event file whose gzip data is damaged (nothing is computed from a
    file read only in part), or ``None`` when ``exc`` is another failure."""
    reason = damage_reason(exc, "gzip")
    if reason is None:
        return None
    return f"{path}: {reason}; nothing was computed: repair the file or write it again"


class Counted(io.BufferedIOBase):
    """A readable stream that counts the bytes read through it (the decompressed size read
    so far, for messages about damage).

    Each read is one step of the decompressor (a short read, never empty before the end):
    a read that gathers its size over several steps loses the bytes it had when a later step
    fails, and those are the rows before a cut.
    """

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__()
        self.inner = inner
        self._step = getattr(inner, "read1", inner.read)
        self.count = 0

    def readable(self) -> bool:
        return True

    def read1(self, size: int | None = -1) -> bytes:
        data: bytes = self._step(size if size is not None and size >= 0 else _CHUNK)
        self.count += len(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size >= 0:
            return self.read1(size)
        parts = []
        while chunk := self.read1(_CHUNK):
            parts.append(chunk)
        return b"".join(parts)


class ZipSalvage(io.RawIOBase):
    """The first member of a zip whose central directory (at the end of the archive) cannot
    be read, decompressed from its local header: what a truncated download still holds.

    Reading past what the file holds raises :class:`Damaged`; a member read whole ends the
    stream normally (:attr:`complete`), and the archive is still damaged: the caller says so.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        header = raw.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size:
            raise Damaged("the zip archive stops inside the header of its first file")
        _sig, _v, flags, method, _t, _d, _crc, size, _u, name_len, extra_len = _LOCAL_HEADER.unpack(
            header
        )
        self.name = raw.read(name_len).decode("utf-8", "replace")
        raw.read(extra_len)
        if flags & 1:
            raise Damaged(f"the zip archive is damaged and its file '{self.name}' is encrypted")
        if method not in (0, 8) or (method == 0 and flags & 8):
            raise Damaged(
                f"the zip archive is damaged and its file '{self.name}' cannot be read "
                f"without the archive's directory (compression method {method})"
            )
        self._raw = raw
        self._inflate = zlib.decompressobj(-zlib.MAX_WBITS) if method == 8 else None
        self._left = size  # stored members: the bytes still to read
        self.complete = False

    def readable(self) -> bool:
        return True

    def _cut(self) -> Damaged:
        return Damaged(f"the zip archive stops inside its file '{self.name}': it is truncated")

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.complete or not len(buffer):
            return 0
        if self._inflate is None:
            data = self._raw.read(min(len(buffer), self._left))
            if not data:
                raise self._cut()
            self._left -= len(data)
            self.complete = self._left == 0
        else:
            data = b""
            while not data:
                if self._inflate.eof:
                    self.complete = True
                    return 0
                chunk = self._inflate.unconsumed_tail or self._raw.read(_CHUNK)
                if not chunk:
                    raise self._cut()
                data = self._inflate.decompress(chunk, len(buffer))
        buffer[: len(data)] = data
        return len(data)
