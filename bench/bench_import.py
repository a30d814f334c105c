"""``accord import`` of large CSV and JSON exports: rows/s per core and peak memory, against
pandas as anchor and the row importer, in the same run.

    .venv/bin/python bench/bench_import.py                       # 2,000,000 rows a CSV source
    .venv/bin/python bench/bench_import.py --rows 500000 --import-rows 50000 --doc
    .venv/bin/python bench/bench_import.py --sources zendesk,jira,freshdesk --json-rows 200000

Three CSV sources of ``--rows`` rows each:

- **ServiceNow**: the UCI incident audit log (``../shared/data/uci-incident-event-log``),
  repeated with the incident numbers suffixed (``INC0000045-2``, …) until it has the rows;
  imported with the shipped ``servicenow`` mapping (snapshots: each row diffed against the
  incident's previous one);
- **generic CSV**: the vectorised generator's log (``bench/gen_events.py``) as a CSV of one
  event a row (ISO instants, ``event_id``, kind, actor, public, status, standard fields, two
  custom fields), imported with the shipped ``csv`` mapping plus the generator's two extra
  status names and custom fields;
- **process-mining**: the Helpdesk log (``../shared/data/helpdesk-italian``) repeated with
  the case ids suffixed, imported with the shipped ``helpdesk-italian`` mapping (no event
  ids: each event's id is its content's hash).

Three JSON exports of ``--json-rows`` records each (``bench/gen_json_exports.py``: Zendesk
ticket audits, Jira issues with changelog and comments, Freshdesk tickets with stats and
conversations), imported with their shipped mappings; a row is one record (an audit, an
issue, a ticket), which gives one to several events.

Cases, each in a fresh process pinned to one CPU (pyarrow and pandas on one thread):

- **columnar import**: :func:`accord.io.importers.import_file` to a ``.parquet`` file (what
  ``accord import SOURCE -f FORMAT -o x.parquet`` runs, without the progress bar), on all
  the rows;
- **row import**: the same with ``columnar=False`` (the row importer, the reference), on the
  first ``--import-rows`` rows (it takes minutes per hundred thousand rows);
- **pandas anchor**: ``pandas.read_csv`` of all the rows (the mapped columns only, as text:
  pandas is spared converting the others, which Accord reads for the quarantine) followed by
  the same column mapping done in pandas: the mapped columns trimmed and renamed, the missing
  values made null, the status names (process-mining: the activities) mapped to their
  categories, the instants parsed with the mapping's format, and for an event log without
  event ids (process-mining) each event's id hashed from its mapped values (SHA-256 a row,
  as Accord's content-hash ids are). It validates nothing, diffs nothing and writes
  nothing: the floor the goal compares with. For the JSON exports: ``json.load`` and
  ``pandas.json_normalize`` of the records and their nested lists, then the same mapping
  in pandas (``bench/anchors_import_json.py``).

Rates are rows per second of the process's CPU time (the process is pinned to one core, so
this is the rate per core; wall time on a shared host also counts other processes' turns)
and of wall time. The best of ``--repeat`` runs (2) is kept; peak memory is the process's
``VmHWM``. ``--doc`` writes the figures into the "Importing" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
UCI = ROOT.parent / "shared" / "data" / "uci-incident-event-log" / "incident_event_log.zip"
HELPDESK = ROOT.parent / "shared" / "data" / "helpdesk-italian" / "helpdesk.csv.gz"
SECTION = "Importing"
JSON_FORMATS = {"zendesk": "Zendesk", "jira": "Jira", "freshdesk": "Freshdesk"}
CSV_FORMATS = ("servicenow", "csv", "process-mining")


def _peak_rss() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


# ------------------------------------------------------------------------ the anchor


def _anchor(path: str, fmt: str, mapping: str | None) -> int:
    """pandas.read_csv of the mapped columns, then the mapping: trimmed, renamed, nulled,
    mapped, parsed; and where the source has no event ids, the events' content hashed."""
    import hashlib

    import pandas as pd

    from accord.io.importers import default_mapping, load_import_mapping

    m = default_mapping(fmt) if mapping is None else load_import_mapping(mapping, fmt)
    wanted: dict[str, str] = {}
    for role in m.columns:
        col = m.column(role)
        if col is not None:
            wanted[role] = col
    wanted.update(m.fields)
    wanted.update({name: spec.column for name, spec in m.custom_fields.items()})
    needed = set(wanted.values())
    # fair to pandas: only the columns the mapping reads are converted
    df = pd.read_csv(
        path, dtype=str, keep_default_na=False, engine="c", usecols=lambda c: c in needed
    )
    missing = sorted(m.missing_set)
    out = pd.DataFrame(index=df.index)
    for name, col in wanted.items():
        if col not in df.columns:
            continue
        s = df[col].str.strip()
        out[name] = s.mask(s.isin(missing))
    if "status" in out:
        table = {k: v.value for k, v in m.status_table.items()}
        out["status"] = out["status"].str.casefold().map(table)
    if "activity" in out and m.activities:
        # process-mining: the status (and assignment) each activity means
        status = {a: r.status for a, r in m.activities.items() if r.status is not None}
        out["status"] = out["activity"].map(status)
    formats = [f for f in m.timestamp_format if f not in ("iso", "epoch")]
    for name in ("ts", "created_at"):
        if name in out:
            fmt_ = formats[0] if formats else "ISO8601"
            out[name] = pd.to_datetime(out[name], format=fmt_, errors="coerce")
    if "event_id" not in out and not m.snapshot and fmt != "servicenow":
        # fair to Accord: an event log without ids gets each event's content hashed, as
        # Accord's ids are (SHA-256 of a text of the event's mapped values, a row at a time)
        parts = [out[c].astype("string").fillna("") for c in out.columns]
        content = parts[0].str.cat(parts[1:], sep="\x1f")
        sha = hashlib.sha256
        out["event_id"] = ["h:" + sha(t.encode()).hexdigest()[:32] for t in content]
    return len(out)


