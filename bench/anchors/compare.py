"""The anchors' answers against Accord's records, for every ticket and metric."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

KEY = [("ticket_id", "ascending"), ("metric", "ascending")]
COLUMNS = ["ticket_id", "metric", "business_elapsed", "state"]


def _plain(table: pa.Table) -> pa.Table:
    """The four columns as plain strings and int64, sorted by ticket and metric."""
    cols = []
    for name in COLUMNS:
        col = table.column(name)
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        typ = pa.int64() if name == "business_elapsed" else pa.string()
        cols.append(col.cast(typ))
    return pa.table(cols, names=COLUMNS).sort_by(KEY).combine_chunks()


def accord_answers(records: pa.Table) -> pa.Table:
    """Accord's records as the anchors answer: one row per ticket and metric. Every clock of
    the simple case has one cycle; a record of a later cycle would be an anchor's blind spot,
    so it is refused here."""
    cycles = pc.max(records.column("cycle")).as_py()
    if cycles is not None and cycles > 1:
        raise ValueError(f"a clock with {cycles} cycles: not the simple case the anchors cover")
    return _plain(records.select(COLUMNS))


def differences(anchor: pa.Table, records: pa.Table, limit: int = 10) -> list[str]:
    """Where ``anchor`` (ticket_id, metric, business_elapsed, state) differs from Accord's
    ``records``: at most ``limit`` lines, none when every ticket and metric agree."""
    mine, theirs = _plain(anchor), accord_answers(records)
    if mine.num_rows != theirs.num_rows:
        return [f"{mine.num_rows} answers against Accord's {theirs.num_rows} records"]
    out: list[str] = []
    same = pc.and_(
        pc.and_(
            pc.equal(mine.column("ticket_id"), theirs.column("ticket_id")),
            pc.equal(mine.column("metric"), theirs.column("metric")),
        ),
        pc.and_(
            pc.equal(mine.column("business_elapsed"), theirs.column("business_elapsed")),
            pc.equal(mine.column("state"), theirs.column("state")),
        ),
    )
    bad = pc.indices_nonzero(pc.invert(same)).to_pylist()
    for i in bad[:limit]:
        a, b = mine.slice(i, 1).to_pylist()[0], theirs.slice(i, 1).to_pylist()[0]
        out.append(f"anchor {a} != accord {b}")
    if len(bad) > limit:
        out.append(f"… {len(bad) - limit} more")
    return out
