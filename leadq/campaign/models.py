"""Campaign tables: the campaign, its steps, and the metrics rolled up from its messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from leadq.clock import utcnow

#: draft -> running <-> paused; a running campaign with nothing left to send is still
#: "running" so late steps (delays of days) keep being processed.
CAMPAIGN_STATES = ("draft", "running", "paused")


class Campaign(SQLModel, table=True):
    """One outreach campaign, created from a TOML file."""

    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    sender: str = Field(max_length=320)
    reply_to: str | None = Field(default=None, max_length=320)
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    window_start: int = 9
    window_end: int = 17
    timezone: str | None = Field(default=None, max_length=64)
    daily_cap: int | None = None
    state: str = Field(default="draft", index=True, max_length=16)
    launch_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    source_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class CampaignStep(SQLModel, table=True):
    """One email of the sequence: sent ``delay_days`` after the previous step was sent."""

    __tablename__ = "campaign_step"
    __table_args__ = (UniqueConstraint("campaign_id", "number", name="uq_campaign_step_number"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    number: int
    delay_days: float = 0.0
    template_name: str = Field(default="", max_length=300)
    subject: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    #: "template", or "ai": each lead's body drafted by the AI engine (see ``campaign.ai_drafts``).
    writer: str = Field(default="template", max_length=16)


class CampaignStepStats(SQLModel, table=True):
    """Latest counts per step, refreshed by the metrics actor for dashboards."""

    __tablename__ = "campaign_step_stats"

    step_id: int = Field(foreign_key="campaign_step.id", primary_key=True)
    campaign_id: int = Field(index=True)
    audience: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    unsubscribed: int = 0
    unknown: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class CampaignDaily(SQLModel, table=True):
    """Per campaign and UTC day: what happened that day (the nightly rollup)."""

    __tablename__ = "campaign_daily"
    __table_args__ = (UniqueConstraint("campaign_id", "day", name="uq_campaign_daily_day"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    day: str = Field(max_length=10)  # YYYY-MM-DD, UTC
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    unsubscribed: int = 0
