"""``GET /api/v1/trends``: a series per week or month over a date range, for everyone, a
customer or a team, with target and bands; each point's ``n`` is the length of the KPI rows
behind it; bad parameters answer with the parameter named."""

from __future__ import annotations

from typing import Any

import pytest

from accord.core.timeutil import iso
from tests.service.conftest import CONFIG, HOUR, T0, Api, created, make_api, reply

DAY = 24 * HOUR
WEEK = 7 * DAY
TARGETS = (
    "kpis:\n  sla_compliance:\n    target: 90%\n    bands: {green: 90%, amber: 80%}\n"
    "  backlog:\n    target: 2\n"
)


def _populate(api: Api) -> None:
    """Tickets over three weeks: some answered in time, some late, some still open."""
    api.send(
        created("a1", "A1", 0, status="new", team="L1", customer="acme"),
        reply("a2", "A1", 30),
        created("a3", "A2", 60, status="new", team="L2", customer="acme"),
        reply("a4", "A2", 60 + 300),  # late: the acme policy allows 1 h
        created("g1", "G1", WEEK / 60, status="new", team="L2", customer="globex"),
        reply("g2", "G1", WEEK / 60 + 30),
        created("g3", "G2", 2 * WEEK / 60, status="new", team="L1", customer="globex"),
    )
    api.clock.now = T0 + 2 * WEEK + 10 * HOUR
    api.drain()


@pytest.fixture
def targeted(tmp_path: Any) -> Any:
    a = make_api(tmp_path, config={**CONFIG, "kpis.yaml": TARGETS})
    try:
        _populate(a)
        yield a
    finally:
        a.store.close()


def _trend(api: Api, query: str, who: str = "read") -> dict[str, Any]:
    res = api.get(f"/api/v1/trends?{query}", who=who)
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


def test_compliance_per_week_is_the_sla_compliance_kpi_with_its_target_and_bands(
    targeted: Api,
) -> None:
    got = _trend(targeted, "series=compliance&grain=week&from=2026-03-02&to=2026-03-22")
    assert got["kpi"] == "sla_compliance" and got["unit"] == "percent"
    assert got["target"] == 0.9 and got["bands"] == {"green": 0.9, "amber": 0.8}
    assert [p["period"] for p in got["points"]] == ["2026-W10", "2026-W11", "2026-W12"]
    values = targeted.get(
        f"/api/v1/kpis/sla_compliance/values?grain=week&periods=3&as_of={got['as_of']}"
    ).json()["values"]
    assert [(p["value"], p["n"], p["band"]) for p in got["points"]] == [
        (v["value"], v["n"], v["band"]) for v in values
    ]
    assert got["points"][-1]["current"] and not got["points"][0]["current"]
    assert got["points"][0]["start"] == iso(T0 - 9 * HOUR)  # Monday, local midnight (UTC)


def test_every_point_leads_to_as_many_kpi_rows_as_its_n(targeted: Api) -> None:
    for series, kpi in (
        ("compliance", "sla_compliance"),
        ("breaches", "breaches"),
        ("backlog", "backlog"),
        ("kpi:tickets_created", "tickets_created"),
    ):
        for extra, group in (
            ("", ""),
            ("&team=L2", "&group=team=L2"),
            ("&customer=acme", "&group=customer=acme"),
        ):
            got = _trend(targeted, f"series={series}&grain=week&from=2026-03-01{extra}")
            assert got["kpi"] == kpi
            for p in got["points"]:
                q = (
                    f"period={p['period']}&grain=week&periods={got['periods']}"
                    f"&as_of={got['as_of']}{group}"
                )
                rows = targeted.get(f"/api/v1/kpis/{kpi}/rows?{q}")
                assert rows.status_code == 200, rows.text
                assert rows.json()["count"] == p["n"], (series, extra, p)


def test_backlog_is_the_tickets_open_at_each_periods_end(targeted: Api) -> None:
    got = _trend(targeted, "series=backlog&grain=week&from=2026-03-02")
    # a reply solves nothing: every ticket is still open at the end of each week after it
    created_by_week = [2, 3, 4]
    assert [p["value"] for p in got["points"]] == created_by_week
    assert got["target"] == 2 and [p["band"] for p in got["points"]] == ["green", "red", "red"]


