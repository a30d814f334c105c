"""bench/bench_kpi_view.py still runs against the service's KPI view: its stand-in store
answers every read the view's sync makes, and each of the view's answers equals the full
replay (the bench asserts it and fails otherwise). It had fallen behind the view once (the
sync's reads of failed tickets and of events and records in columns) unnoticed."""

from __future__ import annotations

import pytest

from bench import bench_kpi_view


def test_the_kpi_view_bench_runs_and_its_view_equals_the_full_replay(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench_kpi_view.main(["--tickets", "3000", "--changed", "50"])
    out = capsys.readouterr().out
    assert "view: 50 saved tickets -> values" in out
    assert "acme view" in out
