"""The bad inputs found from outside, each answered with a 4xx (or a row's rejection), never a
5xx, on SQLite and on PostgreSQL: JSON too deep or with a 5,000-digit number (ingest as JSON
and NDJSON, both webhooks), lone surrogates (events, a cursor, a configuration), YAML too deep
or with a NUL, a snooze of 99999999999 days, alert ids past 64 bits, instants past the
calendars' end, HEAD and OPTIONS, and empty parameters.

Each body is written out as bytes: ``json.dumps`` could not write most of them."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.core.alerts.evaluate import Alert
from accord.core.timeutil import iso
from accord.service.webhooks import jira, zendesk
from tests.service.conftest import (
    CONFIG,
    JIRA_SECRET,
    T0,
    ZENDESK_SECRET,
    Api,
    created,
    reply,
)
from tests.service.stores import STORES, api_over

CONTRACTS = """\
contracts:
  acme:
    policies: [Gold]
    monthly_fee: "1000.00"
    currency: USD
    objectives:
      first_response: {metric: first_response, met_share: 95%}
"""
DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE = b"1" * 5_000
NOW = T0 + 3 * 3600


@pytest.fixture(scope="module", params=STORES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    config = {**CONFIG, "contracts.yaml": CONTRACTS}
    with api_over(request.param, tmp_path_factory.mktemp("bad"), config=config) as a:
        a.send(
            created("e1", "T1", 0, status="new", priority="high", customer="acme"),
            reply("e2", "T1", 30),
            created("e3", "T2", 10, status="new", priority="low", customer="acme"),
        )
        a.clock.now = NOW
        a.drain()
        yield a


def quarantined(api: Api) -> int:
    total: int = api.get("/api/v1/quarantine", who="admin").json()["total"]
    return total


def post_json(api: Api, body: bytes, path: str = "/api/v1/events") -> Any:
    return api.post(path, content=body, headers={"content-type": "application/json"})


def refused(res: Any, status: int = 400) -> dict[str, Any]:
    assert res.status_code == status, res.text
    error: dict[str, Any] = res.json()["error"]
    return error


# ---------------------------------------------------------------- JSON limits


@pytest.mark.parametrize(
    ("body", "why"),
    [(DEEP, "nested deeper than 64"), (HUGE, "5,000 characters")],
    ids=["deep", "huge-integer"],
)
def test_json_over_the_limits_is_refused_with_400_and_kept_whole(
    api: Api, body: bytes, why: str
) -> None:
    before = quarantined(api)
    error = refused(post_json(api, body))
    assert error["code"] == "input_invalid" and why in error["message"]
    assert quarantined(api) == before + 1


def test_an_ndjson_line_over_the_limits_is_that_lines_rejection_and_the_others_are_stored(
    api: Api,
) -> None:
    good = [created(f"nd{i}", f"ND{i}", 0, status="new") for i in (1, 2)]
    lines = [json.dumps(good[0]).encode(), DEEP, b'{"ticket_id": ' + HUGE + b"}"]
    lines.append(json.dumps(good[1]).encode())
    before = quarantined(api)
    res = api.post(
        "/api/v1/events",
        content=b"\n".join(lines),
        headers={"content-type": "application/x-ndjson"},
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["accepted"], body["rejected"]) == (2, 2)
    assert [r["status"] for r in body["results"]] == ["accepted", "rejected"] * 1 + [
        "rejected",
        "accepted",
    ]
    assert "nested deeper" in body["results"][1]["reason"]
    assert "5,000 characters" in body["results"][2]["reason"]
    assert quarantined(api) == before + 2


def test_a_lone_surrogate_in_an_event_rejects_that_event_alone(api: Api) -> None:
    good = json.dumps(created("ls1", "LS1", 0, status="new"))
    bad = '{"event_id": "ls2", "ticket_id": "\\ud800", "ts": "2026-03-02T09:00:00Z", '
    bad += '"kind": "created", "actor": "customer", "fields": {"status": "new"}}'
    res = post_json(api, f"[{good}, {bad}]".encode())
    assert res.status_code == 200, res.text
    results = res.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert results[1]["field"] == "ticket_id" and "surrogate" in results[1]["reason"]


# ---------------------------------------------------------------- webhooks


def post_zendesk(api: Api, body: bytes) -> Any:
    stamp = iso(api.clock.now) or ""
    headers = {
        "content-type": "application/json",
        zendesk.SIGNATURE_HEADER: zendesk.sign(ZENDESK_SECRET, stamp, body),
        zendesk.TIMESTAMP_HEADER: stamp,
    }
    return api.client.post("/api/v1/webhooks/zendesk", content=body, headers=headers)


def post_jira(api: Api, body: bytes) -> Any:
    headers = {
        "content-type": "application/json",
        jira.SIGNATURE_HEADER: jira.sign(JIRA_SECRET, body),
    }
    return api.client.post("/api/v1/webhooks/jira", content=body, headers=headers)


def test_signed_webhook_bodies_over_the_json_limits_are_refused_with_400_and_kept(
    api: Api,
) -> None:
    before = quarantined(api)
    for post in (post_zendesk, post_jira):
        assert "nested deeper" in refused(post(api, DEEP))["message"]
        assert "5,000 characters" in refused(post(api, b'{"id": ' + HUGE + b"}"))["message"]
    assert quarantined(api) == before + 4


@pytest.mark.parametrize(
    "number", [b"1e308", b"-1e308", b"1" * 100, b"1.5e-300", b"1" * 101, b"9" * 400, b"1e999"]
)
def test_huge_numbers_in_a_signed_zendesk_delivery_never_answer_500(
    api: Api, number: bytes
) -> None:
    body = (
        b'{"type": "zen:event-type:ticket.created", "id": '
        + number
        + b', "time": "2026-03-02T09:00:00Z", "detail": {"id": '
        + number
        + b', "status": "new", "organization_id": '
        + number
        + b"}}"
    )
    res = post_zendesk(api, body)
    if len(number) > 100 or number == b"1e999":
        refused(res)  # over the number limits: too long, or not a finite number
    else:
        assert res.status_code == 200, res.text


# ---------------------------------------------------------------- surrogates, YAML


def test_a_lone_surrogate_in_a_ticket_cursor_is_refused_with_400(api: Api) -> None:
    # the cursor of a page, as the service once wrote them (base64 of JSON), holding "\ud800"
    cursor = base64.urlsafe_b64encode(b'"\\ud800"').decode().rstrip("=")
    error = refused(api.get(f"/api/v1/tickets?cursor={cursor}"))
    assert "cursor" in error["message"]


def test_a_lone_surrogate_in_a_configuration_upload_is_refused_with_400(api: Api) -> None:
    body = b'{"files": {"policies.yaml": "statuses:\\n  \\"\\ud800\\": open\\n"}}'
    error = refused(api.put("/api/v1/config", content=body, headers=_JSON))
    assert "surrogate" in error["message"]


_JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("x: " + "[" * 5000 + "]" * 5000, "nested deeper than 64"),
        ("policies:\n  - name: a\x00b\n", "unacceptable character"),
    ],
    ids=["deep-yaml", "nul"],
)
def test_yaml_too_deep_or_with_a_nul_is_a_configuration_issue_not_a_500(
    api: Api, text: str, why: str
) -> None:
    res = api.put("/api/v1/config", json={"files": {**CONFIG, "extra.yaml": text}})
    error = refused(res, 422)
    assert error["code"] == "config_invalid"
    assert any(d["file"] == "extra.yaml" and why in d["message"] for d in error["details"])


# ---------------------------------------------------------------- bounded durations, ids


def _alert(api: Api, ticket: str) -> int:
    entry = api.store.claim_alert(
        Alert(
            key=f"risk|{ticket}|first_response|1|75%",
            rule="risk",
            kind="sla_warning",
            subject=ticket,
            metric="first_response",
            cycle="1",
            threshold="75%",
            at=T0,
            deliver_at=T0,
            channels=("ops",),
            summary="at risk",
            figures={},
            link=None,
            customer="acme",
        ),
        now=T0,
    )
    assert entry is not None
    return entry.id


@pytest.mark.parametrize(
    "body",
    [{"for": "99999999999d"}, {"for": 99999999999}, {"until": "9999-12-31T23:59:59Z"}],
    ids=["for-text", "for-seconds", "until"],
)
def test_a_snooze_beyond_366_days_is_refused_and_every_alert_read_still_works(
    api: Api, body: dict[str, Any]
) -> None:
    alert_id = _alert(api, f"SN-{next(iter(body.values()))}")
    res = api.post(f"/api/v1/alerts/{alert_id}/snooze", json=body)
    assert res.status_code in (400, 422), res.text
    assert api.get("/api/v1/alerts").status_code == 200
    assert api.get(f"/api/v1/alerts/{alert_id}").status_code == 200
    ok = api.post(f"/api/v1/alerts/{alert_id}/snooze", json={"for": "366d"})
    assert ok.status_code == 200 and ok.json()["state"] == "snoozed"


@pytest.mark.parametrize("alert_id", [2**63 - 1, 2**63, 2**64, 10**30])
def test_alert_ids_past_64_bits_answer_422_and_the_largest_404(api: Api, alert_id: int) -> None:
    expected = 404 if alert_id < 2**63 else 422
    for method, path in (
        ("GET", f"/api/v1/alerts/{alert_id}"),
        ("POST", f"/api/v1/alerts/{alert_id}/acknowledge"),
        ("POST", f"/api/v1/alerts/{alert_id}/snooze"),
    ):
        res = api.client.request(
            method, path, headers=api.auth("write"), json={"for": 60} if "snooze" in path else None
        )
        assert res.status_code == expected, (path, res.text)


# ---------------------------------------------------------------- bounded instants


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/customers/acme/statement",
        "/api/v1/customers/acme/budget",
        "/api/v1/tickets",
        "/api/v1/tickets/T1",
        "/api/v1/kpis/values",
    ],
)
@pytest.mark.parametrize(
    "as_of", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2200-01-01T00:00:00Z"]
)
def test_as_of_outside_the_years_1901_to_2199_answers_400(api: Api, path: str, as_of: str) -> None:
    error = refused(api.get(f"{path}?as_of={as_of}"))
    assert error["details"] == [{"parameter": "as_of"}]


def test_every_instant_parameter_is_bounded(api: Api) -> None:
    refused(api.get("/api/v1/tickets?due_before=9999-12-31T23:59:59Z"))
    late = {"files": CONFIG, "effective_from": "9999-12-31"}
    refused(api.put("/api/v1/config", json=late))
    assert api.get("/api/v1/customers/acme/statement?as_of=2199-12-31T23:59:59Z").status_code == 200


# ---------------------------------------------------------------- HTTP methods, empty values


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/alerts", "/healthz", "/overview"])
def test_head_answers_wherever_get_does_without_a_body(api: Api, path: str) -> None:
    get = api.client.get(path, headers=api.auth("admin"))
    head = api.client.request("HEAD", path, headers=api.auth("admin"))
    assert head.status_code == get.status_code
    assert head.content == b""
    assert head.headers.get("content-type") == get.headers.get("content-type")


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/api/v1/config", "GET, HEAD, PUT, OPTIONS"),
        ("/api/v1/events", "POST, OPTIONS"),
        ("/api/v1/tokens/abc", "DELETE, OPTIONS"),
    ],
)
def test_options_and_every_405_carry_allow_with_every_method_of_the_resource(
    api: Api, path: str, allow: str
) -> None:
    options = api.client.request("OPTIONS", path)
    assert options.status_code == 204 and options.headers["allow"] == allow
    for method in ("PATCH", "TRACE", "HEAD" if "GET" not in allow else "DELETE"):
        res = api.client.request(method, path, headers=api.auth("admin"))
        assert res.status_code == 405, (method, res.text)
        assert res.headers["allow"] == allow


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tickets?cursor=&as_of=&due_before=&limit=",
        "/api/v1/tickets/T1?as_of=",
        "/api/v1/at-risk?cursor=&customer=",
        "/api/v1/alerts?cursor=&state=",
        "/api/v1/customers/acme/statement?period=&as_of=",
        "/api/v1/customers/acme/budget?as_of=",
        "/api/v1/kpis/values?as_of=&grain=&tz=&kpi=&by=",
        "/api/v1/compliance?by=&period=",
    ],
)
def test_an_empty_parameter_is_read_as_absent(api: Api, path: str) -> None:
    full = api.get(path)
    assert full.status_code == 200, full.text
    bare = api.get(path.split("?")[0])
    assert full.json() == bare.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tickets?customer=a%00b",
        "/api/v1/tickets/T%001",
        "/api/v1/alerts?rule=%00",
        "/api/v1/at-risk?team=x%00",
        "/api/v1/kpis/values?by=field.a%00",
        "/api/v1/customers/ac%00me/statement",
        "/healthz?x=%00",
    ],
)
def test_a_nul_in_a_path_or_query_answers_400_on_every_store(api: Api, path: str) -> None:
    error = refused(api.get(path))
    assert "NUL" in error["message"]


# ---------------------------------------------------------------- the dashboard's pages

_PAGES = ("/", "/signin", "/overview", "/at-risk", "/alerts", "/compliance", "/customers")


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    segment=st.text(min_size=1, max_size=30).filter(lambda t: "\x00" not in t),
    token=st.text(max_size=80),
    page=st.sampled_from(_PAGES),
)
def test_no_dashboard_page_answers_5xx_whatever_its_path_or_token(
    api: Api, segment: str, token: str, page: str
) -> None:
    quoted = quote(segment, safe="")
    cookie = {"cookie": f"accord_token={quote(token, safe='')}"}
    for path in (page, f"/customers/{quoted}", f"/tickets/{quoted}"):
        for method in ("GET", "HEAD", "OPTIONS"):
            res = api.client.request(method, path, headers=cookie)
            assert res.status_code < 500, (method, path, res.text)
    signin = api.client.post("/signin", data={"token": token})
    assert signin.status_code < 500, signin.text
