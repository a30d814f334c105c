"""The working lists' parameters on the routes: filters, search, sort, offset paging, the
count of the filtered rows and the instant the page is for; CSV carries the same rows."""

from __future__ import annotations

import csv
import io

import pytest

from accord.core.timeutil import iso
from accord.service import list_params
from tests.service.conftest import T0, Api


def _ids(body: dict[str, object]) -> list[str]:
    return [t["ticket_id"] for t in body["items"]]  # type: ignore[attr-defined]


def test_the_ticket_list_sorts_pages_by_offset_and_counts_the_filtered_tickets(
    populated: Api,
) -> None:
    body = populated.get("/api/v1/tickets?sort=-ticket&limit=2").json()
    assert _ids(body) == ["T3", "T2"]
    assert (body["total"], body["offset"], body["next_cursor"]) == (3, 0, None)
    assert body["as_of"] == iso(populated.clock.now)
    rest = populated.get("/api/v1/tickets?sort=-ticket&limit=2&offset=2").json()
    assert (_ids(rest), rest["total"], rest["offset"]) == (["T1"], 3, 2)
    acme = populated.get("/api/v1/tickets?customer=acme&sort=-priority").json()
    assert (_ids(acme), acme["total"]) == (["T2", "T1"], 2)  # low before high, descending


def test_the_ticket_list_searches_a_part_of_the_id_in_any_case(populated: Api) -> None:
    assert _ids(populated.get("/api/v1/tickets?search=t3").json()) == ["T3"]
    body = populated.get("/api/v1/tickets?search=x").json()
    assert (body["items"], body["total"]) == ([], 0)


def test_an_empty_filter_is_no_filter(populated: Api) -> None:
    body = populated.get("/api/v1/tickets?customer=&team=&sort=&search=&assignee=").json()
    assert (_ids(body), body["total"]) == (["T1", "T2", "T3"], 3)


def test_an_unknown_sort_column_is_a_400_naming_the_parameter(populated: Api) -> None:
    for path in ("/api/v1/tickets?sort=due", "/api/v1/at-risk?sort=-status"):
        res = populated.get(path)
        assert res.status_code == 400, res.text
        assert res.json()["error"]["code"] == "input_invalid"
        assert "sort" in res.text


def test_the_queue_filters_by_state_due_window_and_search_and_counts(populated: Api) -> None:
    # T2's and T3's first responses are due at +70 and +80 min; the clock reads +40 min
    soon = populated.get("/api/v1/at-risk?due_within=2100").json()  # within 35 min: +75
    assert [(c["ticket_id"], c["metric"]) for c in soon["items"]] == [("T2", "first_response")]
    assert soon["total"] == 1
    assert populated.get("/api/v1/at-risk?state=breached").json()["total"] == 0
    populated.clock.now = T0 + 71 * 60
    late = populated.get("/api/v1/at-risk?state=breached").json()
    assert [(c["ticket_id"], c["risk"]) for c in late["items"]] == [("T2", "breached")]
    assert late["as_of"] == iso(T0 + 71 * 60)
    mine = populated.get("/api/v1/at-risk?search=T3").json()
    assert {c["ticket_id"] for c in mine["items"]} == {"T3"} and mine["total"] == 2


def test_the_queue_sorts_by_a_column_and_pages_by_offset(populated: Api) -> None:
    everything = populated.get("/api/v1/at-risk?sort=-ticket").json()
    assert [c["ticket_id"] for c in everything["items"]] == ["T3", "T3", "T2", "T2", "T1"]
    page = populated.get("/api/v1/at-risk?sort=-ticket&limit=2&offset=2").json()
    assert [c["ticket_id"] for c in page["items"]] == ["T2", "T2"]
    assert (page["total"], page["next_cursor"]) == (5, None)


