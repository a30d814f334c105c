"""The simple case's settings, written out as a SQL or pandas author would hard-code them
(tests/bench checks them against ``bench/simple_config``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

CATEGORIES = ("new", "open", "pending", "on_hold", "solved", "closed")
DONE = ("solved", "closed")


@dataclass(frozen=True)
class SimpleCase:
    tz: str = "America/New_York"
    # weekly windows: ISO weekday (1 = Monday) → [(open, close)] in local seconds after midnight
    hours: dict[int, list[tuple[int, int]]] = field(
        default_factory=lambda: {d: [(9 * 3600, 17 * 3600)] for d in range(1, 6)}
    )
    holiday_country: str = "US"
    # status names (lower case) → categories; the category names map to themselves
    statuses: dict[str, str] = field(
        default_factory=lambda: {"awaiting customer": "pending", "waiting on vendor": "on_hold"}
    )
    pause: tuple[str, ...] = ("pending", "on_hold")
    targets: dict[str, int] = field(
        default_factory=lambda: {"first_response": 4 * 3600, "resolution": 24 * 3600}
    )

    def status_map(self) -> dict[str, str]:
        return {**{c: c for c in CATEGORIES}, **self.statuses}

    def holidays(self, first: date, last: date) -> list[date]:
        """The holiday dates from ``first`` to ``last`` (what a dbt project keeps as a seed
        table), from the ``holidays`` package as Accord's calendars take them."""
        import holidays

        got: set[date] = set()
        for year in range(first.year - 1, last.year + 2):
            got.update(holidays.country_holidays(self.holiday_country, years=year).keys())
        return sorted(d for d in got if first <= d <= last)

    def days(self, first_ts: int, last_ts: int) -> tuple[date, date]:
        """Local dates wide enough to hold every instant from ``first_ts`` to ``last_ts``."""
        base = date(1970, 1, 1)
        return base + timedelta(days=first_ts // 86400 - 1), base + timedelta(
            days=last_ts // 86400 + 1
        )


SIMPLE = SimpleCase()
