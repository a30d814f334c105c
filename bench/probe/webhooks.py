"""Webhook attacks: deliveries to the Zendesk and Jira webhooks, forged, replayed, stale,
altered, oversized, mis-typed, or genuine, each answer compared with docs/api.md (Webhooks,
Errors):

- a missing, wrong or forged signature, a signature made with another secret or for the other
  helpdesk, a body changed after signing, a timestamp more than 300 s away: 401
  ``unauthenticated``, and the delivery's ticket is not stored;
- a genuine delivery: 200 with the event ``accepted``; the same delivery again (Zendesk
  redelivers with the same id; Jira retries the same change with a new ``timestamp``): 200
  ``duplicate``, nothing quarantined;
- a body over the limit: 413; a body in a media type the webhook does not read: 415.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from accord.service.webhooks import jira, zendesk

from .deployment import JIRA_SECRET, ZENDESK_SECRET, Deployment
from .leaks import iso
from .tally import Tally, shape_problem

ZENDESK = "/api/v1/webhooks/zendesk"
JIRA = "/api/v1/webhooks/jira"


@dataclass
class Attack:
    name: str
    path: str
    expect: int
    request: Callable[[], dict[str, Any]]
    ticket: str  # stored only when the delivery is accepted
    outcome: str | None = None  # the event's outcome on a 200


def zd_payload(ticket: str, delivery: str) -> dict[str, Any]:
    now = iso(time.time() - 60)
    return {
        "type": "zen:event-type:ticket.created",
        "id": delivery,
        "time": now,
        "subject": f"zen:ticket:{ticket}",
        "detail": {
            "id": ticket,
            "status": "OPEN",
            "priority": "HIGH",
            "organization_id": "acme",
            "created_at": now,
            "updated_at": now,
        },
    }


def zd_request(
    body: bytes,
    *,
    secret: str = ZENDESK_SECRET,
    at: float | None = None,
    signed_body: bytes | None = None,
    drop: tuple[str, ...] = (),
    content_type: str = "application/json",
) -> dict[str, Any]:
    stamp = iso(time.time() if at is None else at)
    headers = {
        "Content-Type": content_type,
        zendesk.SIGNATURE_HEADER: zendesk.sign(secret, stamp, signed_body or body),
        zendesk.TIMESTAMP_HEADER: stamp,
    }
    for name in drop:
        headers.pop(name)
    return {"content": body, "headers": headers}


def jira_payload(issue: str, key: str, *, at_ms: int, changelog: str | None = None) -> bytes:
    fields = {
        "created": "2026-03-02T10:15:30.123+0000",
        "updated": "2026-03-02T10:20:30.123+0000",
        "status": {"name": "open"},
        "priority": {"name": "High"},
        "project": {"key": "ACME"},
        "issuetype": {"name": "Incident"},
    }
    payload: dict[str, Any] = {
        "webhookEvent": "jira:issue_updated" if changelog else "jira:issue_created",
        "timestamp": at_ms,
        "issue": {"id": issue, "key": key, "fields": fields},
    }
    if changelog:
        payload["changelog"] = {
            "id": changelog,
            "created": "2026-03-02T10:20:30.123+0000",
            "items": [{"field": "priority", "fromString": "High", "toString": "Low"}],
        }
    return json.dumps(payload).encode()


def jira_request(body: bytes, *, secret: str = JIRA_SECRET, **headers: str) -> dict[str, Any]:
    out = {"Content-Type": "application/json", jira.SIGNATURE_HEADER: jira.sign(secret, body)}
    out.update(headers)
    return {"content": body, "headers": out}


def now_ms() -> int:
    return int(time.time() * 1000)


def attacks() -> list[Attack]:
    run = secrets.token_hex(3)

    def t(n: int) -> str:
        return f"ZD{run}{n:02d}"

    def zd(n: int, delivery: str | None = None) -> bytes:
        return json.dumps(zd_payload(t(n), delivery or f"{run}-{n}")).encode()

    genuine = zd(1)
    key = f"WH{run.upper()}-1"
    created = jira_payload(f"9{run}", key, at_ms=now_ms())
    change = jira_payload(f"9{run}", key, at_ms=now_ms(), changelog=f"7{run}")
    big = b'{"pad": "' + b"p" * (17 << 20) + b'"}'
    out = [
        Attack("Zendesk: a genuine delivery", ZENDESK, 200, lambda: zd_request(genuine), t(1),
               "accepted"),
        Attack("Zendesk: the same delivery replayed", ZENDESK, 200, lambda: zd_request(genuine),
               t(1), "duplicate"),
        Attack("Zendesk: forged signature", ZENDESK, 401,
               lambda: {**zd_request(zd(2)), "headers": {
                   **zd_request(zd(2))["headers"],
                   zendesk.SIGNATURE_HEADER: "bm90IGEgc2lnbmF0dXJlIGF0IGFsbA=="}}, t(2)),
        Attack("Zendesk: no signature", ZENDESK, 401,
               lambda: zd_request(zd(3), drop=(zendesk.SIGNATURE_HEADER,)), t(3)),
        Attack("Zendesk: no timestamp", ZENDESK, 401,
               lambda: zd_request(zd(4), drop=(zendesk.TIMESTAMP_HEADER,)), t(4)),
        Attack("Zendesk: signed an hour ago (stale)", ZENDESK, 401,
               lambda: zd_request(zd(5), at=time.time() - 3600), t(5)),
        Attack("Zendesk: signed an hour ahead", ZENDESK, 401,
               lambda: zd_request(zd(6), at=time.time() + 3600), t(6)),
        Attack("Zendesk: body altered after signing", ZENDESK, 401,
               lambda: zd_request(zd(7), signed_body=zd(7).replace(b"HIGH", b"LOW!")), t(7)),
        Attack("Zendesk: signed with another secret", ZENDESK, 401,
               lambda: zd_request(zd(8), secret="not-the-secret"), t(8)),
        Attack("Zendesk: a Jira signature", ZENDESK, 401, lambda: jira_request(zd(9)), t(9)),
        Attack("Zendesk: signed with the Jira secret", ZENDESK, 401,
               lambda: zd_request(zd(10), secret=JIRA_SECRET), t(10)),
        Attack("Zendesk: a body over 16 MiB", ZENDESK, 413, lambda: zd_request(big), t(11)),
        Attack("Zendesk: a signed body sent as text/plain", ZENDESK, 415,
               lambda: zd_request(zd(12), content_type="text/plain"), t(12)),
        Attack("Zendesk: a bearer header instead of a signature", ZENDESK, 401,
               lambda: {"content": zd(13), "headers": {"Content-Type": "application/json",
                                                      "Authorization": "Bearer acc_1_x"}},
               t(13)),
        Attack("Jira: a genuine issue creation", JIRA, 200, lambda: jira_request(created), key,
               "accepted"),
        Attack("Jira: a genuine change", JIRA, 200, lambda: jira_request(change), key,
               "accepted"),
        Attack("Jira: the change retried with a new timestamp", JIRA, 200,
               lambda: jira_request(jira_payload(f"9{run}", key, at_ms=now_ms() + 1500,
                                                 changelog=f"7{run}")), key, "duplicate"),
        Attack("Jira: forged signature", JIRA, 401,
               lambda: jira_request(jira_payload("81", f"WX{run.upper()}-2", at_ms=now_ms()),
                                    **{jira.SIGNATURE_HEADER: "sha256=" + "0" * 64}),
               f"WX{run.upper()}-2"),
        Attack("Jira: no signature", JIRA, 401,
               lambda: {"content": jira_payload("82", f"WX{run.upper()}-3", at_ms=now_ms()),
                        "headers": {"Content-Type": "application/json"}}, f"WX{run.upper()}-3"),
        Attack("Jira: signed, timestamp an hour old (stale)", JIRA, 401,
               lambda: jira_request(jira_payload("83", f"WX{run.upper()}-4",
                                                 at_ms=now_ms() - 3_600_000)),
               f"WX{run.upper()}-4"),
        Attack("Jira: a Zendesk signature", JIRA, 401,
               lambda: zd_request(jira_payload("84", f"WX{run.upper()}-5", at_ms=now_ms())),
               f"WX{run.upper()}-5"),
        Attack("Jira: signed with another secret", JIRA, 401,
               lambda: jira_request(jira_payload("85", f"WX{run.upper()}-6", at_ms=now_ms()),
                                    secret="not-the-secret"), f"WX{run.upper()}-6"),
    ]  # fmt: skip
    return out


def stored(dep: Deployment, ticket: str) -> bool:
    res = httpx.get(
        f"{dep.server.url}/api/v1/tickets/{ticket}", headers=dep.auth("admin"), timeout=60
    )
    return res.status_code == 200


def judge(dep: Deployment, attack: Attack, res: httpx.Response) -> str | None:
    if res.status_code != attack.expect:
        return f"answered {res.status_code}, documented {attack.expect}: {res.text[:200]!r}"
    if res.status_code >= 400:
        problem = shape_problem(res)
        if problem:
            return problem
        if res.status_code == 401 and stored(dep, attack.ticket):
            return f"refused, yet ticket {attack.ticket} is stored"
        return None
    outcomes = [r["status"] for r in res.json()["results"]]
    if outcomes != [attack.outcome]:
        return f"outcomes {outcomes}, documented [{attack.outcome!r}]"
    if not stored(dep, attack.ticket):
        return f"accepted, yet ticket {attack.ticket} is not stored"
    return None


def run(dep: Deployment, tally: Tally) -> None:
    with httpx.Client(base_url=dep.server.url, timeout=300) as http:
        for attack in attacks():
            res = http.post(attack.path, **attack.request())
            tally.answered(f"webhook: {attack.name}", res)
            tally.webhook_attacks += 1
            tally.answers.append((attack.name, res.status_code, attack.path, res.text[:90]))
            problem = judge(dep, attack, res)
            if problem:
                tally.add("webhook_wrong", f"{attack.name}: {problem}")
