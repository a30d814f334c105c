"""Settings: defaults, then ACCORD_* variables, then explicit values."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.errors import InputError
from accord.service.settings import Settings


def test_variables_override_defaults_and_explicit_values_override_variables() -> None:
    env = {
        "ACCORD_DATABASE_URL": "sqlite:///x.db",
        "ACCORD_MAX_BATCH_ITEMS": "10",
        "ACCORD_BACKGROUND": "false",
        "ACCORD_RECOMPUTE_INTERVAL": "0.5",
        "ACCORD_CONFIG_DIR": "/etc/accord",
    }
    s = Settings.from_env(env, max_batch_items=20, jira_secret=None)
    assert s.database_url == "sqlite:///x.db"
    assert s.max_batch_items == 20
    assert s.background is False
    assert s.recompute_interval == 0.5
    assert s.config_dir == Path("/etc/accord")
    assert s.jira_secret is None
    assert Settings.from_env({}) == Settings()


def test_a_variable_that_is_not_a_value_of_its_kind_is_an_input_error() -> None:
    with pytest.raises(InputError, match="ACCORD_MAX_BODY_BYTES"):
        Settings.from_env({"ACCORD_MAX_BODY_BYTES": "lots"})


def test_the_kpi_view_state_settings_read_from_variables() -> None:
    s = Settings.from_env(
        {
            "ACCORD_KPI_VIEW_DIR": "/var/lib/accord",
            "ACCORD_KPI_VIEW_SAVE_EVERY": "120",
            "ACCORD_KPI_VIEW_SAVED": "off",
        }
    )
    assert s.kpi_view_dir == Path("/var/lib/accord")
    assert s.kpi_view_save_every == 120.0
    assert s.kpi_view_saved is False
    with pytest.raises(InputError, match="kpi_view_save_every"):
        Settings.from_env({"ACCORD_KPI_VIEW_SAVE_EVERY": "-1"})
