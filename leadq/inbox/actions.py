"""What leadq does about an incoming message, given what it is and whom it concerns.

- a person's reply, an unsubscribe request or a complaint stops the lead's
  remaining steps in every campaign (queued rows become ``skipped``; the
  sequencer writes no later step for a lead in ``stopped_leads``);
- an unsubscribe request or a complaint also suppresses the address;
- a hard bounce suppresses the address and marks the lead's email invalid;
  soft bounces do the same once an address has ``soft_bounce_limit`` of them;
- an auto-reply (out of office) changes nothing: the sequence goes on.

Every action is idempotent (suppressing twice is suppressing once), and runs
in the transaction that records the message, so it happens exactly once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session

from leadq.inbox.models import InboundMessage
from leadq.leads.models import Lead
from leadq.leads.outcomes import record_reply
from leadq.mail.models import OutboundMessage
from leadq.mail.suppression import add_suppression
from leadq.mail.tokens import UnsubscribeClaim
from leadq.mail.unsubscribe import record_unsubscribe

#: Kinds after which a lead gets no further step.
STOPPING_KINDS = ("reply", "unsubscribe", "complaint")


def stopped_leads(*, session: Session) -> set[int]:
    """Leads that replied, asked to unsubscribe or complained."""
    statement = select(InboundMessage.lead_id).where(
        InboundMessage.kind.in_(STOPPING_KINDS), InboundMessage.lead_id.is_not(None)
    )
    return set(session.execute(statement.distinct()).scalars())


def stop_lead(lead_id: int, reason: str, *, now: datetime, session: Session) -> int:
    """Skip the lead's queued messages in every campaign; returns how many."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.lead_id == lead_id, OutboundMessage.state == "queued")
        .values(state="skipped", last_error=reason, updated_at=now)
    )
    return result.rowcount


def _skip_address(address: str, reason: str, *, now: datetime, session: Session) -> int:
    result = session.execute(
        update(OutboundMessage)
        .where(func.lower(OutboundMessage.to_email) == address.lower(), OutboundMessage.state == "queued")
        .values(state="skipped", last_error=reason, updated_at=now)
    )
    return result.rowcount


def _invalidate(address: str, lead_id: int | None, *, session: Session) -> None:
    condition = func.lower(Lead.email) == address.lower()
    if lead_id is not None:
        condition = condition | (Lead.id == lead_id)
    session.execute(update(Lead).where(condition).values(email_status="invalid"))


def _soft_bounces(address: str, *, session: Session) -> int:
    return session.execute(
        select(func.count()).where(
            InboundMessage.kind == "bounce",
            InboundMessage.detail == "soft",
            func.lower(InboundMessage.recipient) == address.lower(),
        )
    ).scalar_one()


def act_on(
    inbound: InboundMessage, *, sent_to: str | None, soft_bounce_limit: int, now: datetime, session: Session
) -> str:
    """Apply the effects of ``inbound`` (already added and flushed); returns what was done.

    ``sent_to`` is the address of the matched outbound message: a bounce or
    complaint is about it even when the report names another (a forwarding
    address), and both are suppressed.
    """
    done: list[str] = []
    address = inbound.recipient
    addresses = list(dict.fromkeys(a.lower() for a in (sent_to, address) if a))
    if inbound.kind in STOPPING_KINDS and inbound.lead_id is not None:
        skipped = stop_lead(inbound.lead_id, f"lead {inbound.kind}", now=now, session=session)
        done.append(f"stopped the lead's sequences ({skipped} queued message(s) skipped)")
    if inbound.kind == "reply" and inbound.lead_id is not None:  # a label for `leadq ai train`
        record_reply(inbound.lead_id, inbound.detail, at=now, session=session)
    if inbound.kind == "unsubscribe" and address:
        claim = UnsubscribeClaim(
            email=address, lead_id=inbound.lead_id or 0, campaign_id=inbound.campaign_id or 0
        )
        record_unsubscribe(claim, method="mail", now=now, session=session)
        done.append(f"suppressed {address}")
    elif inbound.kind == "complaint" and addresses:
        for each in addresses:
            add_suppression(each, session=session, reason="complaint")
            _skip_address(each, "complaint", now=now, session=session)
        done.append(f"suppressed {', '.join(addresses)}")
    elif inbound.kind == "bounce" and address and inbound.detail in ("hard", "soft"):
        if inbound.detail == "soft":
            count = _soft_bounces(address, session=session)
            if count < soft_bounce_limit:
                return f"soft bounce {count} of {soft_bounce_limit} for {address}"
        for each in addresses:
            add_suppression(each, session=session, reason="bounce")
            _invalidate(each, inbound.lead_id, session=session)
            _skip_address(each, f"{inbound.detail} bounce", now=now, session=session)
        done.append(f"suppressed {', '.join(addresses)} and marked it invalid")
    return "; ".join(done) or "none"
