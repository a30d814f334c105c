"""Record-for-record comparison of Spark's records with the local batch engine's."""

from __future__ import annotations

import pyarrow as pa

from accord.core.engine.batch.schema import RECORDS_SCHEMA, plain_records


def assert_same_records(got: pa.Table, expected: pa.Table) -> None:
    """Same schema, same rows in the same order, value for value."""
    assert got.schema == RECORDS_SCHEMA
    assert got.num_rows == expected.num_rows
    a, b = plain_records(got), plain_records(expected)
    for name in a.column_names:
        x, y = a.column(name).to_pylist(), b.column(name).to_pylist()
        if x != y:
            i = next(k for k, (p, q) in enumerate(zip(x, y, strict=True)) if p != q)
            raise AssertionError(
                f"column {name}, row {i} (ticket {a.column('ticket_id')[i]}): {x[i]!r} != {y[i]!r}"
            )


def canonical(table: pa.Table) -> pa.Table:
    """Records by ticket, metric and cycle (an incremental run keeps earlier records, whose
    order within a ticket is not the kernel's)."""
    order = pa.compute.sort_indices(
        plain_records(table),
        sort_keys=[("ticket_id", "ascending"), ("metric", "ascending"), ("cycle", "ascending")],
    )
    return table.take(order)
