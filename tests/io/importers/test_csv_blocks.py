"""The plain-block test of the CSV reader: judged on the block's newline positions, it
decides as the bytes searches it replaced (the rules pyarrow and ``csv`` agree on)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.io.importers.csv_blocks import _newlines, _plain, _quoted_cells_only


def _plain_by_search(chunk: bytes, delimiter: str) -> bool:
    """The rule as written with bytes searches (the former implementation)."""
    if b"\x00" in chunk or chunk.startswith((b"\n", b"\r")):
        return False
    if b"\n\n" in chunk or b"\n\r\n" in chunk:
        return False
    if b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n"):
        return False
    return b'"' not in chunk or _quoted_cells_only(chunk, delimiter)


PIECES = st.sampled_from([b"a", b"bc", b",", b";", b'"', b'""', b"\n", b"\r", b"\r\n", b"\x00"])


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(PIECES, max_size=30), delimiter=st.sampled_from([",", ";"]))
def test_a_block_is_plain_exactly_when_the_bytes_searches_say_so(
    parts: list[bytes], delimiter: str
) -> None:
    chunk = b"".join(parts)
    want = _plain_by_search(chunk, delimiter)
    assert _plain(chunk, delimiter) == want
    assert _plain(chunk, delimiter, _newlines(chunk)) == want


def test_blank_and_carriage_return_lines_are_not_plain() -> None:
    assert _plain(b"a,b\nc,d\n", ",")
    assert _plain(b"a,b\r\nc,d\r\n", ",")
    assert not _plain(b"a,b\n\nc,d\n", ",")
    assert not _plain(b"a,b\n\r\nc,d\n", ",")
    assert not _plain(b"a,b\rc,d\n", ",")
    assert not _plain(b"a,b\nc,d\r", ",")
