"""`leadq leads`: list, show and export the leads the scrapers stored."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from leadq.clock import utcnow
from leadq.db import session_scope
from leadq.errors import UsageError, UserError
from leadq.leads.models import Lead
from leadq.leads.store import LeadFilter, count_leads, iter_leads, lead_sources, list_leads
from leadq.settings import get_settings

from . import complete
from .console import out, print_json, print_table, safe_text

app = typer.Typer(help="Inspect and export leads.", no_args_is_help=True)

#: Nested values: the enrichment signals and the AI score's reasons (in --json and jsonl only).
NESTED_FIELDS = ("signals", "ai_reasons")
#: Every lead column but the nested ones.
EXPORT_FIELDS = tuple(name for name in Lead.model_fields if name not in NESTED_FIELDS)
DURATION_RE = re.compile(r"^(\d{1,6})([smhdw])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class SortChoice(StrEnum):
    newest = "newest"
    score = "score"


SourceOpt = Annotated[
    str | None, typer.Option(help="Only leads found by this source.", autocompletion=complete.sources)
]
SiteOpt = Annotated[str | None, typer.Option(help="Only leads from this site (e.g. sfbay).")]
EmailOpt = Annotated[bool, typer.Option("--has-email", help="Only leads with an email address.")]
SinceOpt = Annotated[str | None, typer.Option(help="Only leads created since: 2h, 7d or an ISO date.")]


def parse_since(value: str | None) -> datetime | None:
    """ "7d" / "2h" / ISO 8601 into an aware datetime; a clear error otherwise."""
    if not value:
        return None
    match = DURATION_RE.match(value.strip())
    if match:
        return utcnow() - timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"--since takes a duration like 2h or 7d, or an ISO date; got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=utcnow().tzinfo)


def lead_dict(lead: Lead) -> dict[str, Any]:
    data = lead.model_dump()
    return {key: data.get(key) for key in (*EXPORT_FIELDS, *NESTED_FIELDS)}


@app.command("list")
def list_(
    source: SourceOpt = None,
    site: SiteOpt = None,
    has_email: EmailOpt = False,
    since: SinceOpt = None,
    min_score: Annotated[
        int | None,
        typer.Option("--min-score", min=0, max=100, help="Only leads with an AI fit score of at least N."),
    ] = None,
    sort: Annotated[
        SortChoice, typer.Option(help="newest first, or best AI fit score first (unscored last).")
    ] = SortChoice.newest,
    limit: Annotated[int, typer.Option(min=1, help="Most leads to show.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The newest leads, filtered."""
    filters = LeadFilter(
        source=source, site=site, has_email=has_email, since=parse_since(since), min_score=min_score
    )
    with session_scope(get_settings()) as session:
        leads = list_leads(filters, session=session, limit=limit, sort=sort.value)
        total = count_leads(filters, session=session) if len(leads) == limit else len(leads)
    if as_json:
        print_json([lead_dict(lead) for lead in leads])
        return
    table = Table("id", "score", "name", "phone", "email", "website", "city", "source")
    for lead in leads:
        table.add_row(
            str(lead.id),
            "" if lead.ai_score is None else str(lead.ai_score),
            *(
                safe_text(value or "")
                for value in (lead.name, lead.phone, lead.email, lead.website_domain, lead.city, lead.source)
            ),
        )
    print_table(table, shown=len(leads), total=total)
    out.print(f"{len(leads)} lead(s)")


@app.command("show")
def show(
    lead_id: Annotated[int, typer.Argument(help="Lead id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """One lead with every source it was found in."""
    with session_scope(get_settings()) as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise UserError(f"no lead with id {lead_id}")
        refs = lead_sources(lead_id, session=session)
    data = lead_dict(lead)
    data["sources"] = [ref.model_dump(exclude={"data"}) | {"data": ref.data} for ref in refs]
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if key not in ("sources", "ai_reasons") and value not in (None, [], {}):
            out.print(f"[bold]{key}[/]: {safe_text(value)}", highlight=False)
    for reason in lead.ai_reasons or []:
        out.print(f"[bold]ai_reason[/]: {reason['points']:+d} {safe_text(reason['reason'])}", highlight=False)
    for ref in refs:
        seen = safe_text(f"{ref.source} {ref.external_id} {ref.url or ''}")
        out.print(f"[bold]source[/]: {seen} ({ref.scraped_at:%Y-%m-%d})", highlight=False)


@app.command("mark")
def mark(
    lead_id: Annotated[int, typer.Argument(help="Lead id.")],
    won: Annotated[bool, typer.Option("--won", help="The lead became a client.")] = False,
    lost: Annotated[bool, typer.Option("--lost", help="The lead said no, or went nowhere.")] = False,
    clear: Annotated[bool, typer.Option("--clear", help="Forget the outcome.")] = False,
) -> None:
    """Record what came of a lead: the labels `leadq ai train` learns from."""
    if won + lost + clear != 1:
        raise UsageError("give one of --won, --lost or --clear")
    with session_scope(get_settings()) as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise UserError(f"no lead with id {lead_id}")
        lead.outcome = "won" if won else "lost" if lost else None
        lead.outcome_at = None if clear else utcnow()
        session.add(lead)
    out.print(f"lead {lead_id}: {lead.outcome or 'no outcome'}", highlight=False)


@app.command("export")
def export(
    out_path: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    source: SourceOpt = None,
    site: SiteOpt = None,
    has_email: EmailOpt = False,
    since: SinceOpt = None,
) -> None:
    """Write matching leads to CSV or JSON Lines, streaming (fine for 100k leads)."""
    from leadq.leads.spreadsheet import csv_row

    if fmt not in ("csv", "jsonl"):
        raise UsageError(f"--format must be csv or jsonl, not {fmt!r}")
    filters = LeadFilter(source=source, site=site, has_email=has_email, since=parse_since(since))
    count = 0
    try:
        handle = out_path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise UserError(f"cannot write {out_path}: {exc.strerror}") from None
    with handle, session_scope(get_settings()) as session:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        for lead in iter_leads(filters, session=session):
            row = lead_dict(lead)
            if writer:
                for nested in NESTED_FIELDS:
                    row.pop(nested)
                row["emails"] = " ".join(row["emails"] or [])
                writer.writerow(csv_row(row))
            else:
                handle.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")
            count += 1
    out.print(f"wrote {count} lead(s) to {safe_text(out_path)}", highlight=False)
