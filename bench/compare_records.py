"""Are two runs' records the same, whatever their order and layout? For logs too large to
compare row by row in memory (100M events: 69M records).

    .venv/bin/python bench/compare_records.py LOCAL.parquet SPARK_DIR

LOCAL is `accord sla … -f parquet -o FILE`'s file; SPARK_DIR is `--engine spark`'s dataset,
partitioned by metric and month (the month column is the partitioning's, not the records').
Each row is hashed over every record column (instants as epoch microseconds: the local file
keeps their zone, Spark's timestamps have none; a metric's partition name is URL-decoded); the
two sides are equal multisets when their row counts and the sum and XOR of their hashes agree.
DuckDB streams both, in constant memory. Exits 1 when they differ, naming the columns.
"""

from __future__ import annotations

import argparse
import sys
import time

import duckdb


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("local")
    ap.add_argument("spark")
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    local = f"read_parquet('{args.local}')"
    spark = f"read_parquet('{args.spark}/metric=*/**/*.parquet', hive_partitioning = true)"
    types = dict(
        (str(r[0]), str(r[1])) for r in con.execute(f"DESCRIBE SELECT * FROM {local}").fetchall()
    )
    cols = list(types)

    def cell(col: str, on_spark: bool) -> str:
        if on_spark and col == "metric":
            return "url_decode(CAST(metric AS VARCHAR))"
        if "TIMESTAMP" in types[col]:
            return f'CAST(epoch_us("{col}") AS VARCHAR)'
        return f'CAST("{col}" AS VARCHAR)'

    def fingerprint(source: str, on_spark: bool) -> tuple[object, ...]:
        row = "hash(" + ", ".join(f"coalesce({cell(c, on_spark)}, '<null>')" for c in cols) + ")"
        per_col = ", ".join(
            f"sum(hash(coalesce({cell(c, on_spark)}, '<null>'))::HUGEINT)" for c in cols
        )
        got = con.execute(
            f"SELECT count(*), sum({row}::HUGEINT), bit_xor({row}), {per_col} FROM {source}"
        ).fetchone()
        assert got is not None
        return tuple(got)

    t = time.perf_counter()
    a = fingerprint(local, False)
    b = fingerprint(spark, True)
    print(f"{a[0]:,} records against {b[0]:,} ({time.perf_counter() - t:.0f} s)")
    if a[:3] == b[:3]:
        print(f"equal: the same multiset of records over {len(cols)} columns")
        return 0
    differing = [c for c, x, y in zip(cols, a[3:], b[3:], strict=True) if x != y]
    print(f"DIFFERENT: columns whose values differ: {', '.join(differing) or '(rows only)'}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
