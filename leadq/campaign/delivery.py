"""Exactly-once delivery of one outreach message (one ``OutboundMessage`` row).

The row's state is the truth about whether a lead got an email:

1. checks that need no claim (already done? campaign paused? suppressed?
   due? sending window? daily caps? rate limits?) — a paused campaign or a
   closed window leaves the row ``queued``;
2. claim: ``queued``/transient ``failed`` -> ``sending``, committed *before* SMTP;
3. SMTP transaction;
4. ``sent`` committed after it.

A worker killed between 3 and 4 leaves ``sending``; the redelivered job finds
it in step 1 and marks it ``unknown`` — never sent again automatically, since
the server may have accepted it (`leadq email resolve` decides). Retries and
redeliveries of a ``sent`` row do nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import func, or_, select, update
from sqlmodel import Session

from leadq.campaign.models import Campaign, CampaignStep
from leadq.campaign.outreach import build_outreach
from leadq.db import session_scope
from leadq.errors import Deferred, PermanentError, TransientError
from leadq.leads.models import Lead
from leadq.mail.headers import domain_of
from leadq.mail.limits import Limit, limits_for
from leadq.mail.models import OutboundMessage, as_utc
from leadq.mail.smtp import AmbiguousDelivery, RecipientRejected
from leadq.mail.suppression import add_suppression, is_suppressed
from leadq.mail.tokens import token_secret
from leadq.mail.verp import envelope_sender
from leadq.mail.window import seconds_until_open, zone
from leadq.settings import Settings

#: Acquire every limit or raise Deferred (the core's distributed rate_limit in production).
Acquire = Callable[[Sequence[Limit]], AbstractContextManager[None]]

INTERRUPTED = "interrupted between SMTP hand-off and commit: the lead may or may not have it"


class Transport(Protocol):
    def send(self, message: EmailMessage, *, sender: str, recipients: list[str]) -> None: ...


def _set(settings: Settings, row_id: int, now: datetime, **values) -> None:
    with session_scope(settings) as session:
        session.execute(
            update(OutboundMessage).where(OutboundMessage.id == row_id).values(updated_at=now, **values)
        )


def _claim(session: Session, row_id: int, now: datetime, message_id: str) -> bool:
    """queued (or transiently failed) -> sending; False when another worker got there first."""
    result = session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.id == row_id,
            or_(
                OutboundMessage.state == "queued",
                (OutboundMessage.state == "failed") & (OutboundMessage.error_kind == "transient"),
            ),
        )
        .values(
            state="sending",
            claimed_at=now,
            updated_at=now,
            message_id=message_id,
            attempts=OutboundMessage.attempts + 1,
        )
    )
    return result.rowcount == 1


def _is_claimable(row: OutboundMessage) -> bool:
    return row.state == "queued" or (row.state == "failed" and row.error_kind == "transient")


def _previous_step_state(row: OutboundMessage, *, session: Session) -> str | None:
    return session.execute(
        select(OutboundMessage.state).where(
            OutboundMessage.campaign_id == row.campaign_id,
            OutboundMessage.lead_id == row.lead_id,
            OutboundMessage.step_number == row.step_number - 1,
        )
    ).scalar_one_or_none()


def _skip_reason(
    row: OutboundMessage, lead: Lead | None, *, settings: Settings, session: Session
) -> str | None:
    if lead is None:
        return "lead deleted"
    if (
        row.step_number > 1
        and not settings.email_test_mode
        and _previous_step_state(row, session=session) == "test"
    ):
        # A follow-up written during a dry run must not reach a lead who never got the first message.
        return "previous step was only a test-mode send"
    if is_suppressed(row.to_email, session=session):
        return "suppressed"
    if lead.email_status == "invalid":
        return "address marked invalid"
    return None


def _check_daily_caps(settings: Settings, campaign: Campaign, *, now: datetime, session: Session) -> None:
    """Defer to tomorrow (UTC) when today's global or campaign cap is used up.

    Counted from the ledger rather than a rate-limit window: a day-long window
    would cost the window limiter one key per second. Concurrent senders can
    overshoot a cap by at most the number of sending threads.
    """
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    used = select(func.count()).where(
        OutboundMessage.state.in_(("sending", "sent", "unknown")), OutboundMessage.claimed_at >= start
    )
    tomorrow_ms = int((start + timedelta(days=1) - now).total_seconds() * 1000) + 1000
    if session.execute(used).scalar_one() >= settings.email_daily_limit:
        raise Deferred("daily sending cap reached", delay=tomorrow_ms)
    if campaign.daily_cap:
        mine = used.where(OutboundMessage.campaign_id == campaign.id)
        if session.execute(mine).scalar_one() >= campaign.daily_cap:
            raise Deferred(f"campaign {campaign.name!r} daily cap reached", delay=tomorrow_ms)


def deliver(row_id: int, *, settings: Settings, transport: Transport, now: datetime, acquire: Acquire) -> str:
    """Send one message at most once; returns the row's state afterwards (or "paused").

    Raises Deferred (window closed, cap or rate limit reached, not due yet) and
    TransientError (retry later); both leave the row claimable again.
    """
    now = as_utc(now)
    with session_scope(settings) as session:
        row = session.get(OutboundMessage, row_id)
        if row is None:
            return "missing"
        if row.state == "sending":
            row.state, row.last_error, row.updated_at = "unknown", INTERRUPTED, now
            return "unknown"
        if not _is_claimable(row):
            return row.state
        campaign = session.get(Campaign, row.campaign_id)
        if campaign is None or campaign.state != "running":
            return "paused"
        lead = session.get(Lead, row.lead_id)
        reason = _skip_reason(row, lead, settings=settings, session=session)
        if reason:
            row.state, row.last_error, row.updated_at = "skipped", reason, now
            return "skipped"
        due_in = (as_utc(row.scheduled_at) - now).total_seconds()
        if due_in > 0:
            raise Deferred(f"message {row_id} is due in {due_in:.0f} s", delay=int(due_in * 1000))
        tz = zone(lead.timezone or campaign.timezone, settings.email_timezone)
        wait = seconds_until_open(now, tz, campaign.window_start, campaign.window_end)
        if wait:
            raise Deferred(f"outside the sending window in {tz.key}", delay=int(wait * 1000))
        _check_daily_caps(settings, campaign, now=now, session=session)
        step = session.get(CampaignStep, row.step_id)
        try:
            message = build_outreach(
                settings,
                campaign=campaign,
                step=step,
                lead=lead,
                to_email=row.to_email,
                now=now,
                session=session,
                body=row.ai_body if row.body_writer == "ai" else None,
            )
        except PermanentError as exc:
            row.state, row.error_kind, row.last_error, row.updated_at = "failed", "permanent", str(exc), now
            return "failed"
        limits = limits_for(settings, recipient_domain=domain_of(row.to_email))
        lead_id = lead.id
    with acquire(limits):
        with session_scope(settings) as session:
            if not _claim(session, row_id, now, str(message["Message-ID"])):
                return "claimed elsewhere"
        return _send_claimed(row_id, lead_id, message, settings=settings, transport=transport, now=now)


def _send_claimed(
    row_id: int,
    lead_id: int,
    message: EmailMessage,
    *,
    settings: Settings,
    transport: Transport,
    now: datetime,
) -> str:
    envelope_from = message["From"].addresses[0].addr_spec
    if settings.bounce_domain:
        envelope_from = envelope_sender(
            row_id, bounce_domain=settings.bounce_domain, secret=token_secret(settings)
        )
    recipients = [message["To"].addresses[0].addr_spec]
    try:
        transport.send(message, sender=envelope_from, recipients=recipients)
    except RecipientRejected as exc:
        _set(settings, row_id, now, state="failed", error_kind="permanent", last_error=str(exc)[:2000])
        # A 5xx to RCPT is a hard bounce told at once: the address is dead.
        with session_scope(settings) as session:
            session.execute(update(Lead).where(Lead.id == lead_id).values(email_status="invalid"))
            add_suppression(recipients[0], session=session, reason="bounce")
        return "failed"
    except PermanentError as exc:
        _set(settings, row_id, now, state="failed", error_kind="permanent", last_error=str(exc)[:2000])
        return "failed"
    except TransientError as exc:
        _set(settings, row_id, now, state="failed", error_kind="transient", last_error=str(exc)[:2000])
        raise
    except AmbiguousDelivery as exc:
        _set(settings, row_id, now, state="unknown", last_error=str(exc)[:2000])
        return "unknown"
    except BaseException:
        # Anything else (a time limit, a bug) may have struck after the server
        # accepted the message: that is exactly what `unknown` means.
        _set(settings, row_id, now, state="unknown", last_error=INTERRUPTED)
        raise
    # In test mode the message went to the test address or the outbox, not to the lead.
    delivered = "test" if settings.email_test_mode else "sent"
    _set(settings, row_id, now, state=delivered, sent_at=now, error_kind=None, last_error=None)
    return delivered
