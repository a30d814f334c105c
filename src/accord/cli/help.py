"""Help pages that read like the README: ``--once``, ``--as-of TS``, never ``<bool>``.

Typer shows each option's Python type as a placeholder (``--once <bool>``, ``--as-of <str>``).
Every value option and argument of Accord names its value with a metavar (``TS``, ``FILE``,
``N``, ``EVENTS``); the classes here leave flags, and ``--help`` itself, without any, and show
arguments by their metavar alone. ``App`` is the Typer app whose groups and commands use
them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


def _plain_flags(params: Iterable[Any]) -> None:
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""  # a flag takes no value: nothing to name
        elif param.param_type_name == "argument" and hasattr(param, "display_type_rich"):
            # an argument is shown by its metavar (EVENTS); its Python type says nothing more
            param.display_type_rich = _no_type


def _no_type(ctx: Any) -> None:
    return None


def _plain_help(option: Any) -> None:
    """``--help`` is a bool flag: no Pydantic coercion for it.

    Typer coerces every parameter through a Pydantic adapter built on first use, and the help
    flag is processed on every run: that alone would import Pydantic (a third of a second)
    into ``accord version``. A flag's value is already a bool (or unset), so it passes as is.
    Private Typer API: on a Typer without it, the option is left as Typer made it."""
    try:
        from typer._coercion import PassThroughRuntimeParam

        info = option.type_descriptor.parameter_info
        option._runtime_param = PassThroughRuntimeParam(annotation=bool, parameter_info=info)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - other Typer versions
        pass


class Command(TyperCommand):
    """A command whose flags and ``--help`` show no placeholder."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_flags(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            _plain_flags([option])
            _plain_help(option)
        return option


class Group(TyperGroup):
    """A group whose flags and ``--help`` show no placeholder."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain_flags(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            _plain_flags([option])
            _plain_help(option)
        return option


class App(typer.Typer):
    """``typer.Typer`` whose groups are :class:`Group` and commands :class:`Command`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", Group)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)
