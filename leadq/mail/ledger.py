"""Queries and operator actions on the outbound-message ledger."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from leadq.errors import UserError
from leadq.mail.models import OutboundMessage

#: A message whose transient failures reach this many attempts is left failed for a person.
MAX_ATTEMPTS = 8
#: Far beyond the email actor's time limit: a row still `sending` after this lost its worker.
STALE_SENDING = timedelta(minutes=30)


def list_messages(
    *, session: Session, state: str | None = None, campaign_id: int | None = None, limit: int = 100
) -> list[OutboundMessage]:
    """Outbound messages, newest first, of one state and/or campaign when given."""
    query = select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(limit)
    if state:
        query = query.where(OutboundMessage.state == state)
    if campaign_id is not None:
        query = query.where(OutboundMessage.campaign_id == campaign_id)
    return list(session.exec(query))


def get_message(row_id: int, *, session: Session) -> OutboundMessage:
    row = session.get(OutboundMessage, row_id)
    if row is None:
        raise UserError(f"no outbound message with id {row_id}")
    return row


def resolve_unknown(row_id: int, *, sent: bool, now: datetime, session: Session) -> OutboundMessage:
    """A person decides an ``unknown`` message: it was sent, or it must be sent again."""
    row = get_message(row_id, session=session)
    if row.state != "unknown":
        raise UserError(f"message {row_id} is {row.state}, not unknown: nothing to resolve")
    if sent:
        row.state, row.sent_at = "sent", row.claimed_at or now
    else:
        row.state, row.enqueued_at = "queued", None
    row.last_error = f"resolved by operator as {'sent' if sent else 'resend'}"
    row.updated_at = now
    session.add(row)
    return row


def take_due(*, campaign_ids: list[int], now: datetime, session: Session, limit: int = 5000) -> list[int]:
    """Due queued rows of these campaigns not yet handed to a worker; marks them enqueued."""
    if not campaign_ids:
        return []
    ids = list(
        session.exec(
            select(OutboundMessage.id)
            .where(
                OutboundMessage.state == "queued",
                OutboundMessage.enqueued_at.is_(None),
                OutboundMessage.scheduled_at <= now,
                OutboundMessage.campaign_id.in_(campaign_ids),
            )
            .order_by(OutboundMessage.scheduled_at, OutboundMessage.id)
            .limit(limit)
        )
    )
    if ids:
        session.execute(update(OutboundMessage).where(OutboundMessage.id.in_(ids)).values(enqueued_at=now))
    return ids


def take_retryable(
    *, now: datetime, session: Session, min_age: timedelta = timedelta(minutes=10)
) -> list[int]:
    """Transient failures whose job gave up, old enough to try again."""
    ids = list(
        session.exec(
            select(OutboundMessage.id).where(
                OutboundMessage.state == "failed",
                OutboundMessage.error_kind == "transient",
                OutboundMessage.attempts < MAX_ATTEMPTS,
                OutboundMessage.updated_at <= now - min_age,
            )
        )
    )
    if ids:
        session.execute(update(OutboundMessage).where(OutboundMessage.id.in_(ids)).values(updated_at=now))
    return ids


def mark_stale_sending(*, now: datetime, session: Session) -> int:
    """Rows stuck in ``sending`` whose job is gone (e.g. Redis lost it) become ``unknown``.

    A redelivered job does this itself; this catches the job that never comes back.
    """
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.state == "sending", OutboundMessage.claimed_at <= now - STALE_SENDING)
        .values(state="unknown", last_error="stuck in sending: its worker and job are gone", updated_at=now)
    )
    return result.rowcount
