"""Progress of a long command on stderr, the same way in every command.

Each phase of a command (reading, computing, writing, generating, importing) is a
:meth:`Progress.phase`: on a terminal, a Rich bar with the count, the rate and the time left;
when stderr is not a terminal (a log, a pipe, CI), plain lines: one every few seconds while
the phase runs, and one when it ends with its count, time and rate; with ``--quiet``, nothing
(the results and errors are still printed).

The CLI is the edge where the clock is read; the library only reports counts
(``progress(done)`` callbacks).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Show no progress on stderr")]

PLAIN_EVERY = 5.0
"""Seconds between two plain progress lines of one phase."""


def _number(n: float, unit: str) -> str:
    if unit == "bytes":
        from rich.filesize import decimal

        return decimal(int(n))
    return f"{n:,.0f}"


def _count(n: float, unit: str) -> str:
    return _number(n, unit) if unit == "bytes" else f"{n:,.0f} {unit}"


def _of(done: float, total: float | None, unit: str) -> str:
    if not total:
        return _count(done, unit)
    return f"{_number(done, unit)} of {_count(total, unit)}"


def _rate(n: float, seconds: float, unit: str) -> str:
    per_s = n / seconds if seconds > 0 else 0.0
    return f"{_count(per_s, unit)}/s"


class Phase:
    """One phase: tell it the amount done (:meth:`update`) or done since (:meth:`advance`)."""

    def __init__(
        self,
        name: str,
        total: int | None,
        unit: str,
        on_update: Callable[[Phase], None],
        clock: Callable[[], float],
        on_finish: Callable[[Phase], None] = lambda p: None,
    ) -> None:
        self.name, self.total, self.unit = name, total, unit
        self.done = 0
        self.finished = False
        self._on_update = on_update
        self._on_finish = on_finish
        self._clock = clock
        self.started = clock()

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        self._on_update(self)

    def advance(self, n: int = 1) -> None:
        self.update(self.done + n)

    def finish(self) -> None:
        """End the phase now (before printing its results), not at the end of the block."""
        if not self.finished:
            self.finished = True
            self._on_finish(self)

    @property
    def elapsed(self) -> float:
        return self._clock() - self.started


class Progress:
    """The progress display of one command run (see the module's docstring)."""

    def __init__(
        self,
        quiet: bool = False,
        console: Console | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        every: float = PLAIN_EVERY,
    ) -> None:
        if console is None:
            from accord.cli.common import err

            console = err
        self.console = console
        self.mode = "off" if quiet else ("bar" if console.is_terminal else "plain")
        self._clock = clock
        self._every = every

    @contextmanager
    def phase(self, name: str, total: int | None = None, unit: str = "events") -> Iterator[Phase]:
        """A phase of the command, shown while the ``with`` block runs (``unit=""``: a phase
        with nothing to count, shown with its time only)."""
        if self.mode == "bar":
            with self._bar(name, total, unit) as phase:
                yield phase
            return
        last = [self._clock()]

        def plain(p: Phase) -> None:
            now = self._clock()
            if self.mode != "plain" or now - last[0] < self._every:
                return
            last[0] = now
            self._line(p, finished=False)

        def end(p: Phase) -> None:
            if self.mode == "plain":
                self._line(p, finished=True)

        phase = Phase(name, total, unit, plain, self._clock, end)
        yield phase
        phase.finish()

    def _line(self, p: Phase, *, finished: bool) -> None:
        elapsed = p.elapsed
        if not p.unit:  # a phase with nothing to count: its time only
            text = f"{p.name}: {elapsed:.1f} s" if finished else f"{p.name}: {elapsed:.0f} s so far"
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)
            return
        if finished:
            text = (
                f"{p.name}: {_count(p.done, p.unit)} in {elapsed:.1f} s "
                f"({_rate(p.done, elapsed, p.unit)})"
            )
        else:
            text = f"{p.name}: {_of(p.done, p.total, p.unit)}"
            if p.total:
                text += f" ({100 * min(p.done, p.total) / p.total:.0f} %)"
            text += f", {_rate(p.done, elapsed, p.unit)}"
            if p.total and 0 < p.done < p.total:
                left = elapsed * (p.total - p.done) / p.done
                text += f", about {left:.0f} s left"
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    @contextmanager
    def _bar(self, name: str, total: int | None, unit: str) -> Iterator[Phase]:
        from rich.progress import (
            BarColumn,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress
        from rich.text import Text

        class Counts(ProgressColumn):
            def render(self, task: Any) -> Text:
                return Text(_of(task.completed, task.total, unit) if unit else "")

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                if not unit:
                    return Text("")
                speed = task.finished_speed or task.speed
                return Text("" if speed is None else f"{_count(speed, unit)}/s")

        bar = RichProgress(
            TextColumn(f"{name}"),
            BarColumn(),
            Counts(),
            Rate(),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        task = bar.add_task(name, total=total)

        def show(p: Phase) -> None:
            bar.update(task, completed=p.done, total=p.total)

        def end(p: Phase) -> None:
            if p.total is None:  # a phase of unknown size ends full
                bar.update(task, total=max(p.done, 1), completed=max(p.done, 1))
            bar.stop()

        bar.start()
        phase = Phase(name, total, unit, show, self._clock, end)
        try:
            yield phase
        finally:
            phase.finish()
