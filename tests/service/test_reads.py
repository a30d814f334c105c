"""The reads: tickets with their clocks, one ticket explained, the at-risk queue, compliance.
Every clock returned is judged at the request's instant."""

from __future__ import annotations

import csv
import io

from accord.core.timeutil import iso
from tests.service.conftest import HOUR, T0, Api, reply


def ids(body: dict[str, object]) -> list[str]:
    return [t["ticket_id"] for t in body["items"]]  # type: ignore[attr-defined]


def test_tickets_list_every_ticket_with_its_clocks(populated: Api) -> None:
    body = populated.get("/api/v1/tickets").json()
    assert ids(body) == ["T1", "T2", "T3"]
    assert body["next_cursor"] is None
    t1 = body["items"][0]
    assert (t1["customer"], t1["team"], t1["priority"], t1["status"]) == (
        "acme",
        "support",
        "high",
        "new",
    )
    clocks = {c["metric"]: c for c in t1["clocks"]}
    assert clocks["first_response"]["state"] == "met"
    assert clocks["resolution"]["state"] == "running"
    assert "explanation" not in clocks["resolution"]


def test_ticket_filters_select_by_fields_and_by_clocks(populated: Api) -> None:
    def q(params: str) -> list[str]:
        return ids(populated.get(f"/api/v1/tickets?{params}").json())

    assert q("customer=acme") == ["T1", "T2"]
    assert q("team=ops") == ["T2"]
    assert q("priority=high") == ["T1", "T3"]
    assert q("state=met") == ["T1"]
    assert q("state=met&metric=resolution") == []
    assert q(f"due_before={iso(T0 + 2 * HOUR)}") == ["T1", "T2"]


def test_tickets_page_with_an_opaque_cursor(populated: Api) -> None:
    first = populated.get("/api/v1/tickets?limit=2").json()
    assert ids(first) == ["T1", "T2"]
    second = populated.get(f"/api/v1/tickets?limit=2&cursor={first['next_cursor']}").json()
    assert ids(second) == ["T3"]
    assert second["next_cursor"] is None


def test_a_cursor_that_was_not_handed_out_is_a_400(populated: Api) -> None:
    for cursor in ("%%%", "WzFd"):  # not base64; a list where a ticket id belongs
        res = populated.get(f"/api/v1/tickets?cursor={cursor}")
        assert res.status_code == 400
        assert res.json()["error"]["code"] == "input_invalid"


def test_tickets_come_as_csv_by_accept_header_or_format(populated: Api) -> None:
    for res in (
        populated.get("/api/v1/tickets", headers={"Accept": "text/csv"}),
        populated.get("/api/v1/tickets?format=csv"),
    ):
        assert res.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(res.text)))
        assert {(r["ticket_id"], r["metric"]) for r in rows} >= {
            ("T1", "first_response"),
            ("T3", "resolution"),
        }


def test_one_ticket_has_its_timeline_and_every_clock_explained(populated: Api) -> None:
    body = populated.get("/api/v1/tickets/T1").json()
    assert [e["event_id"] for e in body["timeline"]] == ["e1", "e2"]
    assert body["timeline"][0]["seq"] < body["timeline"][1]["seq"]
    fr = next(c for c in body["clocks"] if c["metric"] == "first_response")
    assert [s["what"] for s in fr["explanation"]][:2] == ["start", "stop"]
    assert fr["explanation"][1]["event_id"] == "e2"
    assert body["config_version"] == 1
    assert body["as_of"] == iso(T0 + 40 * 60)


def test_as_of_judges_the_clocks_at_another_instant(populated: Api) -> None:
    body = populated.get(f"/api/v1/tickets/T1?as_of={iso(T0 + 600)}").json()
    fr = next(c for c in body["clocks"] if c["metric"] == "first_response")
    assert fr["state"] == "running"
    assert fr["business_elapsed"] == 600


def test_an_unknown_ticket_is_404(populated: Api) -> None:
    res = populated.get("/api/v1/tickets/nope")
    assert res.status_code == 404
    assert res.json()["error"]["code"] == "not_found"


