"""Reading and writing audits. Every function takes a keyword-only session."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, not_
from sqlmodel import Session, col, exists, select

from leadq.clock import utcnow
from leadq.leads.models import Lead
from leadq.pagespeed.models import Audit
from leadq.pagespeed.record import AuditRecord


def save_audit(
    record: AuditRecord, *, session: Session, lead_id: int | None = None, demo_of_lead_id: int | None = None
) -> Audit:
    """Append one audit to the history (audits are never overwritten)."""
    audit = Audit.from_record(record, lead_id=lead_id, demo_of_lead_id=demo_of_lead_id)
    session.add(audit)
    session.flush()
    return audit


def audited_since(
    *, session: Session, url: str, strategy: str, since: datetime, lead_id: int | None = None
) -> Audit | None:
    """The audit of this lead (or URL) and strategy made after ``since``, if any.

    Lets a redelivered job see that its work is already stored.
    """
    query = select(Audit).where(Audit.strategy == strategy, col(Audit.created_at) >= since)
    query = query.where(Audit.lead_id == lead_id) if lead_id is not None else query.where(Audit.url == url)
    return session.exec(query.order_by(col(Audit.id).desc()).limit(1)).first()


def leads_needing_audit(
    *, session: Session, stale_days: int, limit: int | None = None, now: datetime | None = None
) -> list[tuple[int, str]]:
    """(lead id, website) of leads with a website and no audit newer than ``stale_days``."""
    cutoff = (now or utcnow()) - timedelta(days=stale_days)
    recent = exists().where(and_(Audit.lead_id == Lead.id, col(Audit.created_at) >= cutoff))
    query = (
        select(Lead.id, Lead.website)
        .where(col(Lead.website).is_not(None), Lead.website != "", not_(recent))
        .order_by(col(Lead.id))
    )
    if limit:
        query = query.limit(limit)
    return [(lead_id, website) for lead_id, website in session.exec(query).all()]


def latest_audits(*, session: Session, worst: bool = False, limit: int = 50) -> list[Audit]:
    """The newest audit per URL and strategy; ``worst`` sorts by performance score, lowest first."""
    newest = select(func.max(Audit.id)).group_by(Audit.url, Audit.strategy)
    query = select(Audit).where(col(Audit.id).in_(newest))
    if worst:
        query = query.order_by(
            col(Audit.performance_score).is_(None), col(Audit.performance_score), col(Audit.id)
        )
    else:
        query = query.order_by(col(Audit.id).desc())
    return list(session.exec(query.limit(limit)).all())


def audit_history(*, session: Session, lead_id: int) -> list[Audit]:
    """Every audit of one lead, newest first."""
    query = select(Audit).where(Audit.lead_id == lead_id).order_by(col(Audit.id).desc())
    return list(session.exec(query).all())
