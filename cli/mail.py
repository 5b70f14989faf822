"""`leadq email`: preview outreach, send a test message, inspect and resolve outbound messages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leadq.campaign.models import Campaign, CampaignStep
from leadq.campaign.outreach import build_outreach
from leadq.campaign.service import find_campaign, steps_of
from leadq.contacts import valid_address
from leadq.db import session_scope
from leadq.errors import UsageError, UserError
from leadq.leads.models import Lead
from leadq.mail import ledger
from leadq.mail.models import MESSAGE_STATES, OutboundMessage
from leadq.mail.templates import load_template
from leadq.mail.testmode import make_transport, test_mode_note
from leadq.mail.testsend import build_test_message
from leadq.mail.variables import SAMPLE_LEAD
from leadq.settings import get_settings

from .console import err, out, print_json, print_table, safe_text

app = typer.Typer(help="Outreach email: preview, test, inspect and resolve messages.", no_args_is_help=True)


def announce_test_mode(settings) -> None:
    note = test_mode_note(settings)
    if note:
        err.print(f"[bold yellow]{note}[/]", highlight=False)


@app.command("preview")
def preview(
    template: Annotated[Path | None, typer.Option("--template", help="A template file (TOML).")] = None,
    campaign_ref: Annotated[str | None, typer.Option("--campaign", help="Campaign id or name.")] = None,
    step_number: Annotated[int, typer.Option("--step", help="Step of the campaign.")] = 1,
    lead_id: Annotated[int | None, typer.Option("--lead", help="Lead id (default: a sample lead).")] = None,
    html: Annotated[bool, typer.Option("--html", help="Show the HTML part instead of the text.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Render an outreach message exactly as a lead would get it (nothing is sent).

    A ``writer = "ai"`` step shows the AI engine's draft, asked through the answer cache (the
    send reuses it), or its template with a note saying why the draft would not be sent.
    """
    if (template is None) == (campaign_ref is None):
        raise UsageError("give exactly one of --template FILE or --campaign NAME")
    settings = get_settings()
    now = datetime.now(UTC)
    with session_scope(settings) as session:
        if template is not None:
            source = load_template(template)
            campaign = Campaign(id=0, name="preview", sender=settings.email_from or "")
            step = CampaignStep(
                id=0, campaign_id=0, number=1, subject=source.subject, text=source.text, html=source.html
            )
        else:
            campaign = find_campaign(campaign_ref, session=session)
            steps = {s.number: s for s in steps_of(campaign.id, session=session)}
            if step_number not in steps:
                raise UserError(f"campaign {campaign.name!r} has no step {step_number}")
            step = steps[step_number]
        lead = SAMPLE_LEAD if lead_id is None else session.get(Lead, lead_id)
        if lead is None:
            raise UserError(f"no lead with id {lead_id}")
        body = note = None
        if step.writer == "ai":
            from leadq.campaign.ai_preview import preview_body

            from .ai import cli_model_call

            body, note = preview_body(
                cli_model_call(settings), campaign=campaign, step=step, lead=lead, session=session
            )
        message = build_outreach(
            settings,
            campaign=campaign,
            step=step,
            lead=lead,
            to_email=lead.email or SAMPLE_LEAD.email,
            now=now,
            session=session,
            body=body,
        )
    writer = "template" if body is None else "ai"
    body = message.get_body(("html",) if html else ("plain",)).get_content()
    headers = {name: str(value) for name, value in message.items()}
    if json_:
        print_json({"headers": headers, "body": body, "writer": writer, "note": note})
        return
    if note:
        err.print(f"[yellow]the step's template, not an AI draft:[/] {safe_text(note)}", highlight=False)
    for name, value in headers.items():
        out.print(f"[bold]{name}:[/] {safe_text(value)}", highlight=False, soft_wrap=True)
    out.print()
    out.print(safe_text(body, lines=True), highlight=False, soft_wrap=True)


@app.command("test")
def test(to: Annotated[str, typer.Option("--to", help="Where to send the test message.")]) -> None:
    """Send one test message through the configured SMTP server."""
    settings = get_settings()
    if valid_address(to) is None:
        raise UserError(f"not an email address: {to!r}")
    announce_test_mode(settings)
    with session_scope(settings) as session:
        message = build_test_message(settings, to, now=datetime.now(UTC), session=session)
    transport = make_transport(settings)
    transport.send(
        message,
        sender=message["From"].addresses[0].addr_spec,
        recipients=[message["To"].addresses[0].addr_spec],
    )
    transport.close()
    out.print(f"sent test message {message['Message-ID']} to {message['To']}", highlight=False)


def _message_json(row: OutboundMessage) -> dict:
    return row.model_dump(mode="json")


@app.command("list")
def list_messages(
    state: Annotated[str | None, typer.Option("--state", help=f"One of {', '.join(MESSAGE_STATES)}.")] = None,
    campaign_ref: Annotated[str | None, typer.Option("--campaign", help="Campaign id or name.")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 100,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Outbound messages, newest first (e.g. `--state unknown` to find ones to resolve)."""
    if state is not None and state not in MESSAGE_STATES:
        raise UsageError(f"unknown state {state!r}; use one of {', '.join(MESSAGE_STATES)}")
    with session_scope(get_settings()) as session:
        campaign_id = find_campaign(campaign_ref, session=session).id if campaign_ref else None
        rows = ledger.list_messages(session=session, state=state, campaign_id=campaign_id, limit=limit)
    if json_:
        print_json([_message_json(row) for row in rows])
        return
    table = Table(
        "id", "campaign", "step", "lead", "to", "state", "sent at", "last error", title="outbound messages"
    )
    for row in rows:
        table.add_row(
            str(row.id),
            str(row.campaign_id),
            str(row.step_number),
            str(row.lead_id),
            safe_text(row.to_email),
            row.state,
            str(row.sent_at or ""),
            safe_text(row.last_error or ""),
        )
    print_table(table)


@app.command("resolve")
def resolve(
    message_id: Annotated[
        int, typer.Argument(help="Outbound message id (see `leadq email list --state unknown`).")
    ],
    sent: Annotated[bool, typer.Option("--sent", help="It did reach the lead: record it as sent.")] = False,
    resend: Annotated[bool, typer.Option("--resend", help="It did not: queue it to be sent again.")] = False,
) -> None:
    """Decide an `unknown` message (its worker died between SMTP acceptance and commit)."""
    if sent == resend:
        raise UsageError("give exactly one of --sent or --resend")
    with session_scope(get_settings()) as session:
        row = ledger.resolve_unknown(message_id, sent=sent, now=datetime.now(UTC), session=session)
    verdict = "recorded as sent" if sent else "queued again; it goes out with the next due-steps pass"
    out.print(f"message {row.id} {verdict}")
