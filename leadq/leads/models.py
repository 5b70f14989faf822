"""Lead records. One ``Lead`` per business, one ``LeadSource`` per place it was found.

Leads from different sources merge on a normalised phone (E.164) or on the
website's key (its registrable domain, or the full profile URL on a shared
host such as facebook.com); every source reference is kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from leadq.clock import utcnow


class Lead(SQLModel, table=True):
    """A local business that may become a client."""

    __tablename__ = "lead"

    id: int | None = Field(default=None, primary_key=True)
    name: str | None = Field(default=None, max_length=300)
    category: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, index=True, max_length=32)  # E.164
    email: str | None = Field(default=None, index=True, max_length=320)
    emails: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    website: str | None = Field(default=None, max_length=2000)
    website_domain: str | None = Field(default=None, index=True, max_length=255)
    #: What leads merge on: see leadq.leads.website_keys (a domain, or a profile URL on a shared host).
    website_key: str | None = Field(default=None, index=True, max_length=500)
    address: str | None = Field(default=None, max_length=500)
    city: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=2)
    timezone: str | None = Field(default=None, max_length=64)
    latitude: float | None = None
    longitude: float | None = None
    rating: float | None = None
    review_count: int | None = None
    site: str | None = Field(default=None, index=True, max_length=100)  # e.g. craigslist site "sfbay"
    source: str = Field(index=True, max_length=50)  # source that first found it
    #: Website enrichment results (emails found, CMS, copyright year, ...).
    signals: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    email_status: str = Field(default="unknown", max_length=16)  # unknown | valid | invalid
    #: Fit score 0-100 from `leadq ai score`, the engine that gave it and its reasons
    #: ([{"reason": ..., "points": ...}]); a model's written summary when one was used.
    ai_score: int | None = Field(default=None, index=True)
    ai_engine: str | None = Field(default=None, max_length=16)
    ai_reasons: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    ai_summary: str | None = None
    ai_scored_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    #: What came of the lead (`leadq leads mark ID --won|--lost`): the conversion model's labels.
    outcome: str | None = Field(default=None, max_length=8)  # won | lost
    outcome_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    #: When the lead first answered a campaign email in person (not a bounce or away message), and
    #: what its newest classified answer said: interested | question | not_interested (None when
    #: the inbox could not tell). Recorded by the inbox; labels of `leadq ai train --label`.
    replied_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    reply_verdict: str | None = Field(default=None, max_length=16)
    #: Probability of the label the conversion model learnt (won, interested or replied:
    #: ``ai_conversion_label``), from `leadq ai predict`.
    ai_conversion: float | None = None
    ai_conversion_label: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class LeadSource(SQLModel, table=True):
    """Where and when a lead was seen: unique per (source, external id)."""

    __tablename__ = "lead_source"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_lead_source_external"),)

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True)
    source: str = Field(max_length=50)
    external_id: str = Field(max_length=200)
    url: str | None = Field(default=None, max_length=2000)
    title: str | None = Field(default=None, max_length=500)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    scraped_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
