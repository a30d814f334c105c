"""Property-based: requests generated from the app's own OpenAPI schema, valid and invalid,
against every operation, on SQLite and on PostgreSQL, judged by every schemathesis check (the
Python equivalent of ``--checks all``): no answer is a server error, and every answer is one
the schema documents (status, content type, body, headers), accepts what the schema admits
and refuses what it does not.

In-process (ASGI), with an admin token (and a customer's read token on the reads), over a
store that holds tickets, a contract, alerts and a quarantined row, so that the routes have
something to do. Bounded: a fixed number of examples per operation (``ACCORD_FUZZ_EXAMPLES``,
default 12), derandomized so that a failure here is reproducible and CI does not turn red by
chance; ``make fuzz`` runs many more, drawn afresh each time (``ACCORD_FUZZ_RANDOM=1``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from accord.core.alerts.evaluate import Alert
from accord.io.store import Scope, TokenRecord
from accord.service.auth import hash_token
from tests.service.conftest import CONFIG, T0, Api, created, make_api, reply
from tests.service.stores import STORES, api_over

EXAMPLES = int(os.environ.get("ACCORD_FUZZ_EXAMPLES", "12"))
# ``make fuzz`` draws new requests on each run (hypothesis prints how to replay a failure)
RANDOM = os.environ.get("ACCORD_FUZZ_RANDOM", "") not in ("", "0")

CONTRACTS = """\
contracts:
  acme:
    policies: [Gold]
    monthly_fee: "1000.00"
    currency: USD
    objectives:
      first_response: {metric: first_response, met_share: 95%, credit: {per_breach: "50.00"}}
