"""Website audits as campaigns see them: PageSpeed's ``Audit`` model, newest per lead.

Campaigns sit above pagespeed, so they import its model instead of reflecting
the ``audit`` table by name (which cost a schema query per email sent).
Templates get the newest audit as a plain dict, or None when the lead has none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from leadq.pagespeed.models import Audit


def latest_audit(lead_id: int, *, session: Session) -> dict[str, Any] | None:
    """The newest audit of a lead as a plain dict (for templates), or None."""
    query = select(Audit.__table__).where(Audit.lead_id == lead_id).order_by(Audit.id.desc()).limit(1)
    row = session.connection().execute(query).mappings().first()
    return dict(row) if row else None


def latest_audits_subquery():
    """lead_id -> newest audit row id, for audience queries."""
    return select(Audit.lead_id, func.max(Audit.id).label("audit_id")).group_by(Audit.lead_id).subquery()
