"""Bad inputs: hostile values sent to the routes they target (issue 19's list and the limits of
docs/api.md), each answer compared with the documented one; then a good ticket sent after all
of them must still get its clocks from the background recompute (poison does not stop it).

A documented answer is one of:

- a status with the one error shape and that status's code (400 ``input_invalid``, 413
  ``payload_too_large``, 422 ``request_invalid``/``config_invalid``, ...), and for a body that
  breaks the JSON limits, the body kept in the quarantine;
- 200 with one outcome per row, the bad row ``rejected`` (and quarantined) and the good rows
  around it ``accepted``;
- for the methods: ``HEAD`` 200 without a body, ``OPTIONS`` 204 with ``Allow``, a method the
  resource lacks 405 with ``Allow``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from accord.service.webhooks import jira, zendesk

from .deployment import JIRA_SECRET, ZENDESK_SECRET, Deployment
from .leaks import iso
from .tally import Tally, shape_problem

EVENTS = "/api/v1/events"
DEEP = 10_000
HUGE_INT = "9" * 5_000
LONG = "x" * 3_000  # 3 KB: over the 512-byte limit of ids and standard values


@dataclass
class Case:
    name: str
    method: str
    path: str
    expect: int
    who: str = "write"
    # the request's keyword arguments, built when it is sent (signed webhooks need "now")
    build: Callable[[], dict[str, Any]] = lambda: {}
    rows: list[str] | None = None  # outcomes expected row by row (a 200 from ingest)
    quarantined: bool = False  # a refused body is kept whole in the quarantine
    check: Callable[[httpx.Response], str | None] | None = None


@dataclass
class Ids:
    """Fresh event and ticket ids, so that no case is a duplicate of another."""

    run: str = field(default_factory=lambda: secrets.token_hex(3))
    n: int = 0

    def event(self, ticket: str | None = None, **over: Any) -> dict[str, Any]:
        self.n += 1
        row: dict[str, Any] = {
            "event_id": f"bad-{self.run}-{self.n}",
            "ticket_id": ticket or f"PRB-BAD-{self.run}-{self.n}",
            "ts": iso(time.time() - 600),
            "kind": "created",
            "actor": "customer",
            "fields": {"customer": "acme", "priority": "high", "status": "new"},
        }
        row.update(over)
        return row


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _raw(text: str) -> dict[str, Any]:
    return {"content": text.encode(), "headers": {"Content-Type": "application/json"}}


def _batch_around(ids: Ids, bad: str) -> dict[str, Any]:
    """A batch: a good row, the bad row (JSON text), a good row."""
    text = "[" + ", ".join([json.dumps(ids.event()), bad, json.dumps(ids.event())]) + "]"
    return _raw(text)


def _ndjson(ids: Ids, bad: str) -> dict[str, Any]:
    lines = [json.dumps(ids.event()), bad, json.dumps(ids.event())]
    return {
        "content": ("\n".join(lines) + "\n").encode(),
        "headers": {"Content-Type": "application/x-ndjson"},
    }


def _zendesk(body: bytes) -> dict[str, Any]:
    stamp = iso(time.time())
    return {
        "content": body,
        "headers": {
            "Content-Type": "application/json",
            zendesk.SIGNATURE_HEADER: zendesk.sign(ZENDESK_SECRET, stamp, body),
            zendesk.TIMESTAMP_HEADER: stamp,
        },
    }


def _jira(body: bytes) -> dict[str, Any]:
    return {
        "content": body,
        "headers": {
            "Content-Type": "application/json",
            jira.SIGNATURE_HEADER: jira.sign(JIRA_SECRET, body),
        },
    }


def _config(files: dict[str, str]) -> dict[str, Any]:
    return {"json": {"files": files}}


def _allow(res: httpx.Response) -> str | None:
    return None if res.headers.get("allow") else "no Allow header"


def _no_body(res: httpx.Response) -> str | None:
    return f"HEAD answered a body of {len(res.content)} bytes" if res.content else None


def _event_text(ids: Ids, **over: Any) -> str:
    return json.dumps(ids.event(**over))


def _with_value(ids: Ids, field_name: str, raw_value: str) -> str:
    """An event whose field ``field_name`` holds ``raw_value`` (JSON text, e.g. an escape
    that ``json.dumps`` would not write)."""
    row = ids.event()
    marker = "@@VALUE@@"
    row["fields"][field_name] = marker
    return json.dumps(row).replace(json.dumps(marker), raw_value)


def cases(ids: Ids, alert_id: int | None) -> list[Case]:
    deep = "[" * DEEP + "]" * DEEP
    big_int = '{"event_id": "big", "ticket_id": "T", "n": ' + HUGE_INT + "}"
    now_alert = str(alert_id or 1)
    out = [
        # ---- one JSON body that breaks the JSON limits: 400, kept whole in the quarantine
        Case("JSON nested 10,000 levels", "POST", EVENTS, 400, build=lambda: _raw(deep),
             quarantined=True),
        Case("a 5,000-digit integer", "POST", EVENTS, 400, build=lambda: _raw(big_int),
             quarantined=True),
        Case("a number 1e999", "POST", EVENTS, 400,
             build=lambda: _raw(_event_text(ids).replace('"kind"', '"n": 1e999, "kind"')),
             quarantined=True),
        Case("NaN", "POST", EVENTS, 400, build=lambda: _raw('{"event_id": NaN}'),
             quarantined=True),
        Case("a body that is not JSON", "POST", EVENTS, 400, build=lambda: _raw('{"event_id'),
             quarantined=True),
        Case("a 2 MiB string", "POST", EVENTS, 400,
             build=lambda: _raw(_with_value(ids, "note", json.dumps("y" * (2 << 20)))),
             quarantined=True),
        Case("bytes that are not UTF-8 (a surrogate's encoding)", "POST", EVENTS, 400,
             build=lambda: {"content": b'{"event_id": "\xed\xa0\x80"}',
                            "headers": {"Content-Type": "application/json"}},
             quarantined=True),
        # ---- one bad row in a batch: rejected alone, the good rows around it accepted
        Case("a lone surrogate in a field value", "POST", EVENTS, 200,
             build=lambda: _batch_around(ids, _with_value(ids, "region", '"eu\\ud800"')),
             rows=["accepted", "rejected", "accepted"]),
        Case("a lone surrogate in ticket_id", "POST", EVENTS, 200,
             build=lambda: _batch_around(
                 ids, _event_text(ids, ticket_id="@T@").replace('"@T@"', '"T\\udfff"')),
             rows=["accepted", "rejected", "accepted"]),
        Case("a lone surrogate in event_id", "POST", EVENTS, 200,
             build=lambda: _batch_around(
                 ids, _event_text(ids, event_id="@E@").replace('"@E@"', '"\\ud83d"')),
             rows=["accepted", "rejected", "accepted"]),
        Case("NUL in a field value", "POST", EVENTS, 200,
             build=lambda: _batch_around(ids, _with_value(ids, "team", '"sup\\u0000port"')),
             rows=["accepted", "rejected", "accepted"]),
        Case("NUL in event_id", "POST", EVENTS, 200,
             build=lambda: _batch_around(ids, _event_text(ids, event_id="e\x00vil")),
             rows=["accepted", "rejected", "accepted"]),
        Case("NUL in a field name", "POST", EVENTS, 200,
             build=lambda: _batch_around(
                 ids, _event_text(ids).replace('"priority"', '"pri\\u0000ority"')),
             rows=["accepted", "rejected", "accepted"]),
        Case("a 3 KB event_id", "POST", EVENTS, 200,
             build=lambda: _batch_around(ids, _event_text(ids, event_id=LONG)),
             rows=["accepted", "rejected", "accepted"]),
        Case("a 3 KB ticket_id", "POST", EVENTS, 200,
             build=lambda: _batch_around(ids, _event_text(ids, ticket_id=LONG)),
             rows=["accepted", "rejected", "accepted"]),
        Case("a 3 KB customer", "POST", EVENTS, 200,
             build=lambda: _batch_around(ids, _with_value(ids, "customer", json.dumps(LONG))),
             rows=["accepted", "rejected", "accepted"]),
        Case("a 5 KB custom field", "POST", EVENTS, 200,
             build=lambda: _batch_around(ids, _with_value(ids, "note", json.dumps("z" * 5000))),
             rows=["accepted", "rejected", "accepted"]),
        # ---- NDJSON: a bad line is that line's rejection
        Case("a truncated NDJSON line", "POST", EVENTS, 200,
             build=lambda: _ndjson(ids, _event_text(ids)[:40]),
             rows=["accepted", "rejected", "accepted"]),
        Case("an NDJSON line nested 10,000 levels", "POST", EVENTS, 200,
             build=lambda: _ndjson(ids, deep), rows=["accepted", "rejected", "accepted"]),
        Case("an NDJSON line with a 5,000-digit integer", "POST", EVENTS, 200,
             build=lambda: _ndjson(ids, big_int), rows=["accepted", "rejected", "accepted"]),
        Case("an NDJSON line with a lone surrogate", "POST", EVENTS, 200,
             build=lambda: _ndjson(ids, _with_value(ids, "region", '"\\udc00"')),
             rows=["accepted", "rejected", "accepted"]),
        # ---- sizes and media types: nothing stored
        Case("a batch of 5,001 events", "POST", EVENTS, 413,
             build=lambda: {"json": [ids.event() for _ in range(5001)]}),
        Case("a 17 MiB body", "POST", EVENTS, 413,
             build=lambda: _raw('["' + "w" * (17 << 20) + '"]')),
        Case("events as text/plain", "POST", EVENTS, 415,
             build=lambda: {"content": _json(ids.event()),
                            "headers": {"Content-Type": "text/plain"}}),
        # ---- query parameters
        Case("a lone surrogate in a ticket cursor", "GET", "/api/v1/tickets", 400, who="read",
             build=lambda: {"params": {"cursor": "%ED%A0%80"}}),
        Case("a cursor outside its grammar", "GET", "/api/v1/at-risk", 400, who="read",
             build=lambda: {"params": {"cursor": "zz"}}),
        Case("an empty cursor=", "GET", "/api/v1/tickets", 200, who="read",
             build=lambda: {"params": {"cursor": ""}}),
        Case("an empty as_of=", "GET", "/api/v1/tickets", 200, who="read",
             build=lambda: {"params": {"as_of": ""}}),
        Case("an empty period=", "GET", "/api/v1/customers/acme/statement", 200, who="read",
             build=lambda: {"params": {"period": ""}}),
        Case("as_of=9999-12-31T23:59:59Z on a statement", "GET",
             "/api/v1/customers/acme/statement", 400, who="read",
             build=lambda: {"params": {"as_of": "9999-12-31T23:59:59Z"}}),
        Case("as_of=9999-12-31T23:59:59Z on the tickets", "GET", "/api/v1/tickets", 400,
             who="read", build=lambda: {"params": {"as_of": "9999-12-31T23:59:59Z"}}),
        Case("period=2026-13", "GET", "/api/v1/customers/acme/statement", 400, who="read",
             build=lambda: {"params": {"period": "2026-13"}}),
        Case("limit=0", "GET", "/api/v1/tickets", 422, who="read",
             build=lambda: {"params": {"limit": "0"}}),
        Case("a ticket id of 3 KB", "GET", f"/api/v1/tickets/{LONG}", 404, who="read"),
        # ---- alerts
        Case("alert id 2^63", "GET", f"/api/v1/alerts/{2**63}", 422, who="read"),
        Case("acknowledge alert id 2^63", "POST", f"/api/v1/alerts/{2**63}/acknowledge", 422),
        Case("a snooze of 99999999999d", "POST", f"/api/v1/alerts/{now_alert}/snooze", 400,
             build=lambda: {"json": {"for": "99999999999d"}}),
        Case("a snooze until 9999-12-31", "POST", f"/api/v1/alerts/{now_alert}/snooze", 400,
             build=lambda: {"json": {"until": "9999-12-31T00:00:00Z"}}),
        # ---- methods
        Case("HEAD on the ticket list", "HEAD", "/api/v1/tickets", 200, who="read",
             check=_no_body),
        Case("OPTIONS on the ticket list", "OPTIONS", "/api/v1/tickets", 204, who="read",
             check=_allow),
        Case("DELETE on the ticket list", "DELETE", "/api/v1/tickets", 405, who="admin",
             check=_allow),
        # ---- configuration uploads
        Case("YAML nested 10,000 levels", "PUT", "/api/v1/config", 422, who="admin",
             build=lambda: _config({"policies.yaml": "a: " + "[" * DEEP + "]" * DEEP})),
        Case("NUL in a configuration file", "PUT", "/api/v1/config", 422, who="admin",
             build=lambda: _config({"policies.yaml": "policies:\n  - name: G\x00old\n"})),
        Case("a lone surrogate in a configuration file", "PUT", "/api/v1/config", 400,
             who="admin",
             build=lambda: _raw('{"files": {"policies.yaml": "policies: \\ud800"}}')),
        # ---- signed webhooks with hostile payloads: 400, kept whole in the quarantine
        Case("a signed Zendesk payload with a 5,000-digit id", "POST",
             "/api/v1/webhooks/zendesk", 400, who="none",
             build=lambda: _zendesk(('{"type": "zen:event-type:ticket.created", "id": '
                                     + HUGE_INT + "}").encode()),
             quarantined=True),
        Case("a signed Zendesk payload nested 10,000 levels", "POST",
             "/api/v1/webhooks/zendesk", 400, who="none",
             build=lambda: _zendesk(('{"detail": ' + deep + "}").encode()),
             quarantined=True),
        Case("a signed Jira payload with a 5,000-digit timestamp", "POST",
             "/api/v1/webhooks/jira", 400, who="none",
             build=lambda: _jira(('{"webhookEvent": "jira:issue_created", "timestamp": '
                                  + HUGE_INT + "}").encode()),
             quarantined=True),
        # ---- tokens
        Case("a lone surrogate in a token's name", "POST", "/api/v1/tokens", 400, who="admin",
             build=lambda: _raw('{"scope": "read", "name": "\\ud800"}')),
    ]  # fmt: skip
    return out


def quarantine_total(dep: Deployment) -> int:
    res = httpx.get(
        f"{dep.server.url}/api/v1/quarantine",
        params={"limit": 1},
        headers=dep.auth("admin"),
        timeout=60,
    )
    return int(res.json()["total"])


def judge(case: Case, res: httpx.Response) -> str | None:
    """Why the answer is not the documented one, or None."""
    if res.status_code != case.expect:
        return f"answered {res.status_code}, documented {case.expect}: {res.text[:200]!r}"
    if 400 <= res.status_code < 500 and case.method != "HEAD":
        problem = shape_problem(res)
        if problem:
            return problem
    if case.rows is not None:
        got = [r["status"] for r in res.json()["results"]]
        if got != case.rows:
            return f"row outcomes {got}, documented {case.rows}"
    if case.check is not None:
        return case.check(res)
    return None


def send(dep: Deployment, tally: Tally, case: Case) -> None:
    headers = dep.auth(case.who) if case.who != "none" else {}
    kwargs = case.build()
    kwargs["headers"] = {**headers, **kwargs.get("headers", {})}
    before = quarantine_total(dep) if case.quarantined else 0
    with httpx.Client(base_url=dep.server.url, timeout=300) as http:
        params = kwargs.pop("params", None)
        url = case.path
        if params and any("%" in v for v in params.values()):  # sent as raw bytes
            url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
            params = None
        res = http.request(case.method, url, params=params, **kwargs)
    tally.answered(f"bad input: {case.name}", res)
    tally.bad_inputs += 1
    tally.answers.append(
        (case.name, res.status_code, res.request.url.raw_path.decode()[:60], res.text[:90])
    )
    problem = judge(case, res)
    if problem is None and case.quarantined and quarantine_total(dep) != before + 1:
        problem = "the refused body is not in the quarantine"
    if problem:
        tally.add("wrong_answers", f"{case.name} ({case.method} {case.path[:60]}): {problem}")


def pending_alert(dep: Deployment) -> int | None:
    """An alert that can be snoozed (held or pending), so a snooze is judged on its value."""
    res = httpx.get(
        f"{dep.server.url}/api/v1/alerts",
        params={"limit": 500},
        headers=dep.auth("admin"),
        timeout=60,
    )
    for item in res.json().get("items", []):
        if item["state"] in ("held", "pending"):
            return int(item["id"])
    return None


def still_computes(dep: Deployment, tally: Tally, ids: Ids, wait: float) -> None:
    """A good ticket sent after every bad input gets its clocks stored by the background
    recompute within ``wait`` seconds (it is listed under its customer only once they are)."""
    customer = f"probe-live-{ids.run}"
    row = ids.event(ticket=f"PRB-LIVE-{ids.run}")
    row["fields"]["customer"] = customer
    res = httpx.post(f"{dep.server.url}{EVENTS}", json=row, headers=dep.auth("write"))
    tally.answered("POST the good ticket after the bad inputs", res)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        listed = httpx.get(
            f"{dep.server.url}/api/v1/tickets",
            params={"customer": customer},
            headers=dep.auth("read"),
            timeout=60,
        )
        tally.answered("GET the good ticket after the bad inputs", listed)
        items = listed.json().get("items", []) if listed.status_code == 200 else []
        if items and items[0]["clocks"]:
            return
        time.sleep(0.2)
    tally.add(
        "wrong_answers",
        f"a good ticket sent after the bad inputs had no stored clocks after {wait:.0f} s",
    )


def run(dep: Deployment, tally: Tally, *, only: int | None = None, wait: float = 60) -> None:
    ids = Ids()
    chosen = cases(ids, pending_alert(dep))
    if only is not None:  # the reduced probe: every kind of case, fewer of each
        chosen = chosen[:: max(1, len(chosen) // only)][:only]
    for case in chosen:
        send(dep, tally, case)
    still_computes(dep, tally, ids, wait)
