"""`leadq inbox`: read replies, bounces and complaints, and look at what was read."""

from __future__ import annotations

import itertools
import json
import signal
import threading
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import select

from leadq.db import session_scope
from leadq.errors import UsageError, UserError
from leadq.inbox.imap import PollResult, poll_once
from leadq.inbox.models import INBOUND_KINDS, InboundMessage
from leadq.inbox.watch import InboxWatcher
from leadq.settings import get_settings

from .ai import cli_model_call
from .console import out, print_json, print_table, safe_text

app = typer.Typer(
    help="Replies, bounces and complaints read from the IMAP folder, and what leadq did about them.",
    no_args_is_help=True,
)

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _summary(result: PollResult) -> str:
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(result.kinds.items())) or "nothing new"
    return f"{result.mailbox} {result.folder}: {result.recorded} new message(s): {kinds}"


def _fields(result: PollResult) -> dict:
    return {
        "mailbox": result.mailbox,
        "folder": result.folder,
        "seen": result.seen,
        "recorded": result.recorded,
        "kinds": dict(result.kinds),
    }


@app.command("poll")
def poll(
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit.")] = False,
    json_: Json = False,
) -> None:
    """Read new messages from the IMAP folder and act on them: once, or as they arrive until
    Ctrl-C or SIGTERM (IMAP IDLE where the server has it, else every LEADQ_IMAP_POLL_INTERVAL
    seconds). Without --once, a line is printed for the first poll and each that found mail."""
    settings = get_settings()
    call = cli_model_call(settings)
    if once:
        result = poll_once(settings, model_call=call)
        if json_:
            print_json(_fields(result))
        else:
            out.print(safe_text(_summary(result)), highlight=False)
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    polls = itertools.count()

    def shown(result: PollResult, idle: bool) -> None:
        first = next(polls) == 0
        if first and not json_:
            how = "with IMAP IDLE" if idle else f"every {settings.imap_poll_interval:g} s"
            out.print(f"watching for new mail {how} (Ctrl-C stops)", highlight=False)
        if not (first or result.recorded):
            return
        if json_:  # one object per line, flushed: a stream another program reads as it comes
            typer.echo(json.dumps({**_fields(result), "mode": "idle" if idle else "interval"}))
        else:
            out.print(safe_text(_summary(result)), highlight=False)

    InboxWatcher(settings, stop, shown, model_call=call).run()


@app.command("list")
def list_messages(
    kind: Annotated[str | None, typer.Option("--kind", help=f"One of {', '.join(INBOUND_KINDS)}.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Most messages shown.")] = 100,
    json_: Json = False,
) -> None:
    """Messages read from the inbox, newest first."""
    if kind is not None and kind not in INBOUND_KINDS:
        raise UsageError(f"unknown kind {kind!r}; use one of {', '.join(INBOUND_KINDS)}")
    with session_scope(get_settings()) as session:
        query = select(InboundMessage).order_by(InboundMessage.id.desc()).limit(limit)
        if kind:
            query = query.where(InboundMessage.kind == kind)
        rows = list(session.exec(query))
    if json_:
        print_json([row.model_dump(mode="json", exclude={"body"}) for row in rows])
        return
    table = Table("id", "received", "kind", "detail", "from", "lead", "campaign", "subject", title="inbox")
    for row in rows:
        table.add_row(
            str(row.id),
            f"{row.received_at:%Y-%m-%d %H:%M}",
            row.kind,
            safe_text(row.detail or ""),
            safe_text(row.from_email or ""),
            str(row.lead_id or ""),
            str(row.campaign_id or ""),
            safe_text(row.subject or ""),
        )
    print_table(table)


@app.command("show")
def show(
    message_id: Annotated[int, typer.Argument(help="Inbox message id (see `leadq inbox list`).")],
    json_: Json = False,
) -> None:
    """One message: what it is, what it matched, what leadq did, and its text."""
    with session_scope(get_settings()) as session:
        row = session.get(InboundMessage, message_id)
    if row is None:
        raise UserError(f"no inbox message {message_id} (see `leadq inbox list`)")
    if json_:
        print_json(row.model_dump(mode="json"))
        return
    for label, value in (
        ("kind", f"{row.kind} {row.detail or ''}".strip()),
        ("classified by", row.classifier),
        ("from", row.from_email),
        ("subject", row.subject),
        ("about", row.recipient),
        ("reason", row.reason),
        ("lead", row.lead_id),
        ("campaign", row.campaign_id),
        ("message", row.outbound_id),
        ("action", row.action),
        ("received", f"{row.received_at:%Y-%m-%d %H:%M:%S}"),
    ):
        if value not in (None, ""):
            out.print(f"{label}: {safe_text(value)}", highlight=False)
    if row.body:
        out.print("")
        out.print(safe_text(row.body, lines=True), highlight=False)
