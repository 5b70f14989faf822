"""Record one message read from the mailbox: classify it, match it to what leadq sent, act.

Matching, most certain first: the VERP token of the envelope sender the
message was delivered to (bounces; see leadq.mail.verp), then the Message-IDs
it refers to (In-Reply-To, References, the original quoted in a report), then,
for a bounce or complaint naming an address, the last message sent there, and
for a reply, the last message sent to its From address.

A message recorded before under another UID (same Message-ID, or the same
bytes when it has none) is recorded as a copy and not acted on again.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from sqlalchemy import func, select
from sqlmodel import Session

from leadq.ai.engine import ModelCall
from leadq.errors import ConfigError, LeadqError
from leadq.inbox.actions import act_on
from leadq.inbox.classify import Classified, classify
from leadq.inbox.intent import read_reply
from leadq.inbox.models import InboundCopy, InboundMessage
from leadq.mail.compose import sender_of
from leadq.mail.models import OutboundMessage
from leadq.mail.tokens import UnsubscribeClaim, resolve_token, token_secret
from leadq.mail.verp import outbound_ids_in
from leadq.settings import Settings

TOKEN_IN_SUBJECT_RE = re.compile(r"\b[12]\.[A-Za-z0-9_.-]{20,}")

#: Headers a receiving server puts the envelope recipient in.
DELIVERY_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "Cc")


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def unsubscribe_mailbox(settings: Settings) -> str | None:
    if settings.unsubscribe_mailto:
        return settings.unsubscribe_mailto
    try:
        return f"unsubscribe@{sender_of(settings).domain}"
    except ConfigError:
        return None


def _header_text(message: EmailMessage, names: tuple[str, ...]) -> str:
    return "\n".join(str(value) for name in names for value in message.get_all(name, []))


def match_outbound(
    message: EmailMessage, classified: Classified, *, settings: Settings, session: Session
) -> OutboundMessage | None:
    if settings.bounce_domain and settings.unsubscribe_secret is not None:
        for row_id in outbound_ids_in(_header_text(message, DELIVERY_HEADERS), secret=token_secret(settings)):
            row = session.get(OutboundMessage, row_id)
            if row is not None:
                return row
    if classified.references:
        row = session.execute(
            select(OutboundMessage)
            .where(OutboundMessage.message_id.in_(classified.references))
            .order_by(OutboundMessage.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is not None:
            return row
    address = classified.recipient
    if address is None and classified.kind in ("reply", "unsubscribe", "auto-reply"):
        address = parseaddr(str(message.get("From", "")))[1] or None
    if address is None:
        return None
    return session.execute(
        select(OutboundMessage)
        .where(
            func.lower(OutboundMessage.to_email) == address.lower(),
            OutboundMessage.state.in_(("sent", "test", "unknown")),
        )
        .order_by(OutboundMessage.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _mailto_claim(message: EmailMessage, *, settings: Settings, session: Session) -> UnsubscribeClaim | None:
    """Whom the token in a mailto unsubscribe's subject ("unsubscribe 2.…") names, if genuine."""
    match = TOKEN_IN_SUBJECT_RE.search(str(message.get("Subject", "")))
    if match is None:
        return None
    try:
        return resolve_token(match.group(0), settings=settings, session=session)
    except LeadqError:
        return None


def already_recorded(mailbox: str, folder: str, uidvalidity: int, uid: int, *, session: Session) -> bool:
    """Whether this UID was recorded, as a message or as a copy of one."""
    return any(
        session.execute(
            select(table.id).where(
                table.mailbox == mailbox,
                table.folder == folder,
                table.uidvalidity == uidvalidity,
                table.uid == uid,
            )
        ).first()
        is not None
        for table in (InboundMessage, InboundCopy)
    )


def message_id_of(message: EmailMessage) -> str | None:
    return str(message.get("Message-ID", "")).strip()[:400] or None


def content_key(message: EmailMessage, raw: bytes) -> str:
    """What identifies the message whatever its UID: its Message-ID, else a hash of its bytes."""
    return message_id_of(message) or "sha256:" + hashlib.sha256(raw).hexdigest()


def record_message(
    raw: bytes,
    *,
    mailbox: str,
    folder: str,
    uidvalidity: int,
    uid: int,
    settings: Settings,
    now: datetime,
    session: Session,
    model_call: ModelCall | None = None,
) -> InboundMessage | None:
    """Classify, match, store and act on one message; None when it was recorded before.

    ``model_call`` reads a person's reply when the AI engine is a model (leadq.inbox.intent).

    A poller racing this one to the same UID or message fails on a unique
    constraint at the flush (IntegrityError): its transaction, actions
    included, rolls back.
    """
    if already_recorded(mailbox, folder, uidvalidity, uid, session=session):
        return None
    message = parse(raw)
    key = content_key(message, raw)
    first = session.execute(select(InboundMessage.id).where(InboundMessage.content_key == key)).scalar()
    if first is not None:
        session.add(
            InboundCopy(
                mailbox=mailbox[:320], folder=folder[:200], uidvalidity=uidvalidity, uid=uid, inbound_id=first
            )
        )
        session.flush()
        return None
    classified = read_reply(
        message, classify(message, unsubscribe_mailbox=unsubscribe_mailbox(settings)), model_call
    )
    outbound = match_outbound(message, classified, settings=settings, session=session)
    sender = parseaddr(str(message.get("From", "")))[1] or None
    recipient = classified.recipient
    if (
        recipient is None
        and outbound is not None
        and classified.kind in ("bounce", "complaint", "unsubscribe")
    ):
        recipient = outbound.to_email.lower()
    lead_id, campaign_id = (outbound.lead_id, outbound.campaign_id) if outbound else (None, None)
    claim = (
        _mailto_claim(message, settings=settings, session=session)
        if classified.kind == "unsubscribe"
        else None
    )
    if claim is not None:  # the mailto link's subject names exactly whom to unsubscribe
        recipient, lead_id, campaign_id = claim.email, claim.lead_id or None, claim.campaign_id or None
    if recipient is None and classified.kind == "unsubscribe":
        recipient = sender.lower() if sender else None
    inbound = InboundMessage(
        mailbox=mailbox[:320],
        folder=folder[:200],
        uidvalidity=uidvalidity,
        uid=uid,
        message_id=message_id_of(message),
        content_key=key,
        from_email=sender[:320] if sender else None,
        subject=" ".join(str(message.get("Subject", "")).split())[:500] or None,
        kind=classified.kind,
        detail=classified.detail,
        classifier=classified.classifier,
        recipient=recipient[:320] if recipient else None,
        reason=classified.reason,
        outbound_id=outbound.id if outbound else None,
        lead_id=lead_id,
        campaign_id=campaign_id,
        body=classified.text[:20000] or None,
        received_at=now,
    )
    session.add(inbound)
    session.flush()
    inbound.action = act_on(
        inbound,
        sent_to=outbound.to_email if outbound else None,
        soft_bounce_limit=settings.soft_bounce_limit,
        now=now,
        session=session,
    )[:500]
    session.add(inbound)
    session.flush()
    return inbound
