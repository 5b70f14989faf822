"""`leadq campaign`: create, launch, pause, resume and watch outreach campaigns."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from leadq.campaign.models import Campaign
from leadq.campaign.service import (
    create_campaign,
    find_campaign,
    launch_campaign,
    list_campaigns,
    pause_campaign,
    resume_campaign,
    steps_of,
)
from leadq.campaign.stats import due_progress, step_status
from leadq.core.enqueue import send
from leadq.core.inline import run_until_idle
from leadq.db import session_scope
from leadq.errors import UserError
from leadq.ops.runtime import setup_broker
from leadq.settings import get_settings

from .console import err, out, print_json, print_table, safe_text
from .mail import announce_test_mode

app = typer.Typer(help="Outreach campaigns: an audience and a sequence of email steps.", no_args_is_help=True)

Ref = Annotated[str, typer.Argument(help="Campaign id or name.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Inline = Annotated[bool, typer.Option("--inline", help="Send in this process (embedded broker) until done.")]
Wait = Annotated[
    bool, typer.Option("--wait", help="Follow the due messages with a progress bar until settled.")
]


def _summary(campaign: Campaign) -> dict:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "state": campaign.state,
        "from": campaign.sender or None,
        "reply_to": campaign.reply_to,
        "audience": campaign.audience,
        "timezone": campaign.timezone,
        "window": [campaign.window_start, campaign.window_end],
        "daily_cap": campaign.daily_cap,
        "launch_at": campaign.launch_at,
        "created_at": campaign.created_at,
    }


def _follow(settings, campaign: Campaign) -> None:
    """Progress of the messages due now until each is sent, failed, skipped or unknown.

    Messages deferred by the sending window or a cap keep it waiting; Ctrl-C
    stops watching, not sending.
    """
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err) as progress:
        task = progress.add_task(f"{campaign.name}: due messages settled", total=None)
        while True:
            with session_scope(settings) as session:
                settled, due = due_progress(campaign.id, now=datetime.now(UTC), session=session)
            progress.update(task, total=due, completed=settled)
            if settled == due:
                return
            time.sleep(0.5)


def _hand_out(settings, inline: bool) -> None:
    """Ask the workers (or this process) to send whatever is due now."""
    broker_inline = inline or not settings.uses_redis
    setup_broker(settings, inline=broker_inline)
    from leadq.actors.campaign import process_due_campaign_steps

    job_id = send(process_due_campaign_steps)
    if broker_inline:
        out.print("sending in this process (messages outside the sending window wait for it to open)...")
        run_until_idle()
    else:
        out.print(f"due messages handed to the email workers (job {job_id})", highlight=False)


@app.command("create")
def create(file: Annotated[Path, typer.Argument(help="Campaign file (TOML).")]) -> None:
    """Validate a campaign file and its templates and store it as a draft."""
    now = datetime.now(UTC)
    with session_scope(get_settings()) as session:
        campaign = create_campaign(file, now=now, session=session)
        steps = len(steps_of(campaign.id, session=session))
    out.print(
        f"created campaign {campaign.id} {campaign.name!r} with {steps} step(s); "
        f"launch it with `leadq campaign launch {campaign.id}`",
        highlight=False,
    )


@app.command("list")
def list_(json_: Json = False) -> None:
    """Every campaign and its state."""
    with session_scope(get_settings()) as session:
        campaigns = list_campaigns(session=session)
    if json_:
        print_json([_summary(c) for c in campaigns])
        return
    table = Table("id", "name", "state", "launch at", title="campaigns")
    for c in campaigns:
        table.add_row(str(c.id), safe_text(c.name), c.state, str(c.launch_at or "")[:19])
    print_table(table)


@app.command("show")
def show(ref: Ref, json_: Json = False) -> None:
    """A campaign's settings, audience filter and steps."""
    with session_scope(get_settings()) as session:
        campaign = find_campaign(ref, session=session)
        steps = steps_of(campaign.id, session=session)
    data = _summary(campaign) | {
        "steps": [
            {
                "number": s.number,
                "template": s.template_name,
                "delay_days": s.delay_days,
                "subject": s.subject,
            }
            for s in steps
        ]
    }
    if json_:
        print_json(data)
        return
    for key, value in data.items():
        if key != "steps":
            out.print(f"[bold]{key}:[/] {safe_text(value)}", highlight=False)
    table = Table("step", "template", "delay (days)", "subject")
    for s in data["steps"]:
        table.add_row(
            str(s["number"]), safe_text(s["template"]), f"{s['delay_days']:g}", safe_text(s["subject"])
        )
    print_table(table)


