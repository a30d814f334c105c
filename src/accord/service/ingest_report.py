"""The answer of ``POST /api/v1/events`` and the webhooks: one outcome per row, and counts.

:meth:`IngestReport.body` writes the response's bytes directly, the bytes Starlette's
``JSONResponse`` renders from :meth:`IngestReport.to_json` (``tests/service/test_ingest_report.py``
checks that on generated reports): a batch of hundreds of rows spent more CPU on its answer's
dicts, three passes of counting each and the generic encoder than on parsing its body.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from accord.core.event_limits import escape_unstorable, has_unstorable

# Starlette's JSONResponse.render, built once (json.dumps builds an encoder per call)
_RENDER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_ACCEPTED = '"status":"accepted","event_id":'
_DUPLICATE = '"status":"duplicate","event_id":'


def _escaped(text: str | None) -> str | None:
    return escape_unstorable(text) if text is not None else None


class ItemResult(NamedTuple):
    """One row's outcome (a named tuple: a batch makes hundreds, a frozen dataclass costs
    more than twice as much to make)."""

    row: int  # 1-based: item of the array, or line of the stream
    status: str  # accepted, duplicate, rejected
    event_id: str | None = None
    field: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "status": self.status}
        if self.event_id is not None:
            # a rejected row's id may hold what JSON cannot carry (a lone surrogate)
            out["event_id"] = _escaped(self.event_id)
        if self.status == "rejected":
            out["field"] = _escaped(self.field)
            out["reason"] = _escaped(self.reason)
        return out


@dataclass
class IngestReport:
    results: list[ItemResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def counts(self) -> tuple[int, int, int]:
        """Accepted, duplicates, rejected: one pass."""
        accepted = duplicates = 0
        for r in self.results:
            if r.status == "accepted":
                accepted += 1
            elif r.status == "duplicate":
                duplicates += 1
        return accepted, duplicates, len(self.results) - accepted - duplicates

    def to_json(self) -> dict[str, Any]:
        accepted, duplicates, rejected = self.counts()
        return {
            "accepted": accepted,
            "duplicates": duplicates,
            "rejected": rejected,
            "results": [r.to_json() for r in self.results],
        }

    def body(self) -> bytes:
        """``JSONResponse(self.to_json()).body``, written item by item: an accepted or
        duplicate row with its id (the usual row) from a template, any other by the encoder."""
        accepted, duplicates, rejected = self.counts()
        plain = _plain_ids(self.results)
        items: list[str] = []
        add = items.append
        for r in self.results:
            eid = r.event_id
            if plain and eid is not None and r.status == "accepted":
                add(f'{{"row":{int(r.row)},{_ACCEPTED}{encode_basestring(eid)}}}')
            elif plain and eid is not None and r.status == "duplicate":
                add(f'{{"row":{int(r.row)},{_DUPLICATE}{encode_basestring(eid)}}}')
            else:
                add(_RENDER.encode(r.to_json()))
        head = f'{{"accepted":{accepted},"duplicates":{duplicates},"rejected":{rejected},'
        return f'{head}"results":[{",".join(items)}]}}'.encode()


def _plain_ids(results: Sequence[ItemResult]) -> bool:
    """Whether no row's id needs :func:`escape_unstorable` (one search over them all: the
    characters it looks for are single code points, so joining cannot make or hide one)."""
    return not has_unstorable("".join([r.event_id for r in results if r.event_id is not None]))
