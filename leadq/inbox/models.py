"""One row per message read from the mailbox: what it was, what it matched, what was done.

The unique (mailbox, folder, UIDVALIDITY, UID) is the idempotency key: a
message is recorded, and acted on, in one transaction, so a poller killed
mid-way or a second poller racing it can neither act twice nor skip one.

The message itself is a second key (``content_key``: its Message-ID, or a
hash of its bytes when it has none): when the server renumbers the folder (a
new UIDVALIDITY) or the same message is read from another folder, its new
UID is recorded as an ``InboundCopy`` of the first row and nothing is done
again, so a soft bounce is never counted twice.
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
        UniqueConstraint("content_key", name="uq_inbound_message_content_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(max_length=320)  # user@host
    folder: str = Field(max_length=200)
    uidvalidity: int = Field(sa_type=BigInteger)
    uid: int = Field(sa_type=BigInteger)
    message_id: str | None = Field(default=None, max_length=400)
    #: The Message-ID, else "sha256:" and the hash of the raw message (None on rows from before 0010).
    content_key: str | None = Field(default=None, max_length=400)
    from_email: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, max_length=500)
    kind: str = Field(index=True, max_length=16)
    #: reply: interested | question | not-interested | other; bounce: hard | soft.
    detail: str | None = Field(default=None, max_length=32)
    #: The address a bounce or complaint is about.
    recipient: str | None = Field(default=None, max_length=320)
    reason: str | None = Field(default=None, max_length=1000)
    #: rules | openai: what decided the kind and detail (None on rows from before 0011).
    classifier: str | None = Field(default=None, max_length=16)
    outbound_id: int | None = Field(default=None, index=True)
    lead_id: int | None = Field(default=None, index=True)
    campaign_id: int | None = Field(default=None, index=True)
    #: What leadq did about it ("stopped 2 queued steps; suppressed a@b.example").
    action: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, max_length=20000)  # text shown by `inbox show`
    received_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)


class InboundCopy(SQLModel, table=True):
    """A message read again under another UID (new UIDVALIDITY, another folder): never acted on."""

    __tablename__ = "inbound_copy"
    __table_args__ = (
        UniqueConstraint("mailbox", "folder", "uidvalidity", "uid", name="uq_inbound_copy_uid"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(max_length=320)
    folder: str = Field(max_length=200)
    uidvalidity: int = Field(sa_type=BigInteger)
    uid: int = Field(sa_type=BigInteger)
    #: The row the message was first recorded and acted on as.
    inbound_id: int = Field(index=True)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
