"""Mail tables: one row per outreach message, the suppression list, unsubscribe records.

``OutboundMessage`` is the exactly-once ledger: one row per (campaign step,
lead), enforced by a unique constraint, with the state machine

    queued -> sending -> sent | test | failed | skipped | unknown

``sending`` is written and committed *before* the SMTP transaction and ``sent``
after it, so a worker that dies in between leaves ``sending`` behind; whoever
finds it later marks it ``unknown`` and never sends it again on its own.

``test`` is a message delivered in test mode (to the test address or the
outbox folder): it did not reach the lead, so it counts as no contact, uses
no daily cap, and a campaign whose deliveries were all tests can be launched
again for real.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from leadq.clock import utcnow

MESSAGE_STATES = ("queued", "sending", "sent", "test", "failed", "skipped", "unknown")
#: Delivered in some form: a later step of the sequence follows these.
DELIVERED_STATES = ("sent", "test")


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime: SQLite hands timestamps back naive (they are stored as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class OutboundMessage(SQLModel, table=True):
    """One email to one lead for one campaign step."""

    __tablename__ = "outbound_message"
    __table_args__ = (UniqueConstraint("step_id", "lead_id", name="uq_outbound_message_step_lead"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    step_id: int = Field(foreign_key="campaign_step.id", index=True)
    step_number: int
    lead_id: int = Field(foreign_key="lead.id", index=True)
    to_email: str = Field(max_length=320, index=True)
    state: str = Field(default="queued", index=True, max_length=16)
    scheduled_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    enqueued_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    claimed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), index=True)
    attempts: int = 0
    #: "transient" failures may be retried by retry_failed_emails; "permanent" never.
    error_kind: str | None = Field(default=None, max_length=16)
    last_error: str | None = Field(default=None, max_length=2000)
    message_id: str | None = Field(default=None, max_length=400)
    #: For a ``writer = "ai"`` step, decided once before sending: "ai" (``ai_body`` is sent)
    #: or "template" (``ai_rejected`` says why); None until decided, and for template steps.
    body_writer: str | None = Field(default=None, max_length=16)
    ai_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ai_rejected: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Suppression(SQLModel, table=True):
    """An address (or ``@domain``) that must never be emailed."""

    __tablename__ = "suppression"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    reason: str = Field(default="manual", max_length=32)  # manual | unsubscribe | bounce | import
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Unsubscribe(SQLModel, table=True):
    """An unsubscribe request received through the endpoint."""

    __tablename__ = "unsubscribe"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    lead_id: int | None = Field(default=None, index=True)
    campaign_id: int | None = Field(default=None, index=True)
    method: str = Field(max_length=16)  # one-click | form
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class UnsubscribeToken(SQLModel, table=True):
    """What an opaque unsubscribe token stands for: the link itself carries only ``token``."""

    __tablename__ = "unsubscribe_token"

    token: str = Field(primary_key=True, max_length=64)
    email: str = Field(max_length=320)
    lead_id: int | None = None
    campaign_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
