"""`leadq doctor`: check Redis, the database, Chromium and the other services leadq needs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .console import print_json, print_table

MARKS = {"ok": "[green]ok[/]", "warn": "[yellow]warn[/]", "fail": "[bold red]FAIL[/]", "skip": "[dim]skip[/]"}


def _environment_check():
    """Fails on LEADQ_* variables that name no setting: a typo silently leaves the default in force."""
    from leadq.ops.doctor import Check
    from leadq.settings import unknown_env_vars

    unknown = unknown_env_vars()
    if not unknown:
        return Check("settings", "ok", "every LEADQ_* variable is a known setting")
    named = ", ".join(f"{name} (did you mean {hint}?)" if hint else name for name, hint in unknown)
    return Check("settings", "fail", f"unknown variable(s), ignored: {named}")


def doctor(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Check everything leadq depends on. Exits 1 when a check fails."""
    from leadq.ops.doctor import run_checks
    from leadq.settings import get_settings

    checks = [_environment_check(), *run_checks(get_settings())]
    if json_:
        print_json([c.asdict() for c in checks])
    else:
        table = Table("check", "status", "detail", title="leadq doctor")
        for c in checks:
            table.add_row(c.name, MARKS[c.status], c.detail)
        print_table(table)
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(code=1)
