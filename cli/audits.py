"""`leadq audits`: the stored PageSpeed audits."""

from __future__ import annotations

from typing import Annotated

import typer

from leadq.db import session_scope
from leadq.pagespeed.models import Audit
from leadq.pagespeed.store import latest_audits
from leadq.settings import get_settings

from .console import out, print_json, print_table
from .pagespeed_view import audits_table

app = typer.Typer(help="Inspect stored website audits.", no_args_is_help=True)


@app.command("list")
def list_(
    worst: Annotated[bool, typer.Option("--worst", help="Lowest performance score first.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most N audits.")] = 50,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The latest audit of each URL and strategy, newest (or worst) first."""
    with session_scope(get_settings()) as session:
        audits = latest_audits(session=session, worst=worst, limit=limit)
    if json_:
        print_json(
            [
                {
                    "id": a.id,
                    "lead_id": a.lead_id,
                    "demo_of_lead_id": a.demo_of_lead_id,
                    "created_at": a.created_at.isoformat(),
                    **a.to_record().to_dict(),
                }
                for a in audits
            ]
        )
        return
    if not audits:
        out.print("no audits yet: run `leadq pagespeed URL` or `leadq pagespeed run --pending`")
        return
    print_table(audits_table([(_whose(a), a.to_record(), f"{a.created_at:%Y-%m-%d %H:%M}") for a in audits]))


def _whose(audit: Audit) -> str:
    if audit.demo_of_lead_id is not None:
        return f"demo of {audit.demo_of_lead_id}"
    return str(audit.lead_id or "")
