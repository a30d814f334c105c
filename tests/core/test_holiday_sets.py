"""Holidays importing only the countries asked for (accord.core.holiday_sets)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.core.holiday_sets import country_holidays

# countries with subdivisions, observed-day rules and non-Gregorian calendars
SOURCES = [
    ("US", None),
    ("US", "CA"),
    ("DE", "BY"),
    ("GB", "SCT"),
    ("JP", None),
    ("IL", None),
    ("SA", None),
    ("BR", "SP"),
]


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_only_the_asked_country_is_imported() -> None:
    out = _run(
        """
        import sys
        from accord.core.holiday_sets import country_holidays
        country_holidays("US", years=2026)
        print(sorted(k for k in sys.modules if k.startswith("holidays.countries.")))
        """
    )
    assert out == "['holidays.countries.united_states']"


def test_the_package_still_answers_every_name_once_asked() -> None:
    out = _run(
        """
        from accord.core.holiday_sets import country_holidays
        country_holidays("DE", subdiv="BE", years=2026)
        import sys
        import holidays.countries as c
        from holidays.countries import Albania
        loaded = sum(k.startswith("holidays.countries.") for k in sys.modules)
        print(Albania.__name__, c.Germany.__name__, loaded > 100)
        try:
            c.no_such_country
        except AttributeError as e:
            print("AttributeError", "no_such_country" in str(e))
        """
    )
    assert out.splitlines() == ["Albania Germany True", "AttributeError True"]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(SOURCES), st.integers(1990, 2060))
def test_same_dates_and_names_as_the_package(source: tuple[str, str | None], year: int) -> None:
    country, subdiv = source
    ours = country_holidays(country, subdiv=subdiv, years=year)
    theirs = holidays.country_holidays(country, subdiv=subdiv, years=year)
    assert dict(ours) == dict(theirs)


def test_an_unknown_country_is_refused_as_by_the_package() -> None:
    with pytest.raises(NotImplementedError):
        country_holidays("XX", years=2026)
