"""Move running campaigns forward: write later steps' rows and pick what is due.

Runs every minute (``process_due_campaign_steps``). A lead gets step N+1
``delay_days`` after step N was *sent* to it, so each lead keeps its own pace
even when the first step trickled out over days under the rate limits. A lead
that unsubscribed, was suppressed, replied or complained (leadq.inbox) gets
no further step rows, and the sender
skips any row already queued for it.

One campaign whose stored data cannot be advanced (a step delay past
datetime's range, say, written before the file was validated) must not stop
the others: each campaign's follow-ups are computed on their own, and a
campaign that fails is reported in ``Advance.failures`` while every other
campaign's rows are written and handed out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import aliased
from sqlmodel import Session

from leadq.campaign.models import Campaign, CampaignStep
from leadq.inbox.actions import stopped_leads
from leadq.mail.headers import domain_of
from leadq.mail.ledger import take_due
from leadq.mail.models import DELIVERED_STATES, OutboundMessage, Suppression, as_utc


@dataclass
class Advance:
    """What one pass did: rows due to hand out, and why each failed campaign could not advance."""

    due: list[int] = field(default_factory=list)
    #: One line per campaign that could not advance: ``campaign 3 'name': OverflowError: ...``.
    failures: list[str] = field(default_factory=list)


def _next_step_rows(
    campaign_id: int, *, now: datetime, session: Session, suppressed: set[str], stopped: set[int]
) -> list[dict]:
    """Rows for step N+1 of every lead whose step N was delivered (sent or test), not yet written."""
    steps = list(
        session.execute(
            select(CampaignStep).where(CampaignStep.campaign_id == campaign_id).order_by(CampaignStep.number)
        ).scalars()
    )
    rows: list[dict] = []
    for previous, step in zip(steps, steps[1:], strict=False):
        later = aliased(OutboundMessage)
        sent = session.execute(
            select(OutboundMessage.lead_id, OutboundMessage.to_email, OutboundMessage.sent_at)
            .outerjoin(later, and_(later.lead_id == OutboundMessage.lead_id, later.step_id == step.id))
            .where(
                OutboundMessage.step_id == previous.id,
                OutboundMessage.state.in_(DELIVERED_STATES),
                later.id.is_(None),
            )
        ).all()
        rows += [
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
            if email.lower() not in suppressed
            and f"@{domain_of(email)}" not in suppressed
            and lead_id not in stopped
        ]
    return rows


def process_due(*, now: datetime, session: Session) -> Advance:
    """Advance every running campaign; the rows to hand to the email workers and the failures.

    Rows are computed for each campaign before anything is written, so a
    campaign that fails leaves nothing half-written, and the rows of the
    campaigns that did not fail are written and handed out as usual. Database
    errors are not a campaign's fault: they propagate (the job is retried).
    """
    running = session.execute(select(Campaign.id, Campaign.name).where(Campaign.state == "running")).all()
    suppressed = set(session.execute(select(Suppression.email)).scalars())
    stopped = stopped_leads(session=session)
    advance = Advance()
    healthy = []
    for campaign_id, name in running:
        try:
            rows = _next_step_rows(
                campaign_id, now=now, session=session, suppressed=suppressed, stopped=stopped
            )
        except SQLAlchemyError:
            raise
        except Exception as exc:  # noqa: BLE001 - any fault of one campaign's data stays with it
            advance.failures.append(f"campaign {campaign_id} {name!r}: {type(exc).__name__}: {exc}")
            continue
        if rows:
            session.execute(insert(OutboundMessage), rows)
        healthy.append(campaign_id)
    session.flush()
    advance.due = take_due(campaign_ids=healthy, now=now, session=session)
    return advance
