"""Writing the KPI view's saved state never holds a frame where another thread reading the
same frame waits for it: the server's /metrics reads the view's frames (``height``) while the
periodic save writes them, and polars' own writer, writing to a Python file, held the frame's
lock while it waited for the interpreter lock that reader held (the server hung). A hang takes
the whole interpreter, so the race runs in a child process, which a hang leaves unfinished."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_RACE = """
import sys, threading
from pathlib import Path
import polars as pl
from accord.service.kpi_view_state import Saved, Watermark, read, write

n = 2_000_000
frame = pl.DataFrame({"ticket_id": [f"T-{i}" for i in range(n)], "v": range(n)})
saved = Saved(Watermark("store", 0, None, 1, 1, (), (), 0, 0), frame, frame, frame, None, None)
path = Path(sys.argv[1])
done = threading.Event()
writer = threading.Thread(target=lambda: (write(path, saved), done.set()))
writer.start()
while not done.is_set():  # what /metrics does, holding the interpreter lock
    assert frame.height == n
writer.join()
back = read(path)
assert back.records.equals(frame) and back.spans.equals(frame)
print("written and read back")
"""


def test_frames_being_written_stay_readable_from_another_thread(tmp_path: Path) -> None:
    # generous: the race takes about a second; a hang never ends
    done = subprocess.run(
        [sys.executable, "-c", _RACE, str(tmp_path / "view.arrow")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "written and read back"
