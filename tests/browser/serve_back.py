"""``accord serve`` for the browser tests, its clock set back by a number of seconds.

The browser tests read the demo's figures of the current week (the overview's KPI tiles, the
rows behind them). Early on a Monday the real week holds no stopped clock yet, so they would
read "–". The fixture instead generates the demo up to an instant in the middle of the week
(:func:`instant_to_serve`) and serves it with the clock set back to that instant; the clock
still runs. Run as ``python serve_back.py URL CONFIG_DIR PORT SECONDS``.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path


def seconds_back(now: datetime) -> int:
    """How far to set the clock back from ``now`` (UTC) so that the current ISO week holds at
    least two and a half days of the demo: none from Wednesday noon on, else back to the
    Sunday before (the end of a full week)."""
    start = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0)
    start = start.replace(microsecond=0)
    if now - start >= timedelta(days=2, hours=12):
        return 0
    return int((now - (start - timedelta(hours=4))).total_seconds())


def main() -> None:
    from accord.cli.serving import run_server
    from accord.service.app import create_app
    from accord.service.runtime import wall_clock
    from accord.service.settings import Settings

    url, config, port, back = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    settings = Settings.from_env(database_url=url, config_dir=config)
    app = create_app(settings, clock=lambda: wall_clock() - back)
    run_server(app, "127.0.0.1", port, "warning", lambda: None)


if __name__ == "__main__":
    main()