def test_the_queue_lists_open_clocks_soonest_due_first(populated: Api) -> None:
    body = populated.get("/api/v1/at-risk").json()
    assert [(c["ticket_id"], c["metric"]) for c in body["items"]] == [
        ("T2", "first_response"),
        ("T3", "first_response"),
        ("T1", "resolution"),
        ("T2", "resolution"),
        ("T3", "resolution"),
    ]
    assert body["items"][0]["due"] == iso(T0 + 70 * 60)
    assert body["items"][0]["risk"] == "ok"


def test_the_queue_pages_and_filters(populated: Api) -> None:
    first = populated.get("/api/v1/at-risk?limit=2").json()
    rest = populated.get(f"/api/v1/at-risk?cursor={first['next_cursor']}").json()
    got = [(c["ticket_id"], c["metric"]) for c in first["items"] + rest["items"]]
    assert len(got) == 5 and len(set(got)) == 5
    assert rest["next_cursor"] is None
    only = populated.get("/api/v1/at-risk?metric=first_response&team=support").json()
    assert [c["ticket_id"] for c in only["items"]] == ["T3"]
    assert populated.get("/api/v1/at-risk?cursor=WzFd").status_code == 400


def test_a_running_clock_past_due_reads_as_breached_without_a_new_event(populated: Api) -> None:
    populated.clock.now = T0 + 71 * 60  # T2's first response was due at +70 min
    top = populated.get("/api/v1/at-risk").json()["items"][0]
    assert (top["ticket_id"], top["metric"], top["state"], top["risk"]) == (
        "T2",
        "first_response",
        "breached",
        "breached",
    )
    assert top["remaining"] == -60
    assert ids(populated.get("/api/v1/tickets?state=breached").json()) == ["T2"]
    body = populated.get("/api/v1/compliance?by=metric").json()
    fr = next(g for g in body["groups"] if g["key"] == "first_response")
    assert (fr["met"], fr["breached"], fr["open"]) == (1, 1, 1)


def test_reads_reflect_a_new_event_at_once_for_the_tickets_they_return(populated: Api) -> None:
    populated.send(reply("e5", "T2", 45))  # answered; the recompute has not run yet
    populated.clock.now = T0 + 50 * 60
    body = populated.get("/api/v1/tickets/T2").json()
    fr = next(c for c in body["clocks"] if c["metric"] == "first_response")
    assert fr["state"] == "met"
    queue = populated.get("/api/v1/at-risk").json()["items"]
    assert ("T2", "first_response") not in [(c["ticket_id"], c["metric"]) for c in queue]


def test_compliance_groups_by_each_dimension_and_period(populated: Api) -> None:
    body = populated.get("/api/v1/compliance?by=metric").json()
    assert body["by"] == "metric" and body["period"] == "month"
    groups = {g["key"]: g for g in body["groups"]}
    assert groups["first_response"] == {
        "key": "first_response",
        "period": "2026-03",
        "met": 1,
        "breached": 0,
        "open": 2,
        "compliance": 100.0,
    }
    assert groups["resolution"]["compliance"] is None
    assert body["total"] == {"met": 1, "breached": 0, "open": 5, "compliance": 100.0}
    for by, keys in (
        ("priority", {"high", "low"}),
        ("policy", {"Gold", "Standard"}),
        ("team", {"support", "ops"}),
        ("customer", {"acme", "globex"}),
    ):
        got = populated.get(f"/api/v1/compliance?by={by}").json()
        assert {g["key"] for g in got["groups"]} == keys
    quarter = populated.get("/api/v1/compliance?by=period&period=quarter").json()
    assert [(g["key"], g["period"]) for g in quarter["groups"]] == [(None, "2026-Q1")]
    year = populated.get("/api/v1/compliance?by=period&period=year&format=csv")
    assert year.text.splitlines()[0] == "key,period,met,breached,open,compliance"
    assert year.text.splitlines()[1].startswith(",2026,1,0,5,100.0")


def test_compliance_rejects_an_unknown_grouping(populated: Api) -> None:
    res = populated.get("/api/v1/compliance?by=colour")
    assert res.status_code == 422
    assert res.json()["error"]["code"] == "request_invalid"
