"""Gather what an audit report needs: the lead, its newest audits (auditing now when missing)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlmodel import col, select

from leadq.db import session_scope
from leadq.demo.store import demo_for_lead
from leadq.errors import LeadqError, UserError
from leadq.leads.models import Lead
from leadq.pagespeed.models import Audit
from leadq.pagespeed.record import AuditRecord
from leadq.pagespeed.service import audit_and_store, normalize_website, resolve_target
from leadq.report.audit import Agency, AuditReport, check_rows, comparison, logo_uri, section
from leadq.report.site_checks import lead_checks
from leadq.settings import Settings


def audit_report(
    settings: Settings, ref: str, strategies: list[str], *, engine: str | None = None, fresh: bool = False
) -> AuditReport:
    """The report of a lead (``ref`` is its id) or of a URL, from the newest stored audit per strategy.

    A strategy with no stored audit (or every one, with ``fresh``) is audited now and stored.
    """
    lead_id, url = _target(settings, ref)
    records, audit_ids = [], []
    for strategy in strategies:
        audit = None if fresh else _newest(settings, lead_id=lead_id, url=url, strategy=strategy)
        if audit is None:
            target = resolve_target(settings, url=url, lead_id=lead_id, strategy=strategy, engine=engine)
            records.append((audit_and_store(settings, target), datetime.now(UTC)))
            audit = _newest(settings, lead_id=lead_id, url=url, strategy=strategy)
        else:
            lead_id = lead_id or audit.lead_id  # a URL audited as some lead's website
            records.append((audit.to_record(), audit.created_at))
        if audit is not None and audit.id is not None:
            audit_ids.append(audit.id)
    with session_scope(settings) as session:
        lead = session.get(Lead, lead_id) if lead_id is not None else None
        name, signals = (lead.name, dict(lead.signals or {})) if lead is not None else (None, {})
    first = records[0][0]
    title = next((c.detail for c in first.checks if c.id == "title" and c.passed), None)
    now = datetime.now(UTC)
    checks = first.checks + lead_checks(signals, year=now.year)
    unchecked = []
    if not signals.get("reachable"):
        unchecked.append(
            "contact details, website software and upkeep (the site has not been crawled: "
            "`leadq scrape ... --pipeline` reads them)"
        )
    sections = [section(record, at) for record, at in records]
    demo_url = _published_demo(settings, lead_id)
    if demo_url:
        try:
            for shown in sections:
                demo = _demo_audit(settings, lead_id, demo_url, shown.record, fresh=fresh)
                shown.demo = comparison(shown.record, demo)
        except LeadqError as exc:
            unchecked.append(f"the demo's scores (auditing {demo_url} failed: {exc})")
    return AuditReport(
        business=name or title or urlsplit(first.final_url or url).hostname or url,
        url=first.final_url or url,
        lead_id=lead_id,
        generated=now,
        sections=sections,
        demo_url=demo_url,
        checks=check_rows(checks),
        unchecked=unchecked,
        agency=Agency(settings.agency_name, settings.agency_contact, logo_uri(settings.agency_logo)),
        audit_ids=audit_ids,
    )


def _published_demo(settings: Settings, lead_id: int | None) -> str | None:
    if lead_id is None:
        return None
    with session_scope(settings) as session:
        demo = demo_for_lead(lead_id, session=session)
        return demo.public_url if demo is not None and demo.state == "published" else None


def _demo_audit(
    settings: Settings, lead_id: int, demo_url: str, site: AuditRecord, *, fresh: bool
) -> AuditRecord:
    """The demo's newest audit with the site's strategy, audited now (by the same engine) when missing."""
    stored = None if fresh else _newest(settings, lead_id=None, url=demo_url, strategy=site.strategy)
    if stored is not None:
        return stored.to_record()
    target = resolve_target(settings, url=demo_url, lead_id=None, strategy=site.strategy, engine=site.engine)
    target.demo_of_lead_id = lead_id
    return audit_and_store(settings, target)


def _target(settings: Settings, ref: str) -> tuple[int | None, str]:
    if ref.isdigit():
        with session_scope(settings) as session:
            lead = session.get(Lead, int(ref))
            if lead is None:
                raise UserError(f"lead {ref} does not exist")
            if not lead.website:
                raise UserError(f"lead {ref} has no website to audit")
            return lead.id, normalize_website(lead.website)
    url = normalize_website(ref)
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise UserError(f"{ref!r} is neither a lead id nor a website URL")
    return None, url


def _newest(settings: Settings, *, lead_id: int | None, url: str, strategy: str) -> Audit | None:
    query = select(Audit).where(Audit.strategy == strategy)
    query = query.where(Audit.lead_id == lead_id) if lead_id is not None else query.where(Audit.url == url)
    with session_scope(settings) as session:
        audit = session.exec(query.order_by(col(Audit.id).desc()).limit(1)).first()
        if audit is not None:
            session.expunge(audit)
        return audit
