"""Website enrichment results onto leads: the glue between ``leadq.enrich`` and the store.

The crawl itself (``leadq.enrich.crawl_site``) runs outside any database
transaction; these functions read the URL to crawl and store the report.
"""

from __future__ import annotations

from sqlmodel import Session

from leadq.clock import utcnow
from leadq.enrich.report import SiteReport, best_email
from leadq.leads.models import Lead


def website_to_crawl(lead_id: int, *, session: Session) -> str | None:
    """The lead's website, or None when there is no lead or no website."""
    lead = session.get(Lead, lead_id)
    return lead.website if lead is not None else None


def store_site_report(lead_id: int, report: SiteReport, *, session: Session) -> Lead | None:
    """Keep the report in ``lead.signals``; add the emails found, and the best one and a
    phone where the lead had none (what a listing said is not overwritten)."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        return None
    lead.signals = report.as_signals()
    if report.signals is not None:
        lead.emails = list(dict.fromkeys([*(lead.emails or []), *report.signals.emails]))
        lead.email = lead.email or best_email(report)
        lead.phone = lead.phone or next(iter(report.signals.phones), None)
    lead.updated_at = utcnow()
    session.add(lead)
    return lead
