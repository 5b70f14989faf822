"""Builds leads and campaign files for the mail and campaign tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from leadq.campaign.delivery import deliver
from leadq.campaign.sequencer import process_due
from leadq.campaign.service import create_campaign, launch_campaign
from leadq.db import session_scope
from leadq.leads.models import Lead
from leadq.mail.limits import acquire_limits
from leadq.mail.testmode import make_transport
from leadq.settings import Settings

INTRO = '''
subject = "A faster site for {{ lead.name }}"
text = """Hi {{ lead.name }},

I looked at {{ lead.website }}.{% if audit %} It scored {{ audit.score }}.{% endif %}

{{ sender.name }}
"""
html = "<p>Hi {{ lead.name }},</p><p>I looked at {{ lead.website }}.</p>"
'''

FOLLOW_UP = """
subject = "Following up, {{ lead.name }}"
text = "Just checking in about {{ lead.website }}."
"""


def write_campaign(
    folder: Path,
    *,
    name: str = "Plumbers",
    steps: str | None = None,
    extra: str = "",
    hours: str = "9, end = 17",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "intro.toml").write_text(INTRO)
    (folder / "follow-up.toml").write_text(FOLLOW_UP)
    steps = steps or (
        '[[steps]]\ntemplate = "intro.toml"\n\n[[steps]]\ntemplate = "follow-up.toml"\ndelay_days = 3\n'
    )
    path = folder / "campaign.toml"
    path.write_text(
        f'name = "{name}"\nwindow = {{ start = {hours} }}\n{extra}\n'
        f'[audience]\nsource = "craigslist"\n\n{steps}'
    )
    return path


def add_leads(settings: Settings, count: int, **fields) -> list[int]:
    with session_scope(settings) as session:
        leads = [
            Lead(
                name=f"Plumber {i}",
                email=f"owner{i}@shop{i % 7}.example",
                website=f"https://shop{i}.example",
                source="craigslist",
                timezone="UTC",
                **fields,
            )
            for i in range(count)
        ]
        session.add_all(leads)
        session.flush()
        return [lead.id for lead in leads]


def launched_campaign(settings: Settings, folder: Path, *, at: datetime, **kwargs) -> int:
    path = write_campaign(folder, **kwargs)
    with session_scope(settings) as session:
        campaign = create_campaign(path, now=at, session=session)
        launch_campaign(campaign, settings=settings, at=at, now=at, session=session)
        return campaign.id


def due_rows(settings: Settings, now: datetime) -> list[int]:
    """One due-steps pass: the ids of the rows handed out."""
    with session_scope(settings) as session:
        return process_due(now=now, session=session).due


def deliver_now(settings: Settings, row_id: int, now: datetime) -> str:
    """Deliver one row through the configured transport, as the email actor does, at ``now``."""
    return deliver(
        row_id, settings=settings, transport=make_transport(settings), now=now, acquire=acquire_limits
    )


def add_audits(settings: Settings, rows: list[dict]) -> None:
    """Audits in the pagespeed domain's real table: ``{"l": lead id, "s": score, "p": performance}``."""
    from leadq.pagespeed.record import AuditRecord
    from leadq.pagespeed.store import save_audit

    with session_scope(settings) as session:
        for row in rows:
            audit = save_audit(
                AuditRecord(url="https://x.example", final_url=None, engine="local", strategy="mobile"),
                session=session,
                lead_id=row["l"],
            )
            audit.score, audit.performance_score = row["s"], row.get("p")
