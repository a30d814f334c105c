"""``POST /api/v1/events`` and the webhooks: rows in, per-item outcomes out.

Every row is validated by the core's rules (:mod:`accord.core.event_validation`, limits
included); good ones go to the store, which keeps them idempotently on ``event_id``, bad ones go
to the quarantine with their reason, in the same transaction. A row the database still refuses
is quarantined alone by the store, with the database's reason: one row never fails its batch.
The store commits before this returns, so an outcome the client sees as ``accepted`` is
durable. Rows are stored in chunks of :data:`CHUNK` (one transaction each), so a long NDJSON
stream does not hold the write lock for long.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from accord.core.event_validation import validate_event
from accord.core.events import Event
from accord.errors import InputError, PayloadTooLargeError, RowProblem, UnsupportedFormatError
from accord.io import safejson
from accord.io.readers import Accepted, iter_jsonl
from accord.io.store import Incoming
from accord.service.ingest_report import IngestReport, ItemResult
from accord.service.runtime import Runtime

CHUNK = 1_000
SOURCE_JSON = "api"
SOURCE_NDJSON = "api:ndjson"
JSON_TYPES = frozenset({"application/json", "text/json"})
NDJSON_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/jsonlines",
    }
)


def media_type(content_type: str | None) -> str:
    if not content_type:
        return "application/json"
    return content_type.split(";", 1)[0].strip().lower()


def ingest_body(runtime: Runtime, body: bytes, content_type: str | None) -> IngestReport:
    """Parse a request body (one JSON object, a JSON array, or NDJSON) and store its events."""
    kind = media_type(content_type)
    if kind in NDJSON_TYPES:
        return _ingest_ndjson(runtime, body)
    if kind in JSON_TYPES or kind.endswith("+json"):
        return _ingest_json(runtime, body)
    raise UnsupportedFormatError(
        f"cannot read events sent as '{kind}'; send application/json (one event or an array) "
        "or application/x-ndjson (one event per line)"
    )


def read_json(runtime: Runtime, body: bytes, source: str) -> Any:
    """The JSON value of a body, within the limits of :mod:`accord.io.safejson`. A body that
    cannot be read answers 400 and is kept whole in the quarantine, so that nothing sent is
    lost. Lone surrogates are left to :func:`ingest_rows`, which rejects them row by row."""
    limits = safejson.LIMITS.but(max_bytes=runtime.settings.max_body_bytes, surrogates=True)
    try:
        return safejson.loads(body, limits=limits)
    except InputError as e:
        path = e.details[0].get("path") if e.details else None
        raise refuse_body(runtime, body, source, e.message, path) from None


def refuse_body(
    runtime: Runtime, body: bytes, source: str, reason: str, path: str | None = None
) -> InputError:
    """Keep a body that cannot be read in the quarantine, whole, and return the 400 to raise."""
    text = body.decode("utf-8", "replace")
    problem = RowProblem(source, 1, "*", reason, {"_body": text})
    runtime.store.add_events([], [problem], received_at=runtime.clock())
    runtime.metrics.rejected.labels(source).inc()
    return InputError(reason, details=[{"row": 1, "field": "*", "reason": reason, "path": path}])


def _ingest_json(runtime: Runtime, body: bytes) -> IngestReport:
    payload = read_json(runtime, body, SOURCE_JSON)
    if isinstance(payload, list):
        limit = runtime.settings.max_batch_items
        if len(payload) > limit:
            raise PayloadTooLargeError(
                f"a batch holds at most {limit:,} events; this one has {len(payload):,}",
                details=[{"limit": limit, "items": len(payload)}],
            )
        items: Sequence[Any] = payload
    else:
        items = [payload]
    return ingest_rows(runtime, items, source=SOURCE_JSON)


def ingest_rows(runtime: Runtime, rows: Sequence[Any], *, source: str) -> IngestReport:
    """Validate canonical rows (parsed JSON values) and store them."""
    config = runtime.config_at(runtime.clock())
    mapper = config.status_category if config is not None else None
    outcomes: list[Incoming | RowProblem] = []
    for n, raw in enumerate(rows, start=1):
        # a lone surrogate anywhere in the row is that row's rejection, naming its field
        got = validate_event(raw, source=source, row=n, status_category=mapper)
        if isinstance(got, Event):
            outcomes.append(Incoming(got, source, n, raw if isinstance(raw, Mapping) else None))
        else:
            outcomes.append(got)
    return store_outcomes(runtime, outcomes, source=source)


def _ingest_ndjson(runtime: Runtime, body: bytes) -> IngestReport:
    lines = body.splitlines()
    used = sum(1 for line in lines if line.strip())
    limit = runtime.settings.max_stream_lines
    if used > limit:
        raise PayloadTooLargeError(
            f"a stream holds at most {limit:,} events; this one has {used:,} lines",
            details=[{"limit": limit, "items": used}],
        )
    config = runtime.config_at(runtime.clock())
    mapper = config.status_category if config is not None else None
    outcomes: list[Incoming | RowProblem] = []
    for got in iter_jsonl(lines, source=SOURCE_NDJSON, status_category=mapper):
        if isinstance(got, Accepted):
            outcomes.append(Incoming(got.event, got.source, got.row))
        elif isinstance(got, RowProblem):
            outcomes.append(got)
    return store_outcomes(runtime, outcomes, source=SOURCE_NDJSON)


def _chunks(items: Sequence[Incoming | RowProblem]) -> Iterable[Sequence[Incoming | RowProblem]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def store_outcomes(
    runtime: Runtime, outcomes: Sequence[Incoming | RowProblem], *, source: str
) -> IngestReport:
    """Store validated rows, chunk by chunk, and report each one's outcome in order."""
    report = IngestReport()
    for chunk in _chunks(outcomes):
        items = [x for x in chunk if isinstance(x, Incoming)]
        problems = [x for x in chunk if isinstance(x, RowProblem)]
        stored = runtime.store.add_events(items, problems, received_at=runtime.clock())
        by_item = iter(stored)
        for x in chunk:
            if isinstance(x, RowProblem):
                report.results.append(
                    ItemResult(x.row, "rejected", _raw_id(x.raw), x.field, x.reason)
                )
                continue
            outcome = next(by_item)
            if isinstance(outcome, RowProblem):
                report.results.append(
                    ItemResult(x.row, "rejected", x.event.event_id, outcome.field, outcome.reason)
                )
            else:
                report.results.append(ItemResult(x.row, outcome, x.event.event_id))
    accepted, duplicates, rejected = report.counts()
    if accepted:
        runtime.metrics.ingested.labels(source).inc(accepted)
        runtime.notify_recompute()
    if duplicates:
        runtime.metrics.duplicates.labels(source).inc(duplicates)
    if rejected:
        runtime.metrics.rejected.labels(source).inc(rejected)
    return report


def _raw_id(raw: Mapping[str, Any]) -> str | None:
    value = raw.get("event_id")
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None
