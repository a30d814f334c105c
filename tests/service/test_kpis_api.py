"""``GET /api/v1/kpis`` and the values endpoints: the catalog in force, values equal to the
KPI evaluator's on the same log, customer-scoped tokens that see only their own tickets, and
the errors (unknown KPI 404, bad parameters 422 in the one error shape), JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from accord.core.config.loader import check_config_kpis
from accord.core.engine import compute
from accord.core.kpi.check import custom_fields
from accord.core.kpi.evaluate import evaluate
from accord.core.kpi.facts import policy_fields, ticket_facts
from accord.core.kpi.frames import events_frame, records_frame
from accord.core.kpi.library import builtin_kpis
from accord.core.timeutil import iso
from accord.io.readers import read_events
from tests.service.conftest import CONFIG, HOUR, T0, Api, created, event, make_api, reply

DAY = 24 * HOUR
AS_OF = T0 + 10 * DAY  # Thursday 2026-03-12 09:00Z: week 2026-W11 is the current one

KPIS_YAML = """\
kpis:
  first_response_median:
    target: 1h
    direction: lower
    bands: {green: 1h, amber: 4h}
    owner: support-leads
  gold_tickets:
    label: Gold tickets
    description: Tickets under the Gold policy
    measure: {over: tickets, agg: count, where: {policy: Gold}}
    by: [team]
    period: {rolling: 28d, tz: Europe/Berlin}
    target: 10
    direction: higher
    owner: account-management
