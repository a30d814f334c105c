"""The KPI view keeps its open tickets' timelines laid out between reads
(:mod:`accord.core.engine.batch.prepared`): reads at later instants, after syncs that
change open tickets, after many small changes (pieces merged) and with an event after the
read's instant (the engine over the events then) give the values of a full replay."""

from __future__ import annotations

import pytest

from accord.service import kpi_view_parts
from tests.service.conftest import reply
from tests.service.stores import STORES
from tests.service.test_kpi_view import Script, _log, fresh_api


@pytest.mark.parametrize("kind", STORES)
def test_reads_at_later_instants_and_after_changes_equal_a_full_replay(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kpi_view_parts, "_PIECES", 2)  # merged after a few syncs
    with fresh_api(kind) as api:
        play = _log(api)
        for k in range(3):
            play.play(("create", f"N{k}", "acme", "high"))
        api.drain()
        play.play(("check",))  # the first read lays the open tickets out
        part = api.runtime.kpi_view._part
        assert part is not None and part.prepared is not None
        laid = part.prepared
        assert api.runtime.kpi_view.memory_bytes() > laid.nbytes > 0  # counted in the view's size
        play.play(("tick", 7))
        play.play(("check",))  # the clocks moved: the same layout, run later
        assert part.prepared is laid
        pieces = []
        for k, step in enumerate(
            [("reply", "N0"), ("solve", "N1"), ("reply", "K2"), ("reopen", "K0"),
             ("create", "N9", "globex", "low"), ("reply", "N9")]
        ):  # fmt: skip
            play.play(("tick", 3 + k))
            play.play(step)
            play.play(("check",))  # synced: the changed tickets laid out again
            prepared = api.runtime.kpi_view._part.prepared  # type: ignore[union-attr]
            assert prepared is not None
            pieces.append(len(prepared.pieces))
        assert max(pieces) <= 1 + 2 + 1  # the first piece, at most _PIECES small ones, one more
        api.drain()
        play.play(("tick", 90))
        play.play(("check",))


@pytest.mark.parametrize("kind", STORES)
def test_an_open_event_after_the_read_is_computed_without_the_layout(kind: str) -> None:
    with fresh_api(kind) as api:
        play = Script(api)
        play.play(("create", "K0", "acme", "high"))
        play.play(("tick", 30))
        play.play(("check",))
        api.send(reply("future", "K0", 45))  # 15 minutes after the clock
        play.play(("check",))
        prepared = api.runtime.kpi_view._part.prepared  # type: ignore[union-attr]
        assert prepared is not None and prepared.since > api.clock.now
        play.play(("tick", 20))  # now after it: the layout serves again
        play.play(("check",))
