"""Generated API exports of the three JSON shapes the importers read, for ``bench_import.py``.

Deterministic for a seed. Each writes one API response page holding every record (what a
script that pages through the API and merges the pages produces):

- **Zendesk**: ``{"audits": [...]}``, ticket audits; a ticket is one creating audit (a
  comment and the ``Create`` field events) then 1-4 audits of comments and ``Change`` events
  (status, priority, assignee, tags), sometimes a satisfaction rating or a notification;
- **Jira**: ``{"issues": [...]}``, issues with their ``changelog.histories`` (status,
  priority, assignee, labels changes) and ``fields.comment.comments`` (customer, agent and
  internal comments);
- **Freshdesk**: ``[...]``, tickets with ``stats`` timestamps and ``conversations``.

A "row" is one record (one audit, one issue, one ticket), as the importers count them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
ZD_STATUSES = ("open", "pending", "hold", "solved", "closed")
ZD_PRIORITIES = ("low", "normal", "high", "urgent")
JIRA_STATUSES = ("Waiting for support", "In Progress", "Waiting for customer", "Resolved")
JIRA_PRIORITIES = ("Lowest", "Low", "Medium", "High", "Highest")
TAGS = ("billing", "vpn", "printer", "vip", "login", "refund")


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _jira_ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _write_page(out: Path, key: str | None, records: Iterator[dict[str, Any]]) -> None:
    """Records written one at a time (a 2M-record page is never held in memory)."""
    with out.open("w", encoding="utf-8") as f:
        f.write("[\n" if key is None else f'{{"{key}": [\n')
        for n, rec in enumerate(records):
            if n:
                f.write(",\n")
            f.write(json.dumps(rec, separators=(",", ":")))
        f.write("\n]\n" if key is None else '\n], "next_page": null, "count": 0}\n')


def _zendesk_records(rows: int, seed: int) -> Iterator[dict[str, Any]]:
    rnd = random.Random(seed)
    written, ticket, audit, event = 0, 1000, 9000, 90000
    while written < rows:
        ticket += 1
        requester = 500 + rnd.randrange(400)
        t = START + timedelta(minutes=7 * ticket)
        audit += 1
        events: list[dict[str, Any]] = []
        for name, value in (
            ("status", "new"),
            ("priority", rnd.choice(ZD_PRIORITIES)),
            ("requester_id", str(requester)),
            ("organization_id", str(7000 + rnd.randrange(50))),
            ("group_id", str(300 + rnd.randrange(8))),
            ("tags", rnd.sample(TAGS, 2)),
            ("subject", f"Ticket {ticket}"),
        ):
            event += 1
            events.append({"id": event, "type": "Create", "field_name": name, "value": value})
        event += 1
        events.insert(
            0,
            {"id": event, "type": "Comment", "author_id": requester, "public": True,
             "body": "Something is broken.", "attachments": []},
        )  # fmt: skip
        yield {
            "id": audit, "ticket_id": ticket, "created_at": _iso(t), "author_id": requester,
            "metadata": {"system": {"client": "Mail"}, "custom": {}},
            "via": {"channel": rnd.choice(("email", "web", "api")), "source": {"rel": None}},
            "events": events,
        }  # fmt: skip
        written += 1
        for _ in range(rnd.randint(1, 4)):
            if written >= rows:
                return
            t += timedelta(minutes=rnd.randint(5, 600))
            audit += 1
            agent = 600 + rnd.randrange(30)
            who = rnd.choice((agent, agent, requester))
            events = []
            event += 1
            events.append(
                {"id": event, "type": "Comment", "author_id": who, "public": rnd.random() < 0.8,
                 "body": "An answer.", "attachments": []}
            )  # fmt: skip
            for name, choices in (
                ("status", ZD_STATUSES),
                ("priority", ZD_PRIORITIES),
                ("assignee_id", tuple(str(600 + i) for i in range(30))),
            ):
                if rnd.random() < 0.5:
                    event += 1
                    events.append(
                        {"id": event, "type": "Change", "field_name": name,
                         "value": rnd.choice(choices), "previous_value": None}
                    )  # fmt: skip
            if rnd.random() < 0.1:
                event += 1
                events.append({"id": event, "type": "SatisfactionRating", "score": "good"})
            if rnd.random() < 0.3:
                event += 1
                events.append(
                    {"id": event, "type": "Notification", "subject": "Update", "recipients": [1]}
                )
            yield {
                "id": audit, "ticket_id": ticket, "created_at": _iso(t), "author_id": who,
                "metadata": {"system": {}, "custom": {}},
                "via": {"channel": "web", "source": {"rel": None}}, "events": events,
            }  # fmt: skip
            written += 1


def _jira_records(rows: int, seed: int) -> Iterator[dict[str, Any]]:
    rnd = random.Random(seed)
    for n in range(rows):
        key = f"SD-{n + 1}"
        t = START + timedelta(minutes=11 * n)
        reporter = {"accountId": f"cust-{rnd.randrange(500)}", "accountType": "customer"}
        status = [rnd.choice(JIRA_STATUSES[:2])]
        prio = [rnd.choice(JIRA_PRIORITIES)]
        histories: list[dict[str, Any]] = []
        at = t
        for h in range(rnd.randint(0, 4)):
            at += timedelta(minutes=rnd.randint(3, 300))
            items: list[dict[str, Any]] = []
            new = rnd.choice(JIRA_STATUSES)
            if new != status[-1]:
                items.append(
                    {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "1",
                     "fromString": status[-1], "to": "2", "toString": new}
                )  # fmt: skip
                status.append(new)
            if rnd.random() < 0.3:
                p = rnd.choice(JIRA_PRIORITIES)
                items.append(
                    {"field": "priority", "fieldtype": "jira", "fieldId": "priority",
                     "from": "3", "fromString": prio[-1], "to": "2", "toString": p}
                )  # fmt: skip
                prio.append(p)
            if rnd.random() < 0.3:
                agent = f"agent-{rnd.randrange(20)}"
                items.append(
                    {"field": "assignee", "fieldtype": "jira", "fieldId": "assignee",
                     "from": None, "fromString": None, "to": agent, "toString": agent}
                )  # fmt: skip
            if rnd.random() < 0.1:
                items.append(
                    {"field": "labels", "fieldtype": "jira", "fieldId": "labels", "from": None,
                     "fromString": "", "to": None, "toString": " ".join(rnd.sample(TAGS, 2))}
                )  # fmt: skip
            histories.append(
                {"id": str(100000 + 10 * n + h), "created": _jira_ts(at),
                 "author": {"accountId": "agent-1", "accountType": "atlassian"}, "items": items}
            )  # fmt: skip
        comments: list[dict[str, Any]] = []
        at = t
        for c in range(rnd.randint(0, 3)):
            at += timedelta(minutes=rnd.randint(1, 400))
            author = rnd.choice((reporter, {"accountId": "agent-2", "accountType": "atlassian"}))
            comments.append(
                {"id": str(500000 + 10 * n + c), "author": author, "body": "A comment.",
                 "created": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                 "jsdPublic": rnd.random() < 0.8}
            )  # fmt: skip
        yield {
            "id": str(10000 + n), "key": key,
            "changelog": {"startAt": 0, "maxResults": 100, "total": len(histories),
                          "histories": histories},
            "fields": {
                "created": t.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "status": {"name": status[-1]}, "priority": {"name": prio[-1]},
                "assignee": {"accountId": f"agent-{rnd.randrange(20)}"}, "reporter": reporter,
                "issuetype": {"name": rnd.choice(("Incident", "Service request"))},
                "project": {"key": "SD"}, "labels": rnd.sample(TAGS, rnd.randint(0, 2)),
                "comment": {"comments": comments, "total": len(comments)},
            },
        }  # fmt: skip


def _freshdesk_records(rows: int, seed: int) -> Iterator[dict[str, Any]]:
    rnd = random.Random(seed)
    for n in range(rows):
        t = START + timedelta(minutes=9 * n)
        status = rnd.choice((2, 3, 4, 5))
        stats: dict[str, Any] = {"reopened_at": None, "first_responded_at": None}
        at = t + timedelta(minutes=rnd.randint(5, 120))
        if status >= 3:
            stats["pending_since"] = _iso(at)
        if status >= 4:
            at += timedelta(minutes=rnd.randint(5, 900))
            stats["resolved_at"] = _iso(at)
        if status == 5:
            at += timedelta(minutes=rnd.randint(5, 900))
            stats["closed_at"] = _iso(at)
        stats["status_updated_at"] = _iso(at)
        conversations = []
        c_at = t
        for c in range(rnd.randint(0, 4)):
            c_at += timedelta(minutes=rnd.randint(1, 300))
            conversations.append(
                {"id": 900000 + 10 * n + c, "body_text": "A reply.", "incoming": rnd.random() < 0.4,
                 "private": rnd.random() < 0.2, "user_id": 5001, "ticket_id": 1000 + n,
                 "created_at": _iso(c_at), "updated_at": _iso(c_at)}
            )  # fmt: skip
        yield {
            "id": 1000 + n, "subject": "A ticket", "status": status,
            "priority": rnd.randint(1, 4), "source": rnd.choice((1, 2, 3, 7)),
            "type": rnd.choice(("Incident", "Question", None)),
            "group_id": 4000 + rnd.randrange(8), "responder_id": 5000 + rnd.randrange(30),
            "requester_id": 6000 + rnd.randrange(900), "company_id": 7000 + rnd.randrange(60),
            "tags": rnd.sample(TAGS, rnd.randint(0, 2)), "custom_fields": {"cf_plan": "gold"},
            "created_at": _iso(t), "updated_at": _iso(at), "stats": stats,
            "conversations": conversations,
        }  # fmt: skip


def write_export(fmt: str, rows: int, out: Path, seed: int = 7) -> None:
    """Write ``rows`` records of ``fmt`` (zendesk, jira or freshdesk) to ``out``."""
    if fmt == "zendesk":
        _write_page(out, "audits", _zendesk_records(rows, seed))
    elif fmt == "jira":
        _write_page(out, "issues", _jira_records(rows, seed))
    elif fmt == "freshdesk":
        _write_page(out, None, _freshdesk_records(rows, seed))
    else:
        raise ValueError(f"no generated export for {fmt!r}")
