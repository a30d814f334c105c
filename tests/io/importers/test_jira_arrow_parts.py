"""The array helpers of the Jira (and Freshdesk) table conversion against the Python they
stand for: texts trimmed as ``str.strip`` trims them."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.io.importers.jira_arrow import _stripped

# texts with spaces, tabs, unicode spaces, control characters and non-ASCII at the ends
_END = st.sampled_from([" ", "\t", "\n", "\x1f", "\x7f", "\u00a0", "\u2003", "é", "~", "!", "a"])
_TEXT = st.one_of(
    st.none(),
    st.builds(
        lambda a, b, c: a + b + c, _END | st.just(""), st.text(max_size=4), _END | st.just("")
    ),
)


@settings(max_examples=400, deadline=None)
@given(texts=st.lists(_TEXT, max_size=20), cut=st.integers(0, 3))
def test_texts_are_trimmed_as_python_trims_them(texts: list[str | None], cut: int) -> None:
    arr = pa.array(texts, pa.string()).slice(min(cut, len(texts)))
    want = [None if t is None else t.strip() for t in arr.to_pylist()]
    assert _stripped(arr).to_pylist() == want
