"""``accord --help`` and ``accord version`` start without the heavy libraries, and the command
list they show says what each command's own help says."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys

import typer
from typer.testing import CliRunner

from accord.cli.lazy import load
from accord.cli.main import AccordGroup, app

HEAVY = ("numba", "numpy", "polars", "pyarrow", "sqlalchemy", "fastapi", "pydantic", "yaml")
runner = CliRunner()


def _loaded_after(args: list[str]) -> list[str]:
    code = (
        "import sys\n"
        "from accord.cli.main import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names: list[str] = ast.literal_eval(res.stdout.strip().splitlines()[-1])
    return names


def test_help_and_version_import_no_heavy_library() -> None:
    assert _loaded_after(["--help"]) == []
    assert _loaded_after(["version"]) == []


def test_a_commands_own_help_is_built_from_its_module() -> None:
    res = runner.invoke(app, ["check", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "--format" in res.output


def _first_paragraph(text: str | None) -> str:
    return " ".join(inspect.cleandoc(text or "").partition("\f")[0].split("\n\n")[0].split())


def test_every_listed_summary_is_the_first_paragraph_of_the_commands_help() -> None:
    for name, entry in AccordGroup.entries.items():
        command = load(name, entry)
        assert _first_paragraph(entry.summary) == _first_paragraph(command.help), name


def test_the_top_level_help_lists_every_command_with_its_summary() -> None:
    res = runner.invoke(app, ["--help"], env={"COLUMNS": "300"})
    assert res.exit_code == 0
    for name, entry in AccordGroup.entries.items():
        assert f"{name} " in res.output
        assert _first_paragraph(entry.summary)[:40] in res.output, name
    assert "version" in res.output


def test_the_group_exposes_every_command_when_walked() -> None:
    group = typer.main.get_command(app)
    names = set(getattr(group, "commands", {}))
    assert names == {*AccordGroup.entries, "version"}


def test_loading_a_command_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    from accord.cli.lazy import Entry

    entry = Entry("accord.cli.check", "check", "")
    assert gc.isenabled()
    load("check", entry)
    assert gc.isenabled()
    gc.disable()
    try:
        load("check", entry)
        assert not gc.isenabled()
    finally:
        gc.enable()