def test_the_csv_export_holds_the_filtered_rows_and_says_the_total(populated: Api) -> None:
    res = populated.get("/api/v1/at-risk?format=csv&team=support&sort=ticket")
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert [(r["ticket_id"], r["metric"]) for r in rows] == [
        ("T1", "resolution"),
        ("T3", "first_response"),
        ("T3", "resolution"),
    ]
    assert res.headers["X-Total-Count"] == "3"
    tickets = populated.get("/api/v1/tickets?format=csv&customer=acme&sort=-ticket")
    assert {r["ticket_id"] for r in csv.DictReader(io.StringIO(tickets.text))} == {"T1", "T2"}
    assert tickets.headers["X-Total-Count"] == "2"


def test_a_customer_token_counts_only_its_own_tickets(populated: Api) -> None:
    body = populated.get("/api/v1/tickets?sort=-ticket", who="acme").json()
    assert (_ids(body), body["total"]) == (["T2", "T1"], 2)
    other = populated.get("/api/v1/at-risk?customer=globex", who="acme").json()
    assert (other["items"], other["total"]) == ([], 0)


def test_counts_past_the_cap_answer_the_cap_and_say_so(
    populated: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list_params, "COUNT_CAP", 2)
    body = populated.get("/api/v1/tickets?limit=1").json()
    assert (body["total"], body["total_capped"], len(body["items"])) == (2, True, 1)
    exact = populated.get("/api/v1/tickets?customer=acme").json()  # 2 tickets: at the cap
    assert (exact["total"], exact["total_capped"]) == (2, False)
    queue = populated.get("/api/v1/at-risk?format=csv")
    assert (queue.headers["X-Total-Count"], queue.headers["X-Total-Capped"]) == ("2", "true")
    # the page itself is not capped: every row of the filter can still be read
    assert len(populated.get("/api/v1/at-risk?limit=500").json()["items"]) == 5


def test_counts_under_the_cap_are_exact_and_not_capped(populated: Api) -> None:
    body = populated.get("/api/v1/at-risk").json()
    assert (body["total"], body["total_capped"]) == (5, False)
    res = populated.get("/api/v1/tickets?format=csv")
    assert (res.headers["X-Total-Count"], res.headers["X-Total-Capped"]) == ("3", "false")


_FILTERS = ["", "team=support", "customer=acme", "search=T3", "sort=-ticket", "assignee=nobody"]


@pytest.mark.parametrize("route", ["at-risk", "tickets"])
def test_a_first_page_holding_the_whole_list_gives_the_stores_count(
    populated: Api, route: str
) -> None:
    for q in _FILTERS:
        whole = populated.get(f"/api/v1/{route}?{q}&limit=500").json()
        # past the first row: the store counts the same filter
        counted = populated.get(f"/api/v1/{route}?{q}&limit=500&offset=1").json()
        assert (whole["total"], whole["total_capped"]) == (
            counted["total"],
            counted["total_capped"],
        ), q
        assert whole["total"] == len(whole["items"]), q  # no move or cancelled clock here


def test_the_store_counts_only_when_the_page_may_not_hold_the_whole_list(
    populated: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    store = populated.store
    for name in ("count_open_clocks", "count_ticket_list"):
        real = getattr(store, name)

        def counting(*a: object, _real: object = real, _name: str = name, **kw: object) -> int:
            asked.append(_name)
            return _real(*a, **kw)  # type: ignore[operator, no-any-return]

        monkeypatch.setattr(store, name, counting)
    # an agent's queue with nothing in it, polled: a whole first page counts itself
    populated.get("/api/v1/at-risk?assignee=nobody&limit=1")
    populated.get("/api/v1/tickets?customer=acme")
    assert asked == []
    page = populated.get("/api/v1/at-risk?limit=2").json()  # a fuller list: the store counts
    after = populated.get("/api/v1/tickets?offset=1").json()  # not the first page
    cursor = populated.get(f"/api/v1/at-risk?cursor={page['next_cursor']}").json()
    assert asked == ["count_open_clocks", "count_ticket_list", "count_open_clocks"]
    assert (page["total"], after["total"], cursor["total"]) == (5, 3, 5)
