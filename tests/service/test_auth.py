"""Bearer tokens: every endpoint but the health check needs one; scopes nest; tokens are
stored hashed, shown once, and revocable."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli.main import app as cli
from accord.errors import AuthError
from accord.io.store import MemoryStore, Scope, SqlStore
from accord.service.auth import VerifiedTokens, authenticate, create_token
from tests.service.conftest import Api, created

PUBLIC = {"/healthz", "/openapi.json", "/docs", "/redoc"}
SIGNED = {"/api/v1/webhooks/zendesk", "/api/v1/webhooks/jira"}


def _routes(api: Api) -> list[tuple[str, str]]:
    schema = api.client.get("/openapi.json").json()
    out = []
    for path, ops in schema["paths"].items():
        for method in ops:
            out.append((method.upper(), re.sub(r"\{[^}]+\}", "x", path)))
    return out


def test_every_endpoint_but_the_health_check_needs_a_token(api: Api) -> None:
    routes = _routes(api)
    assert len(routes) >= 15
    for method, path in routes:
        res = api.client.request(method, path)
        if path in PUBLIC:
            assert res.status_code == 200, path
            continue
        assert res.status_code == 401, (method, path, res.status_code)
        assert res.json()["error"]["code"] == "unauthenticated"
        if path not in SIGNED:
            assert res.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer acc_000000000000_" + "x" * 40,  # well formed, unknown
        "Bearer not-a-token",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
    ],
)
def test_a_wrong_token_is_401_and_says_nothing_more(api: Api, header: str) -> None:
    res = api.client.get("/api/v1/tickets", headers={"Authorization": header})
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "unauthenticated"


def test_a_token_with_a_wrong_secret_is_refused(api: Api) -> None:
    token = api.tokens["admin"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    res = api.client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {forged}"})
    assert res.status_code == 401


def test_scopes_nest_read_write_admin(api: Api) -> None:
    assert api.post("/api/v1/events", who="read", json=[]).status_code == 403
    assert api.post("/api/v1/events", who="write", json=[]).status_code == 200
    assert api.get("/api/v1/tickets", who="write").status_code == 200
    assert api.post("/api/v1/recompute", who="write").status_code == 403
    assert api.get("/api/v1/tokens", who="write").status_code == 403
    assert api.get("/api/v1/tokens", who="admin").status_code == 200
    forbidden = api.put("/api/v1/config", who="write", json={"files": {}})
    assert forbidden.json()["error"]["code"] == "forbidden"


def test_tokens_are_stored_hashed_and_shown_once(api: Api) -> None:
    res = api.post("/api/v1/tokens", who="admin", json={"scope": "read", "name": "bi"})
    assert res.status_code == 201
    token = res.json()["token"]
    stored = api.store.get_token(res.json()["id"])
    assert stored is not None
    assert stored.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    listed = api.get("/api/v1/tokens", who="admin").json()["items"]
    assert all("token" not in t and "secret_hash" not in t for t in listed)
    assert api.client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})


def test_a_revoked_token_stops_working(api: Api) -> None:
    made = api.post("/api/v1/tokens", who="admin", json={"scope": "read"}).json()
    headers = {"Authorization": f"Bearer {made['token']}"}
    assert api.client.get("/api/v1/tickets", headers=headers).status_code == 200
    assert api.delete(f"/api/v1/tokens/{made['id']}").json() == {"id": made["id"], "revoked": True}
    assert api.client.get("/api/v1/tickets", headers=headers).status_code == 401
    assert api.delete("/api/v1/tokens/nope").status_code == 404


def test_a_customer_token_can_only_read(api: Api) -> None:
    res = api.post("/api/v1/tokens", json={"scope": "write", "customer": "acme"}, who="admin")
    # the rule is part of the body's schema (a customer only with scope read): 422, like any
    # body the schema refuses
    assert res.status_code == 422
    assert "only read" in res.json()["error"]["details"][0]["message"]
    assert api.post("/api/v1/events", who="acme", json=[created("e", "T", 0)]).status_code == 403


def test_the_cli_creates_lists_and_revokes_tokens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    made = runner.invoke(
        cli, ["token", "create", "--scope", "read", "--customer", "acme", "--database-url", url]
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("acc_")
    store = SqlStore(url)
    try:
        [record] = store.list_tokens()
        assert (record.scope.value, record.customer) == ("read", "acme")
        assert record.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    finally:
        store.close()
    listed = runner.invoke(cli, ["token", "list", "--database-url", url])
    assert record.id in listed.stdout and token not in listed.stdout
    revoked = runner.invoke(cli, ["token", "revoke", record.id, "--database-url", url])
    assert revoked.exit_code == 0
    missing = runner.invoke(cli, ["token", "revoke", "nope", "--database-url", url])
    assert missing.exit_code == 5
    bad = runner.invoke(
        cli, ["token", "create", "--scope", "admin", "--customer", "x", "--database-url", url]
    )
    assert bad.exit_code == 4


def test_a_verified_token_is_remembered_for_a_few_seconds_then_looked_up_again() -> None:
    store = MemoryStore()
    token, record = create_token(store, scope=Scope.READ, customer=None, name="t", now=0)
    now = [100.0]
    verified = VerifiedTokens(ttl=5.0, clock=lambda: now[0])
    assert authenticate(store, token, verified).token_id == record.id
    store.revoke_token(record.id, at=1)  # as another process would, behind this one's back
    now[0] += 4.9
    assert authenticate(store, token, verified).token_id == record.id
    now[0] += 0.2
    with pytest.raises(AuthError):
        authenticate(store, token, verified)


def test_only_successes_are_remembered_so_a_new_token_works_at_once() -> None:
    store = MemoryStore()
    verified = VerifiedTokens(clock=lambda: 0.0)
    with pytest.raises(AuthError):
        authenticate(store, "acc_0123456789ab_" + "x" * 40, verified)
    token, _ = create_token(store, scope=Scope.READ, customer=None, name="t", now=0)
    assert authenticate(store, token, verified).scope is Scope.READ