"""
CONFIG_WITH_KPIS = {**CONFIG, "kpis.yaml": KPIS_YAML}


def solved(event_id: str, ticket: str, minutes: float) -> dict[str, Any]:
    return event(event_id, ticket, minutes, "updated", actor="agent", fields={"status": "solved"})


# acme (Gold: first response 1h) and globex, initech (Standard: 4h), over two weeks
LOG = [
    created("a1", "A1", 0, status="new", priority="high", customer="acme", team="support"),
    reply("a2", "A1", 30),
    solved("a3", "A1", 120),
    created("a4", "A2", 1 * 24 * 60, status="new", priority="low", customer="acme", team="ops"),
    reply("a5", "A2", 1 * 24 * 60 + 300),  # 5 h: breaches Gold's 1 h
    created("g1", "G1", 2 * 24 * 60, status="new", customer="globex", team="support"),
    reply("g2", "G1", 2 * 24 * 60 + 120),
    solved("g3", "G1", 3 * 24 * 60),
    created("g4", "G2", 8 * 24 * 60, status="new", customer="globex", team="ops"),
    created("i1", "I1", 9 * 24 * 60, status="new", customer="initech", team="support"),
    reply("i2", "I1", 9 * 24 * 60 + 10),
]


@pytest.fixture
def kpi_api(tmp_path: Path) -> Iterator[Api]:
    api = make_api(tmp_path, config=CONFIG_WITH_KPIS)
    api.send(*LOG)
    api.clock.now = AS_OF
    try:
        yield api
    finally:
        api.store.close()


def expected(
    tmp_path: Path,
    log: list[dict[str, Any]],
    *,
    kpis: list[str] | None = None,
    by: list[str] | None = None,
    as_of: int = AS_OF,
    **options: Any,
) -> list[dict[str, Any]]:
    """The rows `accord kpi --format json` gives for ``log``: read from a file, evaluated by
    the KPI evaluator directly, with the configuration read from a directory."""
    folder = tmp_path / "expected"
    folder.mkdir(exist_ok=True)
    for name, text in CONFIG_WITH_KPIS.items():
        (folder / name).write_text(text, encoding="utf-8")
    config, catalog, issues = check_config_kpis(folder)
    assert config is not None, issues
    path = folder / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in log), encoding="utf-8")
    events = read_events(path, status_category=config.status_category).events
    names = kpis or list(catalog)
    custom = custom_fields([catalog[n] for n in names], by or ())
    frame = events_frame(events, [*policy_fields(config), *custom])
    table = evaluate(
        catalog,
        as_of,
        records=records_frame(compute(events, config, as_of)),
        facts=ticket_facts(frame, config, as_of, fields=custom),
        kpis=names,
        by=by,
        **options,
    )
    rows = table.to_dicts()
    for row in rows:
        row["period_start"] = iso(row["period_start"])
        row["period_end"] = iso(row["period_end"])
        for k, v in row.items():
            if isinstance(v, float) and math.isnan(v):
                row[k] = None
    return rows


def values(api: Api, query: str, who: str = "read") -> list[dict[str, Any]]:
    res = api.get(f"/api/v1/kpis/values?{query}", who=who)
    assert res.status_code == 200, res.text
    rows: list[dict[str, Any]] = res.json()["values"]
    return rows


def error(res: Any, status: int, code: str) -> dict[str, Any]:
    assert res.status_code == status, res.text
    body: dict[str, Any] = res.json()["error"]
    assert body["code"] == code
    return body


# ---------------------------------------------------------------- the catalog


def test_catalog_is_the_library_with_the_configured_kpis_applied(kpi_api: Api) -> None:
    body = kpi_api.get("/api/v1/kpis").json()
    assert body["config_version"] == 1
    entries = {k["name"]: k for k in body["kpis"]}
    assert set(builtin_kpis(["first_response", "resolution"])) <= set(entries)
    fr = entries["first_response_median"]
    assert (fr["unit"], fr["direction"], fr["target"], fr["owner"]) == (
        "duration",
        "lower",
        3600,
        "support-leads",
    )
    assert fr["bands"] == {"green": 3600, "amber": 4 * 3600}
    assert (fr["grain"], fr["rolling_days"], fr["tz"]) == ("week", None, "UTC")
    assert fr["label"] == "First response, median"  # the built-in's, kept by a customisation
    gold = entries["gold_tickets"]
    assert gold == {
        "name": "gold_tickets",
        "label": "Gold tickets",
        "description": "Tickets under the Gold policy",
        "unit": "count",
        "business_day_seconds": None,  # a count, not business time
        "direction": "higher",
        "target": 10,
        "bands": None,
        "by": ["team"],
        "dimensions": gold["dimensions"],
        "grain": None,
        "rolling_days": 28,
        "tz": "Europe/Berlin",
        "owner": "account-management",
    }


def test_catalog_dimensions_are_those_every_measure_of_the_kpi_has(kpi_api: Api) -> None:
    entries = {k["name"]: k for k in kpi_api.get("/api/v1/kpis").json()["kpis"]}
    ticket_kpi, record_kpi = entries["tickets_created"], entries["first_response_median"]
    for dim in ("team", "agent", "priority", "customer", "policy", "field.<name>"):
        assert dim in ticket_kpi["dimensions"] and dim in record_kpi["dimensions"]
    assert "metric" in record_kpi["dimensions"]
    assert "metric" not in ticket_kpi["dimensions"]  # a ticket has no metric


def test_without_a_configuration_the_catalog_is_the_library_and_values_are_409(
    tmp_path: Path,
) -> None:
    api = make_api(tmp_path, config=None)
    try:
        body = api.get("/api/v1/kpis").json()
        assert body["config_version"] is None
        assert [k["name"] for k in body["kpis"]] == list(builtin_kpis())
        error(api.get("/api/v1/kpis/values"), 409, "conflict")
    finally:
        api.store.close()


def test_a_customer_token_reads_the_catalog(kpi_api: Api) -> None:
    assert kpi_api.get("/api/v1/kpis", who="acme").status_code == 200


def test_kpi_endpoints_need_a_token(kpi_api: Api) -> None:
    for url in ("/api/v1/kpis", "/api/v1/kpis/values", "/api/v1/kpis/backlog/values"):
        error(kpi_api.client.get(url), 401, "unauthenticated")


# ---------------------------------------------------------------- values


def test_values_equal_the_evaluator_on_the_same_log(kpi_api: Api, tmp_path: Path) -> None:
    got = values(kpi_api, "by=team&grain=week&periods=2")
    assert got == expected(tmp_path, LOG, by=["team"], grain="week", periods=2)
    created = {(r["period"], r["team"]): r["value"] for r in got if r["kpi"] == "tickets_created"}
    assert created == {  # by hand: A1, G1 / A2 in week 10; I1 / G2 in week 11
        ("2026-W10", "support"): 2,
        ("2026-W10", "ops"): 1,
        ("2026-W11", "support"): 1,
        ("2026-W11", "ops"): 1,
    }


def test_values_by_day_in_a_zone_equal_the_evaluator(kpi_api: Api, tmp_path: Path) -> None:
    query = "kpi=tickets_created&kpi=first_response_median&kpi=backlog&kpi=gold_tickets"
    got = values(kpi_api, f"{query}&by=customer&grain=day&periods=5&tz=America/New_York")
    want = expected(
        tmp_path,
        LOG,
        kpis=["tickets_created", "first_response_median", "backlog", "gold_tickets"],
        by=["customer"],
        grain="day",
        periods=5,
        tz="America/New_York",
    )
    assert got == want


def test_each_kpi_keeps_its_own_dimensions_and_period_by_default(
    kpi_api: Api, tmp_path: Path
) -> None:
    got = values(kpi_api, "kpi=gold_tickets&periods=2")
    assert got == expected(tmp_path, LOG, kpis=["gold_tickets"], periods=2)
    assert {r["team"] for r in got} == {"support", "ops"}  # its own `by: [team]`
    assert got[-1]["period"].startswith("28d to ")


def test_a_value_carries_target_band_previous_change_and_forecast(kpi_api: Api) -> None:
    rows = values(kpi_api, "kpi=first_response_median&kpi=tickets_created&periods=2")
    fr = [r for r in rows if r["kpi"] == "first_response_median"]
    # week 10: acme 30 min (A1) and 5 h (A2), globex 2 h (G1): median 2 h, amber
    assert fr[0]["period"] == "2026-W10"
    assert (fr[0]["value"], fr[0]["target"], fr[0]["band"]) == (2 * 3600, 3600, "amber")
    # week 11 so far: initech's 10 min (I1), green; the forecast is the value so far
    assert fr[1]["period"] == "2026-W11" and fr[1]["current"] is True
    assert (fr[1]["value"], fr[1]["previous"], fr[1]["change"]) == (600, 7200, 600 - 7200)
    assert (fr[1]["band"], fr[1]["forecast"], fr[1]["forecast_band"]) == ("green", 600, "green")
    assert fr[1]["forecast_basis"].startswith("so far")
    created_now = [r for r in rows if r["kpi"] == "tickets_created"][1]
    assert created_now["value"] == 2  # G2 and I1
    assert created_now["forecast_basis"].startswith("linear")
    assert created_now["forecast"] == pytest.approx(2 / created_now["elapsed"])


def test_breaches_are_zero_while_nothing_has_breached(tmp_path: Path) -> None:
    # a filter on a state no record has yet (`breached`) must still select row by row
    api = make_api(tmp_path, config=CONFIG_WITH_KPIS)
    try:
        api.send(*LOG[:3])  # A1: answered in 30 min, solved
        api.clock.now = T0 + 3 * HOUR
        rows = values(api, "kpi=breaches&kpi=sla_compliance&periods=1")
        assert [r["value"] for r in rows if r["kpi"] == "breaches"] == [0]
        assert [r["value"] for r in rows if r["kpi"] == "sla_compliance"][-1] == 1
    finally:
        api.store.close()


def test_one_kpi_endpoint_gives_the_rows_of_that_kpi(kpi_api: Api) -> None:
    one = kpi_api.get("/api/v1/kpis/backlog/values?by=team&periods=3").json()
    assert one["kpis"] == ["backlog"]
    assert one["values"] == values(kpi_api, "kpi=backlog&by=team&periods=3")


def test_as_of_in_the_past_ignores_later_events(kpi_api: Api, tmp_path: Path) -> None:
    then = T0 + 2 * DAY + 30 * 60  # G1 created, not yet answered
    got = values(kpi_api, f"kpi=backlog&kpi=tickets_created&grain=day&as_of={iso(then)}")
    want = expected(
        tmp_path, LOG, kpis=["backlog", "tickets_created"], grain="day", periods=4, as_of=then
    )
    assert got == want
    backlog_now = [r for r in got if r["kpi"] == "backlog"][-1]
    assert backlog_now["value"] == 2  # A2 and G1; A1 was solved


def test_the_answer_names_its_as_of_configuration_and_kpis(kpi_api: Api) -> None:
    body = kpi_api.get("/api/v1/kpis/values?kpi=backlog&kpi=backlog&by=agent").json()
    assert (body["as_of"], body["config_version"]) == (iso(AS_OF), 1)
    assert (body["kpis"], body["by"], body["skipped"]) == (["backlog"], ["agent"], [])


def test_a_dimension_named_twice_is_one_column(kpi_api: Api) -> None:
    body = kpi_api.get("/api/v1/kpis/values?kpi=backlog&by=agent&by=assignee&by=agent").json()
    assert body["by"] == ["agent"]
    assert "assignee" not in body["values"][0]


def test_without_kpi_the_kpis_lacking_the_dimension_are_skipped_and_named(
    kpi_api: Api,
) -> None:
    body = kpi_api.get("/api/v1/kpis/values?by=metric&periods=1").json()
    assert "tickets_created" in body["skipped"] and "backlog" in body["skipped"]
    assert "sla_compliance" in body["kpis"] and "tickets_created" not in body["kpis"]
    assert {r["kpi"] for r in body["values"]} == set(body["kpis"])


# ---------------------------------------------------------------- customer-scoped tokens


def test_a_customer_token_gets_values_over_its_own_tickets_only(
    kpi_api: Api, tmp_path: Path
) -> None:
    acme_log = [e for e in LOG if e["ticket_id"].startswith("A")]
    got = values(kpi_api, "by=team&grain=week&periods=2", who="acme")
    assert got == expected(tmp_path, acme_log, by=["team"], grain="week", periods=2)


def test_by_customer_shows_a_customer_token_only_its_own_row(kpi_api: Api) -> None:
    for who in ("acme", "globex"):
        res = kpi_api.get("/api/v1/kpis/values?by=customer&grain=day&periods=14", who=who)
        assert res.status_code == 200
        # None: the placeholder row of a KPI with nothing to show in any period
        assert {r["customer"] for r in res.json()["values"]} - {None} == {who}
        others = {"acme", "globex", "initech"} - {who}
        assert not any(name in res.text for name in others)


def test_a_customer_without_tickets_sees_empty_values_not_others(tmp_path: Path) -> None:
    api = make_api(tmp_path, config=CONFIG_WITH_KPIS)
    try:
        api.send(*(e for e in LOG if not e["ticket_id"].startswith("A")))
        api.clock.now = AS_OF
        res = api.get("/api/v1/kpis/values?kpi=tickets_created&by=customer", who="acme")
        assert res.status_code == 200
        assert {r["value"] for r in res.json()["values"]} == {0}
        assert {r["customer"] for r in res.json()["values"]} == {None}
        assert "globex" not in res.text and "initech" not in res.text
    finally:
        api.store.close()


def test_a_ticket_moved_to_another_customer_leaks_neither_way(kpi_api: Api) -> None:
    # M1 was globex's when its first response came, then moved to acme: its record carries
    # globex, its ticket now acme
    kpi_api.send(
        created("m1", "M1", 9 * 24 * 60, status="new", customer="globex", team="support"),
        reply("m2", "M1", 9 * 24 * 60 + 20),
        event("m3", "M1", 9 * 24 * 60 + 60, "updated", actor="agent", fields={"customer": "acme"}),
    )
    acme = kpi_api.get(
        "/api/v1/kpis/values?kpi=tickets_created&kpi=first_response_median&by=customer",
        who="acme",
    )
    assert "globex" not in acme.text
    acme_rows = {(r["kpi"], r["period"]): r for r in acme.json()["values"]}
    assert acme_rows[("tickets_created", "2026-W11")]["value"] == 1  # M1, acme's now
    assert acme_rows[("first_response_median", "2026-W11")]["n"] == 0  # answered as globex's
    globex = kpi_api.get(
        "/api/v1/kpis/values?kpi=tickets_created&by=ticket_id&periods=1", who="globex"
    )
    assert {r["ticket_id"] for r in globex.json()["values"]} == {"G1", "G2"}  # not M1
    assert "acme" not in globex.text


def test_a_customer_token_gets_the_same_csv_restriction(kpi_api: Api) -> None:
    res = kpi_api.get("/api/v1/kpis/values?by=customer&format=csv", who="globex")
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert rows and {r["customer"] for r in rows} - {""} == {"globex"}


# ---------------------------------------------------------------- errors


def test_an_unknown_kpi_is_404_not_found(kpi_api: Api) -> None:
    body = error(kpi_api.get("/api/v1/kpis/values?kpi=backlog&kpi=backlgo"), 404, "not_found")
    assert "'backlgo'" in body["message"] and "did you mean 'backlog'" in body["message"]
    error(kpi_api.get("/api/v1/kpis/nope/values"), 404, "not_found")
    error(kpi_api.get("/api/v1/kpis/nope/values", who="acme"), 404, "not_found")


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("grain=fortnight", "grain"),
        ("grain=0d", "grain"),
        ("grain=9999d", "grain"),
        ("by=colour", "by"),
        ("by=tags", "by"),  # a list cannot group
        ("by=field.", "by"),
        ("kpi=tickets_created&by=metric", "by"),  # named, and a ticket has no metric
        ("tz=Mars/Olympus", "tz"),
        ("periods=0", "periods"),
        ("periods=100000", "periods"),
        ("format=xml", "format"),
    ],
)
def test_a_bad_parameter_is_422_with_details(kpi_api: Api, query: str, param: str) -> None:
    body = error(kpi_api.get(f"/api/v1/kpis/values?{query}"), 422, "request_invalid")
    assert [d["location"] for d in body["details"]] == [["query", param]]
    assert body["details"][0]["message"]


def test_periods_reaching_before_year_one_are_422(tmp_path: Path) -> None:
    config = {**CONFIG, "kpis.yaml": "kpis:\n  long:\n    measure: {over: tickets, agg: count}\n"
              "    period: {rolling: 36500}\n"}  # fmt: skip
    api = make_api(tmp_path, config=config)
    try:
        res = api.get("/api/v1/kpis/long/values?periods=30&as_of=2026-01-01T00:00:00Z")
        body = error(res, 422, "request_invalid")
        assert body["details"][0]["location"] == ["query", "periods"]
    finally:
        api.store.close()


@pytest.mark.parametrize("as_of", ["yesterday", "2026-03-02T09:00:00", "1000-01-01T00:00:00Z"])
def test_a_bad_as_of_is_400_like_every_instant_parameter(kpi_api: Api, as_of: str) -> None:
    body = error(kpi_api.get(f"/api/v1/kpis/values?as_of={as_of}"), 400, "input_invalid")
    assert body["details"] == [{"parameter": "as_of"}]


# ---------------------------------------------------------------- CSV


def test_values_come_as_csv_by_format_or_accept_header(kpi_api: Api) -> None:
    query = "kpi=tickets_created&kpi=first_response_median&by=team&periods=2"
    rows = values(kpi_api, query)
    for res in (
        kpi_api.get(f"/api/v1/kpis/values?{query}&format=csv"),
        kpi_api.get(f"/api/v1/kpis/values?{query}", headers={"Accept": "text/csv"}),
    ):
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("text/csv")
        got = list(csv.DictReader(io.StringIO(res.text)))
        assert list(got[0]) == list(rows[0])  # the JSON rows' columns, in order
        assert len(got) == len(rows)
        for line, row in zip(got, rows, strict=True):
            assert (line["kpi"], line["period"], line["team"] or None) == (
                row["kpi"],
                row["period"],
                row["team"],
            )
            assert line["period_start"] == row["period_start"]
            value = float(line["value"]) if line["value"] else None
            assert value == row["value"]


def test_format_json_wins_over_an_accept_header_for_csv(kpi_api: Api) -> None:
    res = kpi_api.get("/api/v1/kpis/values?kpi=backlog&format=json", headers={"Accept": "text/csv"})
    assert res.headers["content-type"].startswith("application/json")
    assert pl.DataFrame(res.json()["values"]).height == 4


# ---------------------------------------------------------------- snapshots


def test_a_read_for_now_is_a_snapshot_that_names_the_instant_of_its_figures(
    kpi_api: Api,
) -> None:
    first = kpi_api.get("/api/v1/kpis/values?kpi=backlog").json()
    assert first["as_of"] == first["computed_at"] == iso(AS_OF)
    kpi_api.clock.now = AS_OF + 59  # nothing changed, younger than the maximum age
    again = kpi_api.get("/api/v1/kpis/values?kpi=backlog").json()
    assert again == first
    kpi_api.clock.now = AS_OF + 60
    later = kpi_api.get("/api/v1/kpis/values?kpi=backlog").json()
    assert later["as_of"] == later["computed_at"] == iso(AS_OF + 60)


def test_a_read_right_after_an_ingest_reflects_it_on_a_store_quick_to_compute(
    kpi_api: Api,
) -> None:
    before = [r for r in values(kpi_api, "kpi=backlog") if r["kpi"] == "backlog"][-1]["value"]
    kpi_api.send(created("n1", "N1", 10 * 24 * 60 - 5, status="new", customer="globex"))
    after = [r for r in values(kpi_api, "kpi=backlog") if r["kpi"] == "backlog"][-1]["value"]
    assert after == before + 1


def test_a_read_with_as_of_is_computed_for_itself_and_says_when(kpi_api: Api) -> None:
    kpi_api.get("/api/v1/kpis/values?kpi=backlog")
    body = kpi_api.get(f"/api/v1/kpis/values?kpi=backlog&as_of={iso(T0 + DAY)}").json()
    assert (body["as_of"], body["computed_at"]) == (iso(T0 + DAY), iso(AS_OF))


def test_csv_values_name_the_instant_of_their_figures_in_a_header(kpi_api: Api) -> None:
    res = kpi_api.get("/api/v1/kpis/values?kpi=backlog&format=csv")
    assert res.headers["x-accord-as-of"] == iso(AS_OF)
