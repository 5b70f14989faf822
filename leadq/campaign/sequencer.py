"""Move running campaigns forward: write later steps' rows and pick what is due.

Runs every minute (``process_due_campaign_steps``). A lead gets step N+1
``delay_days`` after step N was *sent* to it, so each lead keeps its own pace
even when the first step trickled out over days under the rate limits. A lead
that unsubscribed or was suppressed gets no further step rows, and the sender
skips any row already queued for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, insert, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from leadq.campaign.models import Campaign, CampaignStep
from leadq.mail.headers import domain_of
from leadq.mail.ledger import take_due
from leadq.mail.models import OutboundMessage, Suppression, as_utc


def _write_next_steps(campaign_id: int, *, now: datetime, session: Session) -> int:
    """Rows for step N+1 of every lead whose step N was sent; returns how many were written."""
    steps = list(
        session.execute(
            select(CampaignStep).where(CampaignStep.campaign_id == campaign_id).order_by(CampaignStep.number)
        ).scalars()
    )
    suppressed = set(session.execute(select(Suppression.email)).scalars())
    written = 0
    for previous, step in zip(steps, steps[1:], strict=False):
        later = aliased(OutboundMessage)
        sent = session.execute(
            select(OutboundMessage.lead_id, OutboundMessage.to_email, OutboundMessage.sent_at)
            .outerjoin(later, and_(later.lead_id == OutboundMessage.lead_id, later.step_id == step.id))
            .where(
                OutboundMessage.step_id == previous.id, OutboundMessage.state == "sent", later.id.is_(None)
            )
        ).all()
        rows = [
            {
                "campaign_id": campaign_id,
                "step_id": step.id,
                "step_number": step.number,
                "lead_id": lead_id,
                "to_email": email,
                "state": "queued",
                "scheduled_at": as_utc(sent_at) + timedelta(days=step.delay_days),
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for lead_id, email, sent_at in sent
            if email.lower() not in suppressed and f"@{domain_of(email)}" not in suppressed
        ]
        if rows:
            session.execute(insert(OutboundMessage), rows)
            written += len(rows)
    return written


def process_due(*, now: datetime, session: Session) -> list[int]:
    """Advance every running campaign; returns the ids of rows to hand to the email workers."""
    running = session.execute(select(Campaign.id).where(Campaign.state == "running")).scalars().all()
    for campaign_id in running:
        _write_next_steps(campaign_id, now=now, session=session)
    session.flush()
    return take_due(campaign_ids=list(running), now=now, session=session)