def _json_anchor(path: str, fmt: str, mapping: str | None) -> int:
    from accord.io.importers import default_mapping, load_import_mapping
    from anchors_import_json import ANCHORS

    m = default_mapping(fmt) if mapping is None else load_import_mapping(mapping, fmt)
    rows: int = ANCHORS[fmt](path, m)
    return rows


def _child(mode: str, path: str, fmt: str, mapping: str) -> None:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import pyarrow as pa

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    import pandas  # noqa: F401  (imported before the clock starts: start-up is not importing)

    import accord.io.importers  # noqa: F401

    chosen = None if mapping == "-" else mapping
    out: dict[str, Any] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    if mode == "anchor":
        anchor = _json_anchor if fmt in JSON_FORMATS else _anchor
        out["rows"] = anchor(path, fmt, chosen)
    else:
        from accord.io.importers import import_file

        target = Path(path).with_suffix(".out.parquet")
        stats, _q = import_file(path, fmt, target, mapping=chosen, columnar=mode == "columnar")
        out["rows"] = stats.rows
        out["events"] = stats.events
        out["quarantined"] = stats.quarantined
        target.unlink()
    out["seconds"] = time.perf_counter() - t0
    out["cpu"] = time.process_time() - c0
    out["peak_rss"] = _peak_rss()
    print(json.dumps(out))


def _run(mode: str, path: Path, fmt: str, mapping: Path | None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(path), fmt]
    cmd.append(str(mapping) if mapping is not None else "-")
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    got: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return got


# ------------------------------------------------------------------------ the sources


def _servicenow(rows: int, out: Path) -> None:
    """The UCI log repeated, incident numbers suffixed per copy, up to ``rows`` rows."""
    with zipfile.ZipFile(UCI) as z:
        text = z.read(z.namelist()[0]).decode("utf-8")
    header, *body = [ln for ln in text.split("\n") if ln]
    written = 0
    with out.open("w", encoding="utf-8") as f:
        f.write(header + "\n")
        copy = 0
        while written < rows:
            copy += 1
            for ln in body:
                if written >= rows:
                    break
                number, rest = ln.split(",", 1)
                f.write(f"{number}-{copy},{rest}\n" if copy > 1 else ln + "\n")
                written += 1


def _generic(rows: int, out: Path, mapping: Path) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import yaml

    from accord.io.importers import shipped_mapping_text
    from gen_events import generate

    table = generate(int(rows * 1.01) + 100).table.slice(0, rows)
    ts = pc.strftime(table.column("ts"), format="%Y-%m-%dT%H:%M:%SZ")
    public = pc.if_else(table.column("public"), "true", "false")
    cols = {
        "ticket_id": table.column("ticket_id"),
        "timestamp": ts,
        "event_id": table.column("event_id"),
        "kind": table.column("kind"),
        "actor": table.column("actor"),
        "public": public,
    }
    for name in ("status", "priority", "customer", "team", "assignee", "channel", "type"):
        cols[name] = table.column(name)
    cols["tags"] = table.column("tags")
    cols["rating"] = table.column("rating")
    cols["product"] = table.column("field.product")
    cols["region"] = table.column("field.region")
    pacsv.write_csv(
        pa.table(cols), out, pacsv.WriteOptions(quoting_style="needed", include_header=True)
    )
    spec = yaml.safe_load(shipped_mapping_text("csv"))
    spec["statuses"].update({"Awaiting customer": "pending", "Waiting on vendor": "on_hold"})
    spec["custom_fields"] = {"product": "product", "region": "region"}
    mapping.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


