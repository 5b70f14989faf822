"""`leadq suppress`: the addresses and domains leadq never emails."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leadq.db import session_scope
from leadq.mail.suppression import add_suppression, import_suppressions, list_suppressions, remove_suppression
from leadq.settings import get_settings

from .console import err, out, print_json, print_table, safe_text

app = typer.Typer(
    help="Manage the suppression list (addresses or @domains never emailed).", no_args_is_help=True
)


@app.command("add")
def add(entries: Annotated[list[str], typer.Argument(help="Addresses or @domains.")]) -> None:
    """Suppress addresses or whole @domains."""
    with session_scope(get_settings()) as session:
        for entry in entries:
            added = add_suppression(entry, session=session)
            out.print(
                f"{'suppressed' if added else 'already suppressed'}: {entry.strip().lower()}", highlight=False
            )


@app.command("remove")
def remove(entry: Annotated[str, typer.Argument(help="Address or @domain.")]) -> None:
    """Lift a suppression."""
    with session_scope(get_settings()) as session:
        removed = remove_suppression(entry, session=session)
    if not removed:
        err.print(f"not on the suppression list: {entry}", highlight=False)
        raise typer.Exit(1)
    out.print(f"removed: {entry.strip().lower()}", highlight=False)


@app.command("list")
def list_(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Every suppressed address and domain."""
    with session_scope(get_settings()) as session:
        rows = list_suppressions(session=session)
    if json_:
        print_json([{"email": r.email, "reason": r.reason, "created_at": r.created_at} for r in rows])
        return
    table = Table("address or domain", "reason", "since", title=f"suppression list ({len(rows)})")
    for row in rows:
        table.add_row(safe_text(row.email), safe_text(row.reason), str(row.created_at)[:19])
    print_table(table)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Text or CSV file: one address or @domain per line.")],
) -> None:
    """Suppress every address in a file (first column of a CSV; # starts a comment)."""
    with session_scope(get_settings()) as session:
        added, existing, rejected = import_suppressions(file, session=session)
    out.print(f"added {added}, already suppressed {existing}, rejected {len(rejected)}")
    for entry in rejected[:20]:
        err.print(f"rejected (not an address or @domain): {entry!r}", highlight=False)
