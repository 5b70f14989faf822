"""Campaign life cycle: create from a file, launch, pause, resume.

Launching writes one ``queued`` row per audience member for the first step;
later steps' rows are written by the sequencer as earlier steps are sent.
Pausing is a state the sender reads before every message, so it takes effect
within one message's time; resuming hands the still-queued rows to workers
again, and the per-row state machine makes any duplicate job a no-op.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, insert, update
from sqlmodel import Session, select

from leadq.campaign.audience import audience_members
from leadq.campaign.models import Campaign, CampaignStep
from leadq.campaign.preflight import check_templates_render
from leadq.campaign.screening import screen_members
from leadq.campaign.spec import Audience, load_campaign
from leadq.errors import ConfigError, UserError
from leadq.leads.email_check import EmailChecker
from leadq.mail.compose import sender_of
from leadq.mail.models import OutboundMessage, as_utc
from leadq.settings import Settings


def create_campaign(path: Path, *, now: datetime, session: Session) -> Campaign:
    """Validate a campaign file and store it (with its templates) as a draft."""
    spec, templates, text = load_campaign(path)
    if session.exec(select(Campaign).where(Campaign.name == spec.name)).first():
        raise UserError(f"a campaign named {spec.name!r} already exists")
    check_templates_render(spec, templates)
    campaign = Campaign(
        name=spec.name,
        sender=spec.sender or "",
        reply_to=spec.reply_to,
        audience=spec.audience.model_dump(exclude_none=True),
        window_start=spec.window.start,
        window_end=spec.window.end,
        timezone=spec.timezone,
        daily_cap=spec.daily_cap,
        source_text=text,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    session.flush()
    for number, (step, template) in enumerate(zip(spec.steps, templates, strict=True), start=1):
        session.add(
            CampaignStep(
                campaign_id=campaign.id,
                number=number,
                delay_days=step.delay_days,
                template_name=step.template,
                subject=template.subject,
                text=template.text,
                html=template.html,
                writer=step.writer,
            )
        )
    return campaign


def find_campaign(ref: str, *, session: Session) -> Campaign:
    """A campaign by id or exact name."""
    campaign = session.get(Campaign, int(ref)) if ref.isdigit() else None
    if campaign is None:
        campaign = session.exec(select(Campaign).where(Campaign.name == ref)).first()
    if campaign is None:
        raise UserError(f"no campaign {ref!r} (see `leadq campaign list`)")
    return campaign


def list_campaigns(*, session: Session) -> list[Campaign]:
    return list(session.exec(select(Campaign).order_by(Campaign.id)))


def steps_of(campaign_id: int, *, session: Session) -> list[CampaignStep]:
    return list(
        session.exec(
            select(CampaignStep).where(CampaignStep.campaign_id == campaign_id).order_by(CampaignStep.number)
        )
    )


def check_can_send(settings: Settings, campaign: Campaign) -> None:
    """Everything the law and the sender need before a first message: ConfigError if missing."""
    if not settings.postal_address:
        raise ConfigError("LEADQ_POSTAL_ADDRESS is not set: outreach must carry the sender's postal address")
    if not settings.unsubscribe_url:
        raise ConfigError("LEADQ_UNSUBSCRIBE_URL is not set: outreach must carry an unsubscribe link")
    if settings.unsubscribe_secret is None or not settings.unsubscribe_secret.get_secret_value():
        raise ConfigError("LEADQ_UNSUBSCRIBE_SECRET is not set: unsubscribe links must be signed")
    sender_of(settings, campaign.sender or None)
    if not settings.smtp_host and not (settings.email_test_mode and not settings.email_test_address):
        raise ConfigError("LEADQ_SMTP_HOST is not set")


def _dry_run_only(campaign: Campaign, *, session: Session) -> bool:
    """True when the campaign delivered only in test mode and nothing is in flight or in doubt."""
    states = set(
        session.execute(
            select(OutboundMessage.state).where(OutboundMessage.campaign_id == campaign.id).distinct()
        ).scalars()
    )
    return "test" in states and not states & {"sending", "sent", "unknown"}


def launch_campaign(
    campaign: Campaign, *, settings: Settings, at: datetime, now: datetime, session: Session
) -> int:
    """Queue the first step for the whole audience at ``at``; returns how many were queued.

    Addresses that fail the email check are written ``skipped`` with the reason
    instead (leadq.campaign.screening).

    A campaign launched before only in test mode (a dry run: every delivery
    ``test``, none ``sent``) may be launched again once test mode is off: its
    dry-run rows are dropped and the real sequence starts from step 1. The dry
    run's skipped first-step rows of leads not in the new audience stay: those
    leads (an undeliverable address is marked invalid, so it leaves the
    audience) are still left out, and `campaign status` must still say why.
    """
    relaunch = campaign.state != "draft"
    if relaunch and (settings.email_test_mode or not _dry_run_only(campaign, session=session)):
        raise UserError(f"campaign {campaign.name!r} is {campaign.state}, already launched")
    check_can_send(settings, campaign)
    first = steps_of(campaign.id, session=session)[0]
    members = audience_members(Audience(**campaign.audience), now=now, session=session)
    screened = screen_members(members, EmailChecker.from_settings(settings), session=session)
    rows = [(lead_id, email, "queued", None) for lead_id, email in screened.reachable]
    rows += [(lead_id, email, "skipped", reason) for lead_id, email, reason in screened.skipped]
    if relaunch:
        still_skipped = (
            (OutboundMessage.state == "skipped")
            & (OutboundMessage.step_number == 1)
            & OutboundMessage.lead_id.not_in([lead_id for lead_id, *_ in rows])
        )
        session.execute(
            delete(OutboundMessage).where(OutboundMessage.campaign_id == campaign.id, ~still_skipped)
        )
    if rows:
        session.execute(
            insert(OutboundMessage),
            [
                {
                    "campaign_id": campaign.id,
                    "step_id": first.id,
                    "step_number": 1,
                    "lead_id": lead_id,
                    "to_email": email,
                    "state": state,
                    "error_kind": "permanent" if reason else None,
                    "last_error": reason,
                    "scheduled_at": as_utc(at),
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for lead_id, email, state, reason in rows
            ],
        )
    campaign.state, campaign.launch_at, campaign.updated_at = "running", as_utc(at), now
    session.add(campaign)
    return len(screened.reachable)


def pause_campaign(campaign: Campaign, *, now: datetime, session: Session) -> None:
    if campaign.state != "running":
        raise UserError(f"campaign {campaign.name!r} is {campaign.state}, not running")
    campaign.state, campaign.updated_at = "paused", now
    session.add(campaign)


def resume_campaign(campaign: Campaign, *, now: datetime, session: Session) -> None:
    """Running again; queued rows are handed to workers at the next due-steps pass."""
    if campaign.state != "paused":
        raise UserError(f"campaign {campaign.name!r} is {campaign.state}, not paused")
    campaign.state, campaign.updated_at = "running", now
    session.add(campaign)
    # Jobs that found the campaign paused ended without sending; let the
    # sequencer hand these rows out again.
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.campaign_id == campaign.id, OutboundMessage.state == "queued")
        .values(enqueued_at=None)
    )