def _process_mining(rows: int, out: Path) -> None:
    """The Helpdesk log repeated, case ids suffixed per copy, up to ``rows`` rows."""
    import gzip

    with gzip.open(HELPDESK, "rt", encoding="utf-8") as f:
        header, *body = [ln for ln in f.read().split("\n") if ln]
    case = header.split(",").index("case:concept:name")
    written = 0
    with out.open("w", encoding="utf-8") as g:
        g.write(header + "\n")
        copy = 0
        while written < rows:
            copy += 1
            for ln in body:
                if written >= rows:
                    break
                cells = ln.split(",")
                if copy > 1:
                    cells[case] = f"{cells[case]}-{copy}"
                g.write(",".join(cells) + "\n")
                written += 1


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _head(src: Path, rows: int, out: Path) -> None:
    with src.open("rb") as f, out.open("wb") as g:
        for i, line in enumerate(f):
            if i > rows:
                break
            g.write(line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--import-rows", type=int, default=50_000)
    ap.add_argument("--json-rows", type=int, default=200_000, help="records a JSON export")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument(
        "--sources",
        default=",".join((*CSV_FORMATS, *JSON_FORMATS)),
        help="the formats to measure, comma-separated (default: all six)",
    )
    ap.add_argument("--doc", action="store_true", help="write docs/performance.md's section")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    sys.path.insert(0, str(HERE))
    from _common import machine_info, markdown_table, replace_section
    from gen_json_exports import write_export

    for needed in (UCI, HELPDESK):
        if not needed.is_file():
            print(f"the public logs are needed: {needed}", file=sys.stderr)
            return 2
    results: list[list[str]] = []
    loads = [_load()]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        chosen = {f.strip() for f in args.sources.split(",") if f.strip()}
        sources: list[tuple[str, str, Path, Path | str | None]] = []
        heads: dict[str, Path] = {}
        if "servicenow" in chosen:
            sn = d / "servicenow.csv"
            _servicenow(args.rows, sn)
            sources.append(("ServiceNow", "servicenow", sn, None))
        if "csv" in chosen:
            gen, gmap = d / "generic.csv", d / "generic.yaml"
            _generic(args.rows, gen, gmap)
            sources.append(("generic CSV", "csv", gen, gmap))
        if "process-mining" in chosen:
            pm = d / "process-mining.csv"
            _process_mining(args.rows, pm)
            sources.append(("process-mining", "process-mining", pm, "helpdesk-italian"))
        for fmt, label in JSON_FORMATS.items():
            if fmt in chosen:
                full, heads[fmt] = d / f"{fmt}.json", d / f"{fmt}-head.json"
                write_export(fmt, args.json_rows, full)
                write_export(fmt, args.import_rows, heads[fmt])
                sources.append((label, fmt, full, None))
        for label, fmt, full, mapping in sources:
            head = heads.get(fmt) or d / f"{full.stem}-head.csv"
            if fmt not in heads:
                _head(full, args.import_rows, head)
            mb = full.stat().st_size / 2**20
            n_rows = args.json_rows if fmt in JSON_FORMATS else args.rows
            print(f"{label}: {n_rows:,} rows, {mb:,.0f} MiB", flush=True)
            cases = {
                "columnar import": ("columnar", full),
                "pandas anchor": ("anchor", full),
                "row import": ("rows", head),
            }
            best: dict[str, dict[str, Any]] = {}
            names = list(cases)
            for r in range(args.repeat):
                for name in names[r % len(names) :] + names[: r % len(names)]:
                    mode, path = cases[name]
                    got = _run(mode, path, fmt, mapping)
                    print(f"  {name}: {got}", flush=True)
                    if name not in best or got["cpu"] < best[name]["cpu"]:
                        best[name] = got
            loads.append(_load())
            anchor = best["pandas anchor"]
            anchor_rate = anchor["rows"] / anchor["cpu"]
            for name in names:
                got = best[name]
                rate = got["rows"] / got["cpu"]
                results.append(
                    [
                        label,
                        name,
                        f"{got['rows']:,}",
                        f"{got['events']:,}" if "events" in got else "",
                        f"{got['cpu']:.2f} s",
                        f"{rate:,.0f} rows/s",
                        f"{got['rows'] / got['seconds']:,.0f} rows/s",
                        f"{rate / anchor_rate:.2f}x",
                        f"{got['peak_rss'] / 2**20:,.0f} MiB",
                    ]
                )
    header = [
        "source",
        "case",
        "rows",
        "events",
        "CPU time",
        "rate per core (CPU)",
        "rate (wall)",
        "vs anchor",
        "peak RSS",
    ]
    lines = [
        f"- CSV sources of {args.rows:,} rows each, JSON exports of {args.json_rows:,} records "
        "(rows) each (see `bench/bench_import.py`, `bench/gen_json_exports.py`); the "
        "columnar import and the pandas anchor on all of them, the row importer on the "
        f"first {args.import_rows:,}",
        "- each case in a fresh process pinned to one CPU; rates per second of the process's "
        f"CPU time (per core) and of wall time; best of {args.repeat}, interleaved",
        "- `vs anchor`: the rate per core against the pandas anchor's on the same source",
        f"- host load average (1 / 5 / 15 min) before and after each source: {'; '.join(loads)}",
        "- machine: "
        + ", ".join(f"{k} {v}" for k, v in machine_info(("pandas", "pyarrow")).items()),
        "",
        markdown_table(header, results, left=2),
        "",
        f"Reproduce: `.venv/bin/python bench/bench_import.py --rows {args.rows} "
        f"--json-rows {args.json_rows} --import-rows {args.import_rows} "
        f"--repeat {args.repeat} --sources {args.sources} --doc`",
    ]
    report = "\n".join(lines)
    print(report)
    if args.doc:
        replace_section(ROOT / "docs" / "performance.md", SECTION, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
