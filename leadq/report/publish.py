"""Publishing a website report where the prospect can open it, beside the demos.

A report lands in a directory named by an unguessable token at the demos'
destination (LEADQ_DEMO_ROOT or LEADQ_DEMO_RSYNC_TARGET, served at
LEADQ_DEMO_BASE_URL). Its URL is stored on the audits it shows, so outreach
templates get it as ``{{ audit.report_url }}``. Publishing a lead's report
again reuses its token: a link already sent keeps working and shows the newest.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import col, select

from leadq.db import session_scope
from leadq.demo.publish import destination
from leadq.errors import UserError
from leadq.pagespeed.models import Audit
from leadq.report.audit import AuditReport, audit_html
from leadq.report.load import audit_report
from leadq.settings import Settings

#: What ``secrets.token_hex(16)`` makes: a token read back from a stored URL must look like one.
TOKEN = re.compile(r"[0-9a-f]{32}")


def publish_lead_report(
    settings: Settings, lead_id: int, strategies: list[str], *, engine: str | None
) -> str:
    """Build the lead's report from its newest audits (auditing what never was) and publish it."""
    report = audit_report(settings, str(lead_id), strategies, engine=engine)
    return publish_report(settings, report, audit_html(report, settings.report_template_dir))


def publish_report(settings: Settings, report: AuditReport, page: str) -> str:
    """Publish ``page`` (the report's HTML) as ``<token>/index.html``; its public URL."""
    where = destination(settings)
    if not report.audit_ids:
        raise UserError("the report shows no stored audit, so its link could reach no template")
    token = _previous_token(settings, report) or secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="leadq-report-") as staging:
        (Path(staging) / "index.html").write_text(page, encoding="utf-8")
        url = where.publish(Path(staging), token)
    with session_scope(settings) as session:
        for audit_id in report.audit_ids:
            audit = session.get(Audit, audit_id)
            if audit is not None:
                audit.report_url = url
                session.add(audit)
    return url


def _previous_token(settings: Settings, report: AuditReport) -> str | None:
    """The token of the report published before for the same lead (or URL, without a lead)."""
    query = select(Audit.report_url).where(col(Audit.report_url).is_not(None))
    if report.lead_id is not None:
        query = query.where(Audit.lead_id == report.lead_id)
    else:
        urls = select(Audit.url).where(col(Audit.id).in_(report.audit_ids))
        query = query.where(col(Audit.lead_id).is_(None), col(Audit.url).in_(urls))
    with session_scope(settings) as session:
        url = session.exec(query.order_by(col(Audit.id).desc()).limit(1)).first()
    token = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] if url else None
    return token if token and TOKEN.fullmatch(token) else None
