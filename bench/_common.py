"""Helpers shared by the benchmarks in ``bench/``: machine facts, fair timing, tables and the
performance doc.

Benchmarks run on a shared machine, so every figure is the best of several runs, and the cases
being compared are interleaved round by round: a burst of load from elsewhere then slows all of
them alike instead of skewing one ratio.
"""

from __future__ import annotations

import gc
import os
import platform
import re
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

__all__ = [
    "Case",
    "Timing",
    "fmt_count",
    "fmt_rate",
    "fmt_ratio",
    "fmt_seconds",
    "machine_info",
    "markdown_table",
    "replace_section",
    "text_table",
    "time_interleaved",
    "wrap",
]


# ---------------------------------------------------------------------- the machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _ram_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def _cores() -> int:
    # The cores this process may run on (what `nproc` prints), not all the host has.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine_info(packages: Iterable[str] = ("numpy",)) -> dict[str, str]:
    """The facts that make a timing comparable: cores, CPU, RAM, Python and package versions."""
    ram = _ram_gib()
    info = {
        "nproc": str(_cores()),
        "CPU": _cpu_model(),
        "RAM": f"{ram:.1f} GiB" if ram is not None else "unknown",
        "Python": f"{platform.python_version()} ({sys.implementation.name})",
        "OS": f"{platform.system()} {platform.release()}",
    }
    for name in packages:
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = "not installed"
    return info


# ---------------------------------------------------------------------- timing


@dataclass(frozen=True, slots=True)
class Case:
    """One thing to time: ``run`` is called with no arguments; ``repeat`` runs are taken."""

    run: Callable[[], object]
    repeat: int = 5


@dataclass(slots=True)
class Timing:
    """The wall-clock times of the runs of one case, in seconds."""

    runs: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        ordered = sorted(self.runs)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def time_interleaved(cases: Mapping[str, Case]) -> dict[str, Timing]:
    """Time every case, interleaved: each round runs each case at most once.

    A case with fewer repeats than the longest is spread evenly over the rounds (not bunched at
    the start), so slow alternatives timed a few times still see the same background load as the
    fast cases timed many times. The order within a round rotates for the same reason.
    """
    names = list(cases)
    rounds = max((c.repeat for c in cases.values()), default=0)
    out = {name: Timing() for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            rep = cases[name].repeat
            # Run in round r when the even spread of `rep` runs over `rounds` rounds says so.
            if (r + 1) * rep // rounds == r * rep // rounds:
                continue
            gc.collect()
            t0 = time.perf_counter()
            cases[name].run()
            out[name].runs.append(time.perf_counter() - t0)
    return out


# ---------------------------------------------------------------------- formatting


def fmt_seconds(s: float) -> str:
    """A duration with a unit people read at a glance (``"12.3 ms"``, ``"4.1 min"``)."""
    if s >= 120:
        return f"{s / 60:.1f} min"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    if s >= 1e-6:
        return f"{s * 1e6:.1f} µs"
    return f"{s * 1e9:.0f} ns"


def fmt_rate(per_second: float) -> str:
    """A rate with an SI prefix (``"9.8 M/s"``)."""
    for scale, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if per_second >= scale:
            return f"{per_second / scale:.3g} {unit}/s"
    return f"{per_second:.3g} /s"


def fmt_count(n: int) -> str:
    return f"{n:,}"


def fmt_ratio(r: float) -> str:
    """A ratio with as many digits as help (``"0.13×"``, ``"12.5×"``, ``"2,720×"``)."""
    if r >= 100:
        return f"{r:,.0f}×"
    if r >= 10:
        return f"{r:.1f}×"
    return f"{r:.2f}×"


def wrap(text: str, width: int = 100, bullet: str = "") -> str:
    """One paragraph (or a bullet item) wrapped for a Markdown source file."""
    return textwrap.fill(
        text,
        width=width,
        initial_indent=bullet,
        subsequent_indent=" " * len(bullet),
        break_long_words=False,
        break_on_hyphens=False,
    )


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """A plain-text table for the terminal; the first ``left`` columns are left-aligned (labels),
    the rest right-aligned (figures)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """A GitHub-flavoured Markdown table; the first ``left`` columns are left-aligned, the rest
    right-aligned."""
    align = ["---" if i < left else "---:" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------- the performance doc


def replace_section(path: Path, heading: str, body: str) -> None:
    """Replace the body of the ``## `` section whose title starts with ``heading`` in ``path``.

    Only that section changes (up to the next ``## `` heading or the end), so benchmarks that
    own different sections of one document can each rewrite their own.
    """
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"^## {re.escape(heading)}[^\n]*\n(.*?)(?=^## |\Z)", re.M | re.S)
    m = pattern.search(text)
    if m is None:
        raise ValueError(f"{path}: no section '## {heading}'")
    new = text[: m.start(1)] + "\n" + body.strip("\n") + "\n\n" + text[m.end(1) :]
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")
