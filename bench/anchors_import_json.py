"""The pandas anchors of ``bench_import.py`` for the JSON exports (Zendesk, Jira, Freshdesk).

Each reads the whole export with ``json.load``, flattens it with ``pandas.json_normalize``
(the records, and their nested lists: audit events, changelog items, comments,
conversations) and then does the mapping in pandas: the mapped source fields picked and
renamed, the status names mapped to their categories, the value maps applied (priority,
channel), every instant parsed, each comment's author classed (customer / agent / system)
and each record's kind (``created`` / ``updated``) set. Like the CSV anchor it validates
nothing, orders nothing and writes nothing: the floor the goal compares with. Returns the
number of records (the rows the importers count).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from accord.io.importers import ImportMapping


def _statuses(m: ImportMapping, names: pd.Series) -> pd.Series:
    table = {k: v.value for k, v in m.status_table.items()}
    return names.astype("string").str.strip().str.casefold().map(table)


def _values(m: ImportMapping, field: str, s: pd.Series) -> pd.Series:
    table = m.values.get(field)
    text = s.astype("string").str.strip()
    return text if not table else text.map(lambda v: table.get(v, v) if v is not pd.NA else v)


def _instants(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="ISO8601", utc=True, errors="coerce")


def zendesk(path: str, m: ImportMapping) -> int:
    with open(path, encoding="utf-8") as f:
        audits = json.load(f)["audits"]
    ev = pd.json_normalize(
        audits,
        record_path="events",
        meta=["id", "ticket_id", "created_at", "author_id", ["via", "channel"]],
        meta_prefix="audit.",
        errors="ignore",
    )
    ev["audit.created_at"] = _instants(ev["audit.created_at"])
    targets: dict[str, list[str]] = {}
    for name, source in m.fields.items():
        targets.setdefault(source, []).append(name)
    changes = ev[ev["type"].isin(("Create", "Change"))]
    status_src = m.column("status") or "status"
    mapped = changes[changes["field_name"].isin([*targets, status_src])].copy()
    mapped["value"] = mapped["value"].map(lambda v: v if isinstance(v, list) else str(v))
    is_status = mapped["field_name"] == status_src
    mapped.loc[is_status, "category"] = _statuses(m, mapped.loc[is_status, "value"])
    mapped["target"] = mapped["field_name"].map(lambda s: ",".join(targets.get(s, ("status",))))
    is_prio = mapped["target"] == "priority"
    mapped.loc[is_prio, "value"] = _values(m, "priority", mapped.loc[is_prio, "value"])
    creates = ev.groupby("audit.id")["type"].agg(lambda t: bool((t == "Create").any()))
    kind = creates.map({True: "created", False: "updated"})
    requester_src = m.column("requester") or "requester_id"
    req = changes[changes["field_name"] == requester_src]
    requester = req.groupby("audit.ticket_id")["value"].first().astype("string")
    comments = ev[ev["type"].isin(("Comment", "VoiceComment"))].copy()
    author = comments["author_id"].astype("string")
    asker = comments["audit.ticket_id"].map(requester)
    comments["actor"] = "agent"
    comments.loc[author == "-1", "actor"] = "system"
    comments.loc[author == asker, "actor"] = "customer"
    comments["public"] = comments["public"] == True  # noqa: E712  (True, not truthy)
    return len(audits) + 0 * (len(kind) + len(mapped) + len(comments))


def jira(path: str, m: ImportMapping) -> int:
    with open(path, encoding="utf-8") as f:
        issues = json.load(f)["issues"]
    base = pd.json_normalize(issues)
    out = pd.DataFrame({"ticket": base["key"]})
    out["created"] = _instants(base["fields.created"])
    out["status"] = _statuses(m, base["fields.status.name"])
    out["priority"] = _values(m, "priority", base["fields.priority.name"])
    out["assignee"] = base.get("fields.assignee.accountId")
    out["customer"] = base.get("fields.reporter.accountId")
    out["type"] = base.get("fields.issuetype.name")
    out["tags"] = base.get("fields.labels")
    out["project"] = base.get("fields.project.key")
    items = pd.json_normalize(
        issues,
        record_path=["changelog", "histories", "items"],
        meta=["key", ["changelog", "histories", "created"], ["changelog", "histories", "id"]],
        errors="ignore",
    )
    items["at"] = _instants(items["changelog.histories.created"])
    users = items["fieldId"].isin(("assignee", "reporter"))
    items["to_value"] = items["toString"].where(~users, items["to"])
    items["from_value"] = items["fromString"].where(~users, items["from"])
    st = items["fieldId"] == (m.column("status") or "status")
    items.loc[st, "to_category"] = _statuses(m, items.loc[st, "to_value"])
    items.loc[st, "from_category"] = _statuses(m, items.loc[st, "from_value"])
    pr = items["fieldId"] == "priority"
    items.loc[pr, "to_value"] = _values(m, "priority", items.loc[pr, "to_value"])
    lb = items["fieldId"] == "labels"
    items["tags"] = items["to_value"].where(lb).str.split()
    comments = pd.json_normalize(
        issues, record_path=["fields", "comment", "comments"], meta=["key"], meta_prefix="issue."
    )
    if len(comments):
        comments["at"] = _instants(comments["created"])
        reporter = comments["issue.key"].map(out.set_index("ticket")["customer"])
        kind = comments["author.accountType"]
        comments["actor"] = "agent"
        comments.loc[comments["author.accountId"] == reporter, "actor"] = "customer"
        comments.loc[kind == "customer", "actor"] = "customer"
        comments.loc[kind == "app", "actor"] = "system"
        comments["public"] = comments["jsdPublic"] != False  # noqa: E712
    return len(out)


def freshdesk(path: str, m: ImportMapping) -> int:
    with open(path, encoding="utf-8") as f:
        tickets = json.load(f)
    base = pd.json_normalize(tickets, max_level=1)
    out = pd.DataFrame({"ticket": base["id"].astype("string")})
    out["created"] = _instants(base["created_at"])
    out["updated"] = _instants(base["updated_at"])
    status_src = m.column("status") or "status"
    out["status"] = _statuses(m, base[status_src].astype("string"))
    for name, source in m.fields.items():
        if source in base.columns and name != "tags":
            out[name] = _values(m, name, base[source].astype("string"))
    out["tags"] = base["tags"]
    for key in ("pending_since", "resolved_at", "closed_at", "status_updated_at", "reopened_at"):
        col = f"stats.{key}"
        if col in base.columns:
            out[key] = _instants(base[col])
    conv = pd.json_normalize(tickets, record_path="conversations", meta=["id"], meta_prefix="t.")
    if len(conv):
        conv["at"] = _instants(conv["created_at"])
        conv["actor"] = conv["incoming"].map({True: "customer"}).fillna("agent")
        conv["public"] = conv["private"] != True  # noqa: E712
    return len(out)


ANCHORS: dict[str, Any] = {"zendesk": zendesk, "jira": jira, "freshdesk": freshdesk}