def test_a_customer_or_team_without_figures_has_zero_counts_and_no_shares(targeted: Api) -> None:
    counts = _trend(targeted, "series=breaches&grain=week&from=2026-03-02&team=nobody")
    assert [p["value"] for p in counts["points"]] == [0, 0, 0]
    assert [p["n"] for p in counts["points"]] == [0, 0, 0]
    shares = _trend(targeted, "series=compliance&grain=week&from=2026-03-02&team=nobody")
    assert [p["value"] for p in shares["points"]] == [None, None, None]


def test_months_and_a_range_ending_before_as_of(targeted: Api) -> None:
    months = _trend(targeted, "series=kpi:tickets_created&grain=month&from=2026-01-15")
    assert [(p["period"], p["value"]) for p in months["points"]] == [
        ("2026-01", 0),
        ("2026-02", 0),
        ("2026-03", 4),
    ]
    weeks = _trend(targeted, "series=kpi:tickets_created&grain=week&from=2026-03-02&to=2026-03-09")
    assert [p["period"] for p in weeks["points"]] == ["2026-W10", "2026-W11"]
    assert weeks["periods"] == 3  # the grid reaches as-of: the rows route needs it


def test_the_default_range_is_twelve_periods_up_to_now(targeted: Api) -> None:
    got = _trend(targeted, "series=breaches")
    assert got["grain"] == "week" and len(got["points"]) == 12
    assert got["points"][-1]["current"] and got["to"] == "2026-03-16"


def test_a_range_after_as_of_has_no_points(targeted: Api) -> None:
    got = _trend(targeted, "series=breaches&from=2026-05-01&to=2026-05-31")
    assert got["points"] == [] and got["periods"] == 0


@pytest.mark.parametrize(
    ("query", "status", "param"),
    [
        ("series=nope", 422, "series"),
        ("series=kpi:", 422, "series"),
        ("from=2026-02-30", 400, "from"),
        ("to=yesterday", 400, "to"),
        ("from=2026-03-10&to=2026-03-01", 422, "to"),
        ("from=1990-01-01", 422, "from"),
        ("grain=day", 422, "grain"),
        ("as_of=soon", 400, "as_of"),
    ],
)
def test_bad_parameters_are_named(targeted: Api, query: str, status: int, param: str) -> None:
    res = targeted.get(f"/api/v1/trends?{query}")
    assert res.status_code == status, res.text
    assert param in res.text


def test_an_unknown_kpi_is_404_and_no_configuration_is_409(targeted: Api, tmp_path: Any) -> None:
    assert targeted.get("/api/v1/trends?series=kpi:nope").status_code == 404
    (tmp_path / "bare").mkdir()
    bare = make_api(tmp_path / "bare", config=None)
    try:
        assert bare.get("/api/v1/trends").status_code == 409
    finally:
        bare.store.close()


def test_a_customer_token_sees_only_its_own_figures(targeted: Api) -> None:
    mine = _trend(targeted, "series=kpi:tickets_created&from=2026-03-02", who="acme")
    acme = _trend(targeted, "series=kpi:tickets_created&from=2026-03-02&customer=acme")
    assert [p["value"] for p in mine["points"]] == [p["value"] for p in acme["points"]]
    other = _trend(
        targeted, "series=kpi:tickets_created&from=2026-03-02&customer=globex", who="acme"
    )
    assert [p["value"] for p in other["points"]] == [0, 0, 0]


def test_a_repeated_choice_is_evaluated_once_per_snapshot_and_new_events_are_seen(
    targeted: Api,
) -> None:
    query = "series=kpi:tickets_created&grain=week&from=2026-03-01"
    first = _trend(targeted, query)
    misses = targeted.runtime.derived.misses
    again = _trend(targeted, query)
    assert again == first
    assert targeted.runtime.derived.misses == misses  # served from the memo
    assert targeted.runtime.derived.hits >= 1
    other = _trend(targeted, query + "&team=L1")  # another choice is its own evaluation
    assert targeted.runtime.derived.misses == misses + 1
    assert sum(p["n"] for p in other["points"]) < sum(p["n"] for p in first["points"])
    targeted.send(created("n1", "N1", 2 * WEEK / 60 + 60, status="new", customer="acme"))
    targeted.drain()
    after = _trend(targeted, query)  # the ingest changed the store: a new snapshot
    assert sum(p["n"] for p in after["points"]) == sum(p["n"] for p in first["points"]) + 1
