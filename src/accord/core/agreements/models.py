"""The ``agreements:`` section: internal agreements (OLAs) between teams.

An agreement is a clock that runs while one team (or status, or group: any condition on the
ticket's fields) holds a ticket. A cycle opens at the event after which the ticket is held
(``while`` holds, ``categories`` too when given, and the ticket is not solved or closed) and
stops at the event after which it is not (a hand-off, or the ticket solved); every holding is
one cycle. Each agreement has its own calendar, pause statuses, targets per priority and
warnings, and may *underpin* a customer SLA metric. Its records are internal: their metric is
``ola:<name>`` (:data:`AGREEMENT_PREFIX`), a prefix no other metric may use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from accord.core.config.models import Duration, FieldTest, MetricTargets, Warnings
from accord.core.config.resolved import test_field
from accord.core.events import SOLVED_CATEGORIES, FieldValue, StatusCategory

__all__ = [
    "AGREEMENT_PREFIX",
    "NAME_RE",
    "Agreement",
    "AgreementSpec",
    "is_internal",
]

AGREEMENT_PREFIX = "ola:"
"""The metric of an agreement's records is this prefix and the agreement's name."""

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
"""An agreement's name: letters, digits, '_', '.', '-' (it becomes part of a metric name)."""


def is_internal(metric: str) -> bool:
    """Whether records of ``metric`` are internal (an agreement's): never for customers."""
    return metric.startswith(AGREEMENT_PREFIX)


def _targets(v: Any) -> Any:
    if v is None:
        return {}
    if isinstance(v, (str, int)) and not isinstance(v, bool):
        return {"default": v}
    return v


def _categories(v: Any) -> Any:
    return [v] if isinstance(v, str) else v


class AgreementSpec(BaseModel):
    """One agreement as written (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    description: str = ""
    while_: dict[str, FieldTest] = Field(alias="while")
    categories: Annotated[tuple[StatusCategory, ...] | None, BeforeValidator(_categories)] = None
    calendar: str
    targets: Annotated[dict[str, Duration | None], BeforeValidator(_targets)] = Field(
        default_factory=dict
    )
    pause: Annotated[tuple[StatusCategory, ...], BeforeValidator(_categories)] = ()
    warnings: Warnings = Warnings()
    underpins: str | None = None

    @field_validator("while_")
    @classmethod
    def _some(cls, v: dict[str, FieldTest]) -> dict[str, FieldTest]:
        if not v:
            raise ValueError(
                "'while' needs at least one test, e.g. {team: L2}: an agreement runs while "
                "a team (or status, or group) holds the ticket"
            )
        return v


@dataclass(frozen=True, slots=True)
class Agreement:
    """A checked agreement, as the engines use it."""

    name: str
    spec: AgreementSpec

    @property
    def metric(self) -> str:
        return AGREEMENT_PREFIX + self.name

    @property
    def calendar(self) -> str:
        return self.spec.calendar

    @property
    def underpins(self) -> str | None:
        return self.spec.underpins

    @property
    def fields(self) -> tuple[str, ...]:
        """The ticket fields its holding tests."""
        return tuple(self.spec.while_)

    def holds(self, fields: Mapping[str, FieldValue], status: StatusCategory) -> bool:
        """Whether a ticket with these fields and this status category is held."""
        if status in SOLVED_CATEGORIES:
            return False
        cats = self.spec.categories
        if cats is not None and status not in cats:
            return False
        return all(
            test_field(t, fields.get(name), is_tags=(name == "tags"))
            for name, t in self.spec.while_.items()
        )

    def metric_targets(self) -> MetricTargets:
        """Its targets in the form of a policy's metric (for the engines' judging)."""
        return MetricTargets(targets=dict(self.spec.targets))
