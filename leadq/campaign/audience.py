"""Select a campaign's audience from the lead store."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlmodel import Session

from leadq.campaign.audits import latest_audits_subquery
from leadq.campaign.spec import Audience
from leadq.contacts import valid_address
from leadq.leads.models import Lead
from leadq.mail.headers import domain_of
from leadq.mail.models import OutboundMessage, Suppression
from leadq.pagespeed.models import Audit


def audience_query(audience: Audience, *, now: datetime):
    """A SELECT of (lead id, email) matching the filter (suppression is applied after)."""
    query = select(Lead.id, Lead.email).where(
        Lead.email.is_not(None), Lead.email != "", Lead.email_status != "invalid"
    )
    if audience.source:
        query = query.where(Lead.source == audience.source)
    if audience.site:
        query = query.where(Lead.site == audience.site)
    if audience.category:
        query = query.where(func.lower(Lead.category).contains(audience.category.lower()))
    if audience.min_ai_score is not None:
        query = query.where(Lead.ai_score >= audience.min_ai_score)
    if audience.not_contacted_days is not None:
        since = now - timedelta(days=audience.not_contacted_days)
        query = query.where(
            # Test-mode deliveries never reached the lead: they are no contact.
            ~exists().where(
                OutboundMessage.lead_id == Lead.id,
                OutboundMessage.state == "sent",
                OutboundMessage.sent_at >= since,
            )
        )
    if audience.min_audit_score is not None or audience.max_performance_score is not None:
        latest = latest_audits_subquery()
        query = query.join(latest, latest.c.lead_id == Lead.id).join(Audit, Audit.id == latest.c.audit_id)
        if audience.min_audit_score is not None:
            query = query.where(Audit.score >= audience.min_audit_score)
        if audience.max_performance_score is not None:
            query = query.where(Audit.performance_score <= audience.max_performance_score)
    return query.order_by(Lead.id)


def audience_members(audience: Audience, *, now: datetime, session: Session) -> list[tuple[int, str]]:
    """(lead id, address) of every lead to reach: valid address, not suppressed (address or domain)."""
    suppressed = set(session.execute(select(Suppression.email)).scalars())
    members = []
    for lead_id, email in session.execute(audience_query(audience, now=now)):
        address = valid_address(email)
        if address and address.lower() not in suppressed and f"@{domain_of(address)}" not in suppressed:
            members.append((lead_id, address))
    return members
