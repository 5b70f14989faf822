"""`leadq doctor`: check Redis, the database, Chromium and the other services leadq needs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from leadq.doctor import run_checks
from leadq.settings import get_settings

from .console import out, print_json

MARKS = {"ok": "[green]ok[/]", "warn": "[yellow]warn[/]", "fail": "[bold red]FAIL[/]", "skip": "[dim]skip[/]"}


def doctor(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Check everything leadq depends on. Exits 1 when a check fails."""
    checks = run_checks(get_settings())
    if json_:
        print_json([c.asdict() for c in checks])
    else:
        table = Table("check", "status", "detail", title="leadq doctor")
        for c in checks:
            table.add_row(c.name, MARKS[c.status], c.detail)
        out.print(table)
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(code=1)
