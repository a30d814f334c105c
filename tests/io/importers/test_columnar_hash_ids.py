"""Content-hash event ids computed on the Arrow column equal the hash of each text."""

from __future__ import annotations

import hashlib

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.io.importers.columnar_checks import HASH_ID_PREFIX, _hashed


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=50), max_size=20), st.integers(0, 3))
def test_event_ids_hashed_in_arrow_equal_the_hash_of_each_text(texts: list[str], cut: int) -> None:
    arr = pa.array(["skipped"] * cut + texts, pa.string())[cut:]  # a slice: offsets shifted
    want = [HASH_ID_PREFIX + hashlib.sha256(t.encode()).digest()[:16].hex() for t in texts]
    assert _hashed(arr).to_pylist() == want
