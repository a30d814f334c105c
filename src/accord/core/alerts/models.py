"""Schemas of the ``alerts:`` (rules) and ``channels:`` (where alerts go) sections.

Every check that needs only the rule itself lives here, so that the loader reports it at the
rule's own line; the checks that need other sections (channels, calendars, KPIs, contracts)
live in :mod:`accord.core.alerts.check`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from accord.core.timeutil import parse_duration

RuleKind = Literal[
    "sla_warning", "sla_breach", "kpi_band", "budget_burn", "forecast_below", "no_data"
]
RULE_KINDS: tuple[str, ...] = (
    "sla_warning", "sla_breach", "kpi_band", "budget_burn", "forecast_below", "no_data"
)  # fmt: skip
CHANNEL_TYPES: tuple[str, ...] = ("webhook", "chat", "email")
BANDS: tuple[str, ...] = ("green", "amber", "red")

_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")


def _duration(v: Any) -> int:
    return parse_duration(v)


def _share(v: Any) -> Any:
    # "75%" reads as 0.75, as everywhere else in the configuration where shares are written
    if isinstance(v, str) and v.strip().endswith("%"):
        try:
            return float(v.strip()[:-1]) / 100
        except ValueError:
            raise ValueError(f"'{v}' is not a percentage such as '75%'") from None
    return v


def _names(v: Any) -> Any:
    # one name or a list of names: scope filters and routes are usually a single name
    return (v,) if isinstance(v, str) else v


Duration = Annotated[int, BeforeValidator(_duration)]
Share = Annotated[float, BeforeValidator(_share)]
Names = Annotated[tuple[str, ...], BeforeValidator(_names)]


class Scope(BaseModel):
    """Which records a rule looks at; an empty filter lets everything through."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customer: Names = ()
    team: Names = ()
    priority: Names = ()
    policy: Names = ()

    def admits(self, **fields: str | None) -> bool:
        for key, value in fields.items():
            allowed: tuple[str, ...] = getattr(self, key)
            if allowed and value not in allowed:
                return False
        return True


# the keys each kind of rule may carry besides the common ones
_KIND_KEYS: dict[str, tuple[str, ...]] = {
    "sla_warning": ("metrics", "share", "remaining"),
    "sla_breach": ("metrics",),
    "kpi_band": ("kpi", "bands"),
    "budget_burn": ("contract", "objective", "share"),
    "forecast_below": ("contract", "objective"),
    "no_data": ("source", "after", "calendar"),
}
_COMMON = ("kind", "channels", "scope", "quiet_hours", "link")


class AlertRule(BaseModel):
    """One alert rule: what to watch (``kind`` and its keys), for whom (``scope``), where to
    send it (``channels``) and when not to (``quiet_hours``: a calendar whose closed hours hold
    delivery until it opens)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: RuleKind
    channels: Names = Field(min_length=1)
    scope: Scope = Scope()
    quiet_hours: str | None = None
    link: str | None = None  # a URL template: {ticket_id}, {customer}
    metrics: Names = ()
    share: Share | None = None
    remaining: Duration | None = None
    kpi: str | None = None
    bands: Names = ()  # the bands that alert when entered; empty: every change
    contract: str | None = None
    objective: str | None = None
    source: str | None = None
    after: Duration | None = None
    calendar: str | None = None

    @field_validator("share")
    @classmethod
    def _share_range(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v <= 1:
            raise ValueError(f"a share must be above 0% and at most 100%, got {v:g}")
        return v

    @field_validator("remaining", "after")
    @classmethod
    def _positive(cls, v: int | None) -> int | None:
        if v is not None and v <= 0:
            raise ValueError("the duration must be longer than 0s")
        return v

    @field_validator("bands")
    @classmethod
    def _bands(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for b in v:
            if b not in BANDS:
                raise ValueError(f"'{b}' is not a band; the bands are {', '.join(BANDS)}")
        return v

    @model_validator(mode="after")
    def _kind_keys(self) -> AlertRule:
        allowed = _KIND_KEYS[self.kind]
        given = [k for k in self.model_fields_set if k not in _COMMON and k not in allowed]
        if given:
            raise ValueError(
                f"a '{self.kind}' rule does not take {', '.join(sorted(given))}; "
                f"it takes {', '.join(allowed)}"
            )
        k = self.kind
        if k == "sla_warning" and (self.share is None) == (self.remaining is None):
            raise ValueError("an 'sla_warning' rule needs exactly one of 'share' or 'remaining'")
        if k == "sla_warning" and self.share is not None and self.share >= 1:
            raise ValueError("a warning share must be below 100% (use 'sla_breach' for 100%)")
        if k == "kpi_band" and self.kpi is None:
            raise ValueError("a 'kpi_band' rule needs 'kpi'")
        if k in ("budget_burn", "forecast_below") and self.contract is None:
            raise ValueError(f"a '{k}' rule needs 'contract'")
        if k == "budget_burn" and self.share is None:
            raise ValueError("a 'budget_burn' rule needs 'share' (of the allowed breaches used)")
        if k == "no_data" and (self.source is None or self.after is None or self.calendar is None):
            raise ValueError("a 'no_data' rule needs 'source', 'after' and 'calendar'")
        return self


def _env_name(v: str | None) -> str | None:
    if v is not None and not _ENV_RE.match(v):
        raise ValueError(f"'{v}' is not an environment variable name such as ACCORD_SECRET")
    return v


def _url(v: str) -> str:
    if not re.match(r"^https?://[^\s/]+", v):
        raise ValueError(f"'{v}' is not an http(s) URL")
    return v


class WebhookChannel(BaseModel):
    """A generic webhook: a JSON body signed with HMAC-SHA256 of a secret read from the
    environment (never written in the configuration)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["webhook"]
    url: str
    secret_env: str | None = None

    _check_url = field_validator("url")(_url)
    _check_env = field_validator("secret_env")(_env_name)


class ChatChannel(BaseModel):
    """A chat incoming webhook in the Slack format (Mattermost and Rocket.Chat take it too)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["chat"]
    url: str

    _check_url = field_validator("url")(_url)


class EmailChannel(BaseModel):
    """E-mail through SMTP; the login is read from two environment variables."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["email"]
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username_env: str | None = None
    password_env: str | None = None
    from_: str = Field(alias="from")
    to: Names = Field(min_length=1)

    _check_env = field_validator("username_env", "password_env")(_env_name)

    @field_validator("from_")
    @classmethod
    def _from(cls, v: str) -> str:
        if not _EMAIL_RE.match(v):
            raise ValueError(f"'{v}' is not an e-mail address")
        return v

    @field_validator("to")
    @classmethod
    def _to(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for a in v:
            if not _EMAIL_RE.match(a):
                raise ValueError(f"'{a}' is not an e-mail address")
        return v

    @model_validator(mode="after")
    def _login(self) -> EmailChannel:
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("give both 'username_env' and 'password_env', or neither")
        return self


Channel = WebhookChannel | ChatChannel | EmailChannel
CHANNEL_MODELS: dict[str, type[WebhookChannel] | type[ChatChannel] | type[EmailChannel]] = {
    "webhook": WebhookChannel,
    "chat": ChatChannel,
    "email": EmailChannel,
}
