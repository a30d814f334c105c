"""Every command's help reads like the README: ``--once``, ``--as-of TS``; never a type
placeholder (``<bool>``, ``<str>``, ``TEXT``, ``INTEGER``) that means nothing to a user."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import typer
from typer.testing import CliRunner

from accord.cli.main import app

runner = CliRunner()
# what Typer and Click print when a parameter's value is not named
PLACEHOLDER = re.compile(
    r"<(?:bool|str|int|float|path|file|dir|datetime|uuid|list\[[^\]]*\]|[a-z]+ range)>"
    r"|\b(?:TEXT|INTEGER|FLOAT|BOOLEAN|PATH|FILENAME|DIRECTORY|UUID|DATETIME)\b"
)
METAVAR = re.compile(r"[A-Z][A-Z_]*(?:\|[A-Z][A-Z_]*)*")  # TS, FILE, FILE|NAME, CONFIG_DIR


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    # duck-typed: recent Typer versions carry their own copy of Click's classes
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_every_command_is_walked() -> None:
    names = {" ".join(p) for p, _ in _commands(typer.main.get_command(app))}
    for expected in ("sla", "import", "kpi", "statement", "check", "serve", "version",
                     "demo run", "token create", "alerts run", "alerts log"):  # fmt: skip
        assert expected in names


def test_every_option_of_every_command_reads_like_once_or_as_of_ts() -> None:
    seen = 0
    for path, command in _commands(typer.main.get_command(app)):
        for param in command.params:
            seen += 1
            where = (" ".join(path), param.name)
            if param.param_type_name == "option" and param.is_flag:
                assert param.metavar == "", where  # a flag names no value
            else:
                assert param.metavar is not None and METAVAR.fullmatch(param.metavar), where
    assert seen > 60


def test_no_help_page_shows_a_type_placeholder() -> None:
    for path, _ in _commands(typer.main.get_command(app)):
        res = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert res.exit_code == 0, (path, res.output)
        found = PLACEHOLDER.findall(res.output)
        assert not found, (" ".join(path), found, res.output)
        assert "--help" in res.output
    once = runner.invoke(app, ["alerts", "run", "--help"], env={"COLUMNS": "200"}).output
    assert re.search(r"--once\s+One round", once)  # the flag alone, then its help
    sla = runner.invoke(app, ["sla", "--help"], env={"COLUMNS": "200"}).output
    assert re.search(r"--as-of\s+TS\s+Judge the clocks", sla)
