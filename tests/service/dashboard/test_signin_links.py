"""Sign-in links (the demo prints one): a code the serving process holds for a read token;
following it sets the same cookie as the sign-in form. An unknown code, or one for a token
that is not read-only (or revoked), signs nobody in."""

from __future__ import annotations

from accord.io.store import Scope
from accord.service.auth import COOKIE_NAME, create_token
from accord.service.dashboard.signin_links import SigninLinks
from tests.service.conftest import Api


def _links(api: Api) -> SigninLinks:
    links = SigninLinks()
    api.app.state.signin_links = links
    return links


def test_a_link_for_a_read_token_signs_it_in(api: Api) -> None:
    code = _links(api).add(api.tokens["read"])
    res = api.client.get(f"/signin/link/{code}", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/overview"
    assert res.cookies[COOKIE_NAME] == api.tokens["read"]
    assert "httponly" in res.headers["set-cookie"].lower()


def test_an_unknown_code_or_a_server_without_links_signs_nobody_in(api: Api) -> None:
    assert api.client.get("/signin/link/anything", follow_redirects=False).status_code == 404
    _links(api).add(api.tokens["read"])
    res = api.client.get("/signin/link/not-the-code", follow_redirects=False)
    assert res.status_code == 404 and "set-cookie" not in res.headers
    assert "not valid" in res.text


def test_a_link_never_signs_in_a_write_token_or_a_revoked_one(api: Api) -> None:
    links = _links(api)
    write = links.add(api.tokens["write"])
    assert api.client.get(f"/signin/link/{write}", follow_redirects=False).status_code == 404
    token, record = create_token(api.store, scope=Scope.READ, customer=None, name="x", now=0)
    code = links.add(token)
    assert api.client.get(f"/signin/link/{code}", follow_redirects=False).status_code == 303
    api.store.revoke_token(record.id, at=1)
    assert api.client.get(f"/signin/link/{code}", follow_redirects=False).status_code == 404
