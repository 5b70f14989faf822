"""One row per message read from the mailbox: what it was, what it matched, what was done.

The unique (mailbox, folder, UIDVALIDITY, UID) is the idempotency key: a
message is recorded, and acted on, in one transaction, so a poller killed
mid-way or a second poller racing it can neither act twice nor skip one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from leadq.mail.models import utcnow

#: reply | unsubscribe | auto-reply | bounce | complaint
INBOUND_KINDS = ("reply", "unsubscribe", "auto-reply", "bounce", "complaint")


class InboundMessage(SQLModel, table=True):
    """A message read from the IMAP folder."""

    __tablename__ = "inbound_message"
    __table_args__ = (
        UniqueConstraint("mailbox", "folder", "uidvalidity", "uid", name="uq_inbound_message_uid"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(max_length=320)  # user@host
    folder: str = Field(max_length=200)
    uidvalidity: int = Field(sa_type=BigInteger)
    uid: int = Field(sa_type=BigInteger)
    message_id: str | None = Field(default=None, max_length=400)
    from_email: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, max_length=500)
    kind: str = Field(index=True, max_length=16)
    #: reply: interested | question | not-interested | other; bounce: hard | soft.
    detail: str | None = Field(default=None, max_length=32)
    #: The address a bounce or complaint is about.
    recipient: str | None = Field(default=None, max_length=320)
    reason: str | None = Field(default=None, max_length=1000)
    outbound_id: int | None = Field(default=None, index=True)
    lead_id: int | None = Field(default=None, index=True)
    campaign_id: int | None = Field(default=None, index=True)
    #: What leadq did about it ("stopped 2 queued steps; suppressed a@b.example").
    action: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, max_length=20000)  # text shown by `inbox show`
    received_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
