"""The leads a scrape run stored and how far the pipeline took them: the end of `leadq scrape`.

A run's leads are those with a source reference of the run's source written
since the run started (new, merged, updated or unchanged ones; listings
skipped as already known are not re-read). Each shows its enrichment (emails
found) and its latest audit score, or why it has none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC

from sqlmodel import col, func, select

from leadq.core.jobs import list_jobs
from leadq.db import session_scope
from leadq.leads.models import Lead, LeadSource
from leadq.pagespeed.store import audit_history
from leadq.scrape.runs import get_run
from leadq.settings import Settings

#: Leads the summary lists; the rest are counted ("20 of 120 shown").
SHOWN = 20
AUDIT_ACTOR = "audit_website"
FAILED_STATES = ("dead", "failed", "retrying")


@dataclass
class FoundLead:
    id: int
    name: str | None
    phone: str | None
    website: str | None
    emails: list[str] = field(default_factory=list)
    #: Overall audit score 0-100 of the latest audit, when there is one.
    score: int | None = None
    #: "audited", "no website", "skipped", "pending" or "failed: <error>".
    audit: str = "pending"

    def as_dict(self) -> dict:
        return asdict(self)


def found_leads(
    settings: Settings, run_id: int, *, audit_skipped: bool = False, limit: int = SHOWN
) -> tuple[list[FoundLead], int]:
    """Up to ``limit`` of the run's leads (oldest first) and how many there are in all.

    ``audit_skipped``: this machine cannot audit, so leads without an audit say "skipped".
    """
    with session_scope(settings) as session:
        run = get_run(run_id, session=session)
        if run is None:
            return [], 0
        started = run.created_at
        # SQLite hands back naive datetimes; they were written in UTC.
        since = (started if started.tzinfo else started.replace(tzinfo=UTC)).timestamp()
        touched = (
            select(LeadSource.lead_id)
            .where(LeadSource.source == run.source, col(LeadSource.scraped_at) >= started)
            .distinct()
        )
        total = session.exec(select(func.count()).select_from(touched.subquery())).one()
        leads = session.exec(
            select(Lead).where(col(Lead.id).in_(touched)).order_by(col(Lead.id)).limit(limit)
        ).all()
        rows = []
        for lead in leads:
            row = FoundLead(lead.id, lead.name, lead.phone, lead.website, list(lead.emails or []))
            latest = next(iter(audit_history(session=session, lead_id=lead.id)), None)
            if latest is not None:
                row.score, row.audit = latest.score, "audited"
            elif not lead.website:
                row.audit = "no website"
            elif audit_skipped:
                row.audit = "skipped"
            rows.append(row)
    _add_audit_failures(settings, rows, since=since)
    return rows, total


def _add_audit_failures(settings: Settings, rows: list[FoundLead], *, since: float) -> None:
    """Say why an audit failed, from job history (audit jobs carry the key ``audit:<lead>:...``)."""
    waiting = {row.id: row for row in rows if row.audit == "pending"}
    if not waiting:
        return
    for job in list_jobs(settings, actor=AUDIT_ACTOR, since=since, limit=None):
        lead_id = _lead_of(job.unique_key)
        if lead_id in waiting and job.state in FAILED_STATES and job.error_message:
            waiting.pop(lead_id).audit = f"failed: {job.error_message}"


def _lead_of(unique_key: str | None) -> int | None:
    parts = (unique_key or "").split(":")
    return int(parts[1]) if len(parts) > 2 and parts[0] == "audit" and parts[1].isdigit() else None
