"""`leadq email test`: one message that proves the SMTP settings work end to end."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from sqlmodel import Session

from leadq.mail.compose import compose, sender_of, unsubscribe_links
from leadq.mail.headers import mailbox
from leadq.mail.templates import Rendered
from leadq.mail.testmode import envelope_recipient
from leadq.mail.tokens import UnsubscribeClaim, issue_token
from leadq.settings import Settings

TEST_TEXT = (
    "This is a test message from leadq.\n\n"
    "If you can read it, the SMTP settings work. Outreach messages carry the\n"
    "same footer and List-Unsubscribe headers as this one.\n"
)


def build_test_message(settings: Settings, to: str, *, now: datetime, session: Session) -> EmailMessage:
    """A test message to ``to`` (or the test-mode address), with the compliance parts when configured.

    Its unsubscribe link works like a lead's (it unsubscribes ``to``): the test
    proves the whole path, endpoint included.
    """
    sender = sender_of(settings)
    links = None
    if settings.unsubscribe_url and settings.unsubscribe_secret:
        claim = UnsubscribeClaim(email=to, lead_id=0, campaign_id=0)
        links = unsubscribe_links(settings, issue_token(settings, claim, now=now, session=session), sender)
    return compose(
        Rendered(subject="leadq test message", text=TEST_TEXT, html=f"<p>{TEST_TEXT}</p>"),
        sender=sender,
        recipient=mailbox(envelope_recipient(settings, to)),
        message_id=make_msgid(idstring="leadq-test", domain=sender.domain),
        date=now,
        postal_address=settings.postal_address or "",
        links=links,
    )
