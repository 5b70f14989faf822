"""Recording an unsubscribe: suppress the address and take it out of every sequence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session

from leadq.mail.models import OutboundMessage, Unsubscribe
from leadq.mail.suppression import add_suppression
from leadq.mail.tokens import UnsubscribeClaim


def record_unsubscribe(claim: UnsubscribeClaim, *, method: str, now: datetime, session: Session) -> int:
    """Suppress the address, log the request, skip its queued messages; returns messages skipped.

    Idempotent: a second click adds another log line but changes nothing else.
    """
    add_suppression(claim.email, session=session, reason="unsubscribe")
    session.add(
        Unsubscribe(
            email=claim.email.lower(),
            lead_id=claim.lead_id or None,
            campaign_id=claim.campaign_id or None,
            method=method,
            created_at=now,
        )
    )
    result = session.execute(
        update(OutboundMessage)
        .where(func.lower(OutboundMessage.to_email) == claim.email.lower(), OutboundMessage.state == "queued")
        .values(state="skipped", last_error="unsubscribed", updated_at=now)
    )
    return result.rowcount
