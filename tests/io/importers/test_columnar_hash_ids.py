"""Content-hash event ids computed on the Arrow column equal the hash of each text."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.io.importers.columnar_checks import HASH_ID_PREFIX, _hashed, json_text_column


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=50), max_size=20), st.integers(0, 3))
def test_event_ids_hashed_in_arrow_equal_the_hash_of_each_text(texts: list[str], cut: int) -> None:
    arr = pa.array(["skipped"] * cut + texts, pa.string())[cut:]  # a slice: offsets shifted
    want = [HASH_ID_PREFIX + hashlib.sha256(t.encode()).digest()[:16].hex() for t in texts]
    assert _hashed(arr).to_pylist() == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=20), st.integers(0, 3))
def test_json_texts_made_in_arrow_equal_json_dumps(texts: list[str | None], cut: int) -> None:
    """The texts' JSON, made in Arrow, is json.dumps(ensure_ascii=False) of each text."""
    arr = pa.array(["x"] * cut + texts, pa.string())[cut:]
    want = [None if t is None else json.dumps(t, ensure_ascii=False) for t in texts]
    assert json_text_column(arr).to_pylist() == want


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 300), min_size=1, max_size=10), st.sampled_from(["a", "é", "\x00"]))
def test_hashed_ids_of_texts_across_block_boundaries_equal_hashlib(
    sizes: list[int], char: str
) -> None:
    """Texts of every length around SHA-256's 64-byte blocks and their padding (55, 56, 63,
    64, … bytes) hash as hashlib hashes them."""
    texts = [char * n for n in sizes] + ["x" * n for n in (0, 55, 56, 63, 64, 119, 120, 128)]
    want = [HASH_ID_PREFIX + hashlib.sha256(t.encode()).digest()[:16].hex() for t in texts]
    assert _hashed(pa.array(texts, pa.string())).to_pylist() == want
