"""`leadq config`: what leadq will use, secrets masked."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from leadq.config_view import effective_config
from leadq.settings import get_settings

from .console import out, print_json

app = typer.Typer(help="Inspect leadq's configuration.", no_args_is_help=True)


@app.command("show")
def show(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Print the effective configuration (env vars, .env, defaults) with secrets masked."""
    config = effective_config(get_settings())
    if json_:
        print_json(config)
        return
    table = Table("setting", "value", title="leadq configuration")
    for key, value in config.items():
        table.add_row(f"LEADQ_{key.upper()}", "" if value is None else str(value))
    out.print(table)
