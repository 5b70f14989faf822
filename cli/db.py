"""`leadq db`: database migrations."""

from __future__ import annotations

import typer

from .console import out

app = typer.Typer(help="Manage leadq's database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply pending migrations (commands that need the database do this on their own)."""
    from leadq import db
    from leadq.redact import mask_url
    from leadq.settings import get_settings

    settings = get_settings()
    heads = db.upgrade(settings)
    out.print(f"database {mask_url(settings.effective_database_url)} at {', '.join(heads)}")
