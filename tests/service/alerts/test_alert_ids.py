"""Alert ids in the paths of the alert endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.service.conftest import make_api


@pytest.mark.parametrize("path", ["", "/acknowledge", "/snooze"])
def test_an_alert_id_beyond_the_stores_integers_is_not_found(tmp_path: Path, path: str) -> None:
    api = make_api(tmp_path)
    try:
        url = f"/api/v1/alerts/{2**63}{path}"
        res = api.get(url) if not path else api.post(url, json={"for": 60.0})
        assert res.status_code == 404, res.text
        assert res.json()["error"]["code"] == "not_found"
    finally:
        api.store.close()
