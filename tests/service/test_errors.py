"""One JSON error shape for every error, whoever raises it."""

from __future__ import annotations

from typing import Any

import pytest

from accord.errors import StoreError
from tests.service.conftest import Api


def shape(res: Any) -> tuple[int, str]:
    body = res.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return res.status_code, body["error"]["code"]


def test_an_unknown_route_is_404_in_the_one_shape(api: Api) -> None:
    assert shape(api.get("/api/v1/nothing")) == (404, "not_found")


def test_a_wrong_method_is_405_in_the_one_shape(api: Api) -> None:
    assert shape(api.get("/api/v1/events")) == (405, "method_not_allowed")


def test_an_invalid_parameter_is_422_naming_it(api: Api) -> None:
    res = api.get("/api/v1/tickets?limit=0")
    assert shape(res) == (422, "request_invalid")
    assert res.json()["error"]["details"][0]["location"] == ["query", "limit"]
    assert shape(api.get("/api/v1/tickets?state=soon")) == (422, "request_invalid")
    assert shape(api.post("/api/v1/tokens", who="admin", json={"scope": "x"})) == (
        422,
        "request_invalid",
    )


def test_a_bad_instant_parameter_is_400(api: Api) -> None:
    assert shape(api.get("/api/v1/tickets?due_before=tomorrow")) == (400, "input_invalid")


def test_401_and_403_come_in_the_one_shape(api: Api) -> None:
    assert shape(api.client.get("/api/v1/tickets")) == (401, "unauthenticated")
    assert shape(api.post("/api/v1/events", who="read", json=[])) == (403, "forbidden")


def test_an_unavailable_store_is_503(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*_a: object, **_k: object) -> None:
        raise StoreError("the store is unavailable: connection refused")

    monkeypatch.setattr(api.store, "find_tickets", down)
    assert shape(api.get("/api/v1/tickets")) == (503, "store_unavailable")


def test_an_unexpected_failure_is_500_and_names_no_internals(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.store, "find_tickets", broken)
    res = api.get("/api/v1/tickets")
    assert shape(res) == (500, "internal")
    assert "secret" not in res.text


def test_the_health_check_needs_no_token(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
