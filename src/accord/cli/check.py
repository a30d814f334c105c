"""``accord check CONFIG_DIR``: every problem at once, with file:line and a hint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.common import err, handle_errors, must_exist, out
from accord.core.config.loader import check_config
from accord.errors import ConfigError


@handle_errors
def check(
    config_dir: Annotated[
        Path,
        typer.Argument(metavar="CONFIG_DIR", help="Configuration directory (or one YAML file)."),
    ],
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT", help="text or json")] = "text",
) -> None:
    """Validate a configuration: print every problem with file:line and a hint.

    Exits 0 when there is no error (warnings allowed), 3 otherwise (5 when the path does not
    exist).
    """
    must_exist(config_dir, "the configuration")
    config, issues = check_config(config_dir)
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity != "error"]
    if fmt == "json":
        out.print_json(json.dumps({"ok": not errors, "issues": [i.to_dict() for i in issues]}))
    else:
        for issue in issues:
            colour = "red" if issue.severity == "error" else "yellow"
            out.print(f"[{colour}]{issue.render()}[/{colour}]", highlight=False)
        if errors:
            err.print(
                f"[red]{len(errors)} error(s)[/red], {len(warnings)} warning(s) in {config_dir}"
            )
        else:
            n = len(config.policies) if config is not None else 0
            out.print(
                f"[green]OK[/green]: {config_dir}: {n} polic{'y' if n == 1 else 'ies'}, "
                f"{len(config.calendars) if config else 0} calendar(s), {len(warnings)} warning(s)"
            )
    if errors:
        raise typer.Exit(ConfigError.exit_code)
