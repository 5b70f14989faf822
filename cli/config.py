"""`leadq config`: what leadq will use, secrets masked."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from leadq.config_view import effective_config
from leadq.settings import get_settings

from .console import print_json, print_table, safe_text

app = typer.Typer(help="Inspect leadq's configuration.", no_args_is_help=True)


@app.command("show")
def show(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Print every setting: its variable, the value in effect (secrets masked) and what it does."""
    config = effective_config(get_settings())
    if json_:
        print_json(config)
        return
    table = Table("setting", "value", "description", title="leadq configuration")
    for shown in config.values():
        value = shown["value"]
        value = "" if value is None else json.dumps(value) if isinstance(value, list) else value
        table.add_row(shown["env"], safe_text(value), Text(shown["description"] or "", style="dim"))
    print_table(table)
