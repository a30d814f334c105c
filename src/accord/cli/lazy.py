"""Sub-commands loaded when they are run, so that ``accord --help`` starts in a blink.

A command's module imports what it computes with (the numba kernels, polars, pyarrow,
SQLAlchemy, FastAPI, the configuration loader): seconds of imports that ``accord --help`` and
``accord version`` do not need. :class:`LazyGroup` knows each sub-command by the module and
attribute that define it and by the one-line summary the top-level help lists; the module is
imported only when the command itself (or its own ``--help``) is asked for. The summaries are
pinned to the commands' own docstrings by a test (tests/cli/test_lazy.py).
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand
from typer.models import CommandInfo

from accord.cli.help import Command, Group


@dataclass(frozen=True, slots=True)
class Entry:
    """Where a sub-command lives: ``module.attribute`` is a command function or a Typer app."""

    module: str
    attribute: str
    summary: str  # the first paragraph of its help, shown in the parent's command list


_frozen = False  # whether a command's imports were moved out of the collector's sight


def _import(module: str) -> Any:
    """Import a command's module without the cyclic garbage collector running meanwhile.

    Importing the engine's stack (numba, pyarrow, pandas via pyarrow, pydantic) makes
    hundreds of thousands of long-lived objects, and the collector, triggered by their
    count, scans them again and again: about a sixth of ``accord sla``'s start-up, for no
    garbage. The first time, the objects then present are frozen (``gc.freeze``): they
    live as long as the process, and later collections, during the computation, skip them.
    """
    global _frozen
    was_on = gc.isenabled()
    gc.disable()
    try:
        return importlib.import_module(module)
    finally:
        if was_on:
            if not _frozen:
                _frozen = True
                gc.freeze()
            gc.enable()


def load(name: str, entry: Entry) -> Any:
    """Import the command and build its Click object, named ``name``."""
    target = getattr(_import(entry.module), entry.attribute)
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = name
        return group
    info = CommandInfo(name=name, callback=target, cls=Command)
    return typer.main.get_command_from_info(
        info, pretty_exceptions_short=True, rich_markup_mode="rich"
    )


class _Commands(MutableMapping[str, Any]):
    """The group's commands: the eager ones as given, the lazy ones built on first access."""

    def __init__(self, eager: MutableMapping[str, Any], entries: Mapping[str, Entry]) -> None:
        self._eager = eager
        self._entries = dict(entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._eager

    def __getitem__(self, name: str) -> Any:
        if name not in self._eager:
            self._eager[name] = load(name, self._entries[name])
        return self._eager[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._eager[name] = command

    def __delitem__(self, name: str) -> None:
        self._eager.pop(name, None)
        self._entries.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._entries
        yield from (n for n in self._eager if n not in self._entries)

    def __len__(self) -> int:
        return len(set(self._entries) | set(self._eager))

    def summary(self, name: str) -> Any:
        """A stand-in that carries only the name and summary (for the command list)."""
        if name in self._eager or name not in self._entries:
            return self[name]
        return TyperCommand(name=name, help=self._entries[name].summary, callback=None)


class LazyGroup(Group):
    """A group whose sub-commands listed in ``entries`` are imported only when used."""

    entries: ClassVar[Mapping[str, Entry]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands, self.entries)
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # in registration order, as the README lists them

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        commands = self.commands
        if cmd_name not in commands:
            return None
        if self._listing and isinstance(commands, _Commands):
            return commands.summary(cmd_name)
        return commands[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # the command list needs the summaries only: no module is imported for it
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
