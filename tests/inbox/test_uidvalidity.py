"""A folder renumbered by the server (new UIDVALIDITY) is read again: nothing is acted on twice."""

from __future__ import annotations

import time

from sqlmodel import select

from leadq.db import session_scope
from leadq.inbox.imap import poll_once
from leadq.inbox.models import InboundCopy, InboundMessage
from leadq.mail.suppression import is_suppressed
from tests.inbox import samples


def soft_bounce(message_id: str) -> bytes:
    return samples.dsn(
        recipient="owner0@shop0.example",
        status="4.2.2",
        diagnostic="smtp; 452 mailbox full",
        message_id=message_id,
    )


def renumbered(imap_folder) -> int:
    """Recreate the folder until the server gives it a new UIDVALIDITY (Dovecot takes it from the clock)."""
    before = imap_folder.uidvalidity()
    for _ in range(30):
        imap_folder.recreate()
        if imap_folder.uidvalidity() != before:
            return imap_folder.uidvalidity()
        time.sleep(0.2)
    raise AssertionError("the IMAP server kept the folder's UIDVALIDITY")


def test_a_new_uidvalidity_records_the_old_messages_as_copies_and_counts_no_soft_bounce_twice(
    outreach, imap_folder
):
    settings, _ = outreach
    settings = settings.model_copy(update={"soft_bounce_limit": 2})
    no_message_id = samples.reply(sender="owner1@shop1.example", in_reply_to=None, text="How much?").replace(
        b"Message-ID:", b"X-Was-Message-ID:"
    )
    imap_folder.deliver(soft_bounce("<dsn-1@mx.shop0.example>"), no_message_id)
    first = poll_once(settings)
    assert (first.recorded, dict(first.kinds)) == (2, {"bounce": 1, "reply": 1})

    uidvalidity = renumbered(imap_folder)
    # The same two messages come back under the new numbering, then one new soft bounce.
    imap_folder.deliver(soft_bounce("<dsn-1@mx.shop0.example>"), no_message_id)
    again = poll_once(settings)
    assert (again.seen, again.recorded) == (2, 0)
    assert poll_once(settings).seen == 0  # the copies are not fetched again

    with session_scope(settings) as session:
        # One soft bounce so far, however often it was read: the address is not suppressed.
        assert not is_suppressed("owner0@shop0.example", session=session)
        copies = session.exec(select(InboundCopy).order_by(InboundCopy.uid)).all()
        originals = session.exec(select(InboundMessage).order_by(InboundMessage.id)).all()
    assert [(c.uidvalidity, c.uid, c.inbound_id) for c in copies] == [
        (uidvalidity, 1, originals[0].id),
        (uidvalidity, 2, originals[1].id),
    ]
    assert originals[0].content_key == "<dsn-1@mx.shop0.example>"
    assert originals[1].content_key.startswith("sha256:")

    imap_folder.deliver(soft_bounce("<dsn-2@mx.shop0.example>"))
    assert poll_once(settings).recorded == 1
    with session_scope(settings) as session:
        assert is_suppressed("owner0@shop0.example", session=session)
        actions = session.exec(select(InboundMessage.action).order_by(InboundMessage.id)).all()
    assert actions[0] == "soft bounce 1 of 2 for owner0@shop0.example"
    assert actions[-1] == "suppressed owner0@shop0.example and marked it invalid"
