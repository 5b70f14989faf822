"""When a launched campaign's first message can go out: its start, or the next window opening.

The sending window is business hours in each lead's own timezone (the
campaign's, then LEADQ_EMAIL_TIMEZONE, when the lead has none), so a launch
outside it sends nothing at first. `campaign launch` says when sending starts
instead of leaving the operator looking at a silent queue.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from leadq.campaign.models import Campaign
from leadq.leads.models import Lead
from leadq.mail.models import OutboundMessage, as_utc
from leadq.mail.window import seconds_until_open, zone
from leadq.settings import Settings


def first_send_at(campaign: Campaign, *, settings: Settings, start: datetime, session: Session) -> datetime:
    """The earliest moment from ``start`` at which any queued lead of the campaign is inside its window."""
    start = as_utc(start)
    lead_zones = session.execute(
        select(Lead.timezone)
        .join(OutboundMessage, OutboundMessage.lead_id == Lead.id)
        .where(OutboundMessage.campaign_id == campaign.id, OutboundMessage.state == "queued")
        .distinct()
    ).scalars()
    waits = [
        seconds_until_open(
            start,
            zone(lead_zone or campaign.timezone, settings.email_timezone),
            campaign.window_start,
            campaign.window_end,
        )
        for lead_zone in lead_zones
    ]
    return start + timedelta(seconds=min(waits, default=0.0))