def _parse_at(value: str) -> datetime:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(
            f"--at {value!r} is not a date-time like 2026-12-01T09:00 (UTC unless an offset is given)"
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


@app.command("launch")
def launch(
    ref: Ref,
    at: Annotated[
        str | None, typer.Option("--at", help="Start at this ISO date-time (UTC unless offset).")
    ] = None,
    inline: Inline = False,
    wait: Wait = False,
) -> None:
    """Queue the first step for the audience (needs LEADQ_POSTAL_ADDRESS and unsubscribe settings)."""
    settings = get_settings()
    announce_test_mode(settings)
    now = datetime.now(UTC)
    start = _parse_at(at) if at else now
    from leadq.campaign.first_send import first_send_at

    with session_scope(settings) as session:
        campaign = find_campaign(ref, session=session)
        audience = launch_campaign(campaign, settings=settings, at=start, now=now, session=session)
        first = first_send_at(campaign, settings=settings, start=start, session=session)
    out.print(
        f"launched {campaign.name!r}: {audience} lead(s) in the audience, first step from "
        f"{start:%Y-%m-%d %H:%M %Z}",
        highlight=False,
    )
    if audience and first > start:
        hours = (first - max(start, now)).total_seconds() / 3600
        out.print(
            f"the sending window ({campaign.window_start}:00-{campaign.window_end}:00 in each lead's "
            f"timezone) is closed then: the first message goes out at {first:%Y-%m-%d %H:%M} UTC "
            f"(in {hours:.1f} h)",
            highlight=False,
        )
    if start <= now and audience:
        _hand_out(settings, inline)
        if wait:
            _follow(settings, campaign)
    elif audience:
        out.print("the due-steps job (every minute under `leadq scheduler`) hands out the first step then")


@app.command("pause")
def pause(ref: Ref) -> None:
    """Stop sending: workers check before every message, so it takes effect within seconds."""
    with session_scope(get_settings()) as session:
        campaign = find_campaign(ref, session=session)
        pause_campaign(campaign, now=datetime.now(UTC), session=session)
    out.print(f"paused {campaign.name!r}", highlight=False)


@app.command("resume")
def resume(ref: Ref, inline: Inline = False, wait: Wait = False) -> None:
    """Continue a paused campaign where it stopped (nothing is sent twice)."""
    settings = get_settings()
    announce_test_mode(settings)
    with session_scope(settings) as session:
        campaign = find_campaign(ref, session=session)
        resume_campaign(campaign, now=datetime.now(UTC), session=session)
    out.print(f"resumed {campaign.name!r}", highlight=False)
    _hand_out(settings, inline)
    if wait:
        _follow(settings, campaign)


@app.command("status")
def status(ref: Ref, json_: Json = False) -> None:
    """Per step: audience, queued, sent, test (test-mode sends), failed, skipped, unsubscribed, unknown."""
    with session_scope(get_settings()) as session:
        campaign = find_campaign(ref, session=session)
        rows = step_status(campaign, session=session)
    if json_:
        print_json({"campaign": campaign.name, "state": campaign.state, "steps": rows})
        return
    columns = ("audience", "queued", "sent", "test", "failed", "skipped", "unsubscribed", "unknown")
    table = Table("step", "template", *columns, title=f"{safe_text(campaign.name)} ({campaign.state})")
    for row in rows:
        table.add_row(str(row["step"]), safe_text(row["template"]), *(str(row[c]) for c in columns))
    print_table(table)