"""

# What no schema can say, and so is the one exception to "a request the schema admits is
# accepted" (positive_data_acceptance): whether a snooze's instant lies ahead of the server's
# clock; whether uploaded YAML is a valid configuration (the loader's 422 names every
# problem with its file and line), as a configuration or as a what-if's candidate; whether a
# what-if's window ends after it starts (and is given one way, not two); and whether
# capacity inputs admit a figure together (an interval dividing a day, a goal within 10,000
# agents, a patience within Erlang A's reach, a metric some policy measures, a handle time
# the stored history holds); whether a trend's range ends after it starts and spans at most
# 366 periods up to as-of, and whether its KPI can be broken down by customer or team. Those
# answer 400 and 422 to requests the schema admits; every
# parameter's own form is in the schema and checked by the other checks.
# The callers: fixed tokens, stored in each store, so that schemathesis sends them itself
# (a header added by the test would undo its requests without a token).
ADMIN = "acc_00000000ad01_" + "a" * 43
ACME = "acc_00000000ac01_" + "b" * 43

_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
# A body over a documented limit (a batch of more than 5,000 events) is refused with 413, the
# status HTTP has for it; schemathesis' list of refusals lacks it.
_REFUSED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
# Each exception names one operation ("METHOD /path"): schemathesis ORs the filters of an entry,
# so an entry of a path and a method would loosen every operation of that method.
_CONFIG: dict[str, Any] = {
    "checks": {"negative_data_rejection": {"expected-statuses": _REFUSED}},
    "operations": [
        {
            "include-name": "POST /api/v1/alerts/{alert_id}/snooze",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "400"]}},
        },
        {
            "include-name": "PUT /api/v1/config",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "422"]}},
        },
        {
            "include-name": "POST /api/v1/review/whatif",
            "checks": {
                "positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "400", "422"]}
            },
        },
        {
            "include-name": "POST /api/v1/review/capacity",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "400"]}},
        },
        {
            "include-name": "GET /api/v1/trends",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "422"]}},
        },
        {
            "include-name": "GET /api/v1/review/capacity",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*_ACCEPTED, "400"]}},
        },
    ],
}


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_ctx: object, value: object) -> bytes:
    # the schema says "a string": send it as the stream's text, whatever it holds
    return str(value).encode("utf-8", "surrogatepass")


def _schema(token: str) -> Any:
    app = make_api(Path(tempfile.mkdtemp(prefix="accord-openapi-"))).app
    config = SchemathesisConfig.from_dict(
        {**_CONFIG, "headers": {"Authorization": f"Bearer {token}"}}
    )
    # each test sends to its own app (``call_and_validate(app=)``), over its own store
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


schema = _schema(ADMIN)
customer_schema = _schema(ACME)


_NULLS = (None, "null")  # a null as generated, and as the coverage phase renders it


def filter_case(_ctx: object, case: schemathesis.Case[Any]) -> bool:
    """Negative cases that are not invalid requests on the wire, left out:

    - an NDJSON body is text: a negative body (a number, an object) has no form on the wire
      but its text, which is a stream like any other;
    - a query parameter's JSON ``null`` has no form in a query string either: it is sent as
      the text ``null`` (the coverage phase puts that text in the case itself), which a text
      parameter may well admit (``by=null`` names a ticket field ``null`` to the breach
      drivers, and was answered 200 as it should be; found once in a full run)."""
    meta = case.meta
    body = meta.components.get(ParameterLocation.BODY) if meta is not None else None
    ndjson = case.media_type is not None and "ndjson" in case.media_type
    if ndjson and body is not None and body.mode.is_negative:
        return False
    query = meta.components.get(ParameterLocation.QUERY) if meta is not None else None
    if query is not None and query.mode.is_negative and case.query:
        return not any(
            v in _NULLS or (isinstance(v, list) and any(x in _NULLS for x in v))
            for v in case.query.values()
        )
    return True


schema.hook(filter_case)


def _populate(api: Api) -> None:
    for token, scope, customer in ((ADMIN, Scope.ADMIN, None), (ACME, Scope.READ, "acme")):
        token_id = token.split("_")[1]
        record = TokenRecord(token_id, hash_token(token), scope, customer, token_id, T0)
        api.store.add_token(record)
    api.runtime.configs.add(
        {**CONFIG, "contracts.yaml": CONTRACTS}, effective_from=0, uploaded_at=T0
    )
    api.send(
        created("e1", "T1", 0, status="new", priority="high", customer="acme", team="support"),
        reply("e2", "T1", 30),
        created("e3", "T2", 10, status="new", priority="low", customer="globex"),
        created("e4", "T3", 20, status="new", priority="high", customer="acme"),
    )
    api.post("/api/v1/events", content=b"not json", headers={"content-type": "application/json"})
    for n, ticket in enumerate(("T2", "T3", "T4"), start=1):
        api.store.claim_alert(_alert(ticket, customer="acme" if n != 1 else "globex"), now=T0)
    api.clock.now = T0 + 3 * 3600
    api.drain()


def _alert(ticket: str, *, customer: str) -> Alert:
    return Alert(
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
        summary=f"first_response on ticket {ticket} at risk",
        figures={"ticket": ticket},
        link=None,
        customer=customer,
    )


@pytest.fixture(scope="module", params=STORES)
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    with api_over(request.param, tmp_path_factory.mktemp("schemathesis")) as api:
        _populate(api)
        yield api


_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@_SETTINGS
def test_no_request_is_answered_outside_the_schema_as_admin(
    case: schemathesis.Case[Any], target: Api
) -> None:
    # no ``checks`` argument: every check schemathesis has, as ``--checks all``
    case.call_and_validate(app=target.app)


@customer_schema.parametrize()
@_SETTINGS
def test_no_request_is_answered_outside_the_schema_for_a_customer(
    case: schemathesis.Case[Any], target: Api
) -> None:
    case.call_and_validate(app=target.app)


def test_every_check_is_on() -> None:
    """The two tests above run every check schemathesis registers, not a chosen few."""
    load_all_checks()
    config = schema.config.checks_config_for()
    names = CHECKS.get_all_names()
    assert len(names) >= 14
    assert [n for n in names if not config.get_by_name(name=n).enabled] == []
