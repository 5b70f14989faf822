"""Polling a real IMAP server (Dovecot): replies, bounces, complaints and auto-replies acted on once."""

from __future__ import annotations

import threading

import pytest
from pydantic import SecretStr
from sqlmodel import select

from leadq.campaign.models import Campaign
from leadq.campaign.stats import inbox_counts
from leadq.db import session_scope
from leadq.errors import ConfigError
from leadq.inbox.imap import poll_once
from leadq.inbox.models import InboundMessage
from leadq.leads.models import Lead
from leadq.mail.models import OutboundMessage
from leadq.mail.suppression import is_suppressed
from leadq.ops.doctor import check_imap
from tests.inbox import samples
from tests.inbox.conftest import NOON


def step_two_states(settings) -> dict[int, tuple[str, str | None]]:
    with session_scope(settings) as session:
        rows = session.exec(select(OutboundMessage).where(OutboundMessage.step_number == 2))
        return {row.lead_id: (row.state, row.last_error) for row in rows}


def test_replies_bounces_complaints_and_unsubscribes_stop_the_sequence_and_auto_replies_do_not(
    outreach, imap_folder
):
    settings, sent = outreach
    mid = {address: got.message["Message-ID"] for address, got in sent.items()}
    imap_folder.deliver(
        samples.reply(
            sender="owner0@shop0.example", in_reply_to=mid["owner0@shop0.example"], text="Yes, call me."
        ),
        # The bounce names neither the original nor the address leadq knows: only the VERP token matches it.
        samples.dsn(recipient="o1@relay.example", to=sent["owner1@shop1.example"].mail_from),
        samples.arf(recipient="owner2@shop2.example", original_message_id=mid["owner2@shop2.example"]),
        samples.auto_reply(sender="owner3@shop3.example", in_reply_to=mid["owner3@shop3.example"]),
        samples.reply(
            sender="owner4@shop4.example", in_reply_to=None, text="Please remove me from your list."
        ),
    )

    result = poll_once(settings, now=lambda: NOON)

    assert (result.seen, result.recorded) == (5, 5)
    assert dict(result.kinds) == {"reply": 1, "bounce": 1, "complaint": 1, "auto-reply": 1, "unsubscribe": 1}
    assert step_two_states(settings) == {
        1: ("skipped", "lead reply"),
        2: ("skipped", "hard bounce"),
        3: ("skipped", "lead complaint"),
        4: ("queued", None),
        5: ("skipped", "lead unsubscribe"),
    }
    with session_scope(settings) as session:
        rows = {row.kind: row for row in session.exec(select(InboundMessage))}
        assert (rows["reply"].lead_id, rows["reply"].detail) == (1, "interested")
        assert (rows["bounce"].lead_id, rows["bounce"].recipient, rows["bounce"].detail) == (
            2,
            "o1@relay.example",
            "hard",
        )
        assert session.get(Lead, 2).email_status == "invalid"
        # The bounced message's address and the one the report names; the complaint; the unsubscribe.
        suppressed = [is_suppressed(f"owner{i}@shop{i}.example", session=session) for i in range(5)]
        assert suppressed == [False, True, True, False, True]
        assert is_suppressed("o1@relay.example", session=session)
        counts = inbox_counts(session.get(Campaign, 1), session=session)
    assert counts == {"reply": 1, "unsubscribe": 1, "auto-reply": 1, "bounce": 1, "complaint": 1}


def test_a_second_poll_acts_on_nothing_twice_and_picks_up_only_new_mail(outreach, imap_folder):
    settings, sent = outreach
    imap_folder.deliver(samples.reply(sender="owner0@shop0.example", in_reply_to=None, text="Thanks."))
    assert poll_once(settings).recorded == 1
    assert poll_once(settings).recorded == 0
    imap_folder.deliver(samples.reply(sender="owner1@shop1.example", in_reply_to=None, text="How much?"))
    again = poll_once(settings)
    assert (again.seen, again.recorded, dict(again.kinds)) == (1, 1, {"reply": 1})
    with session_scope(settings) as session:
        assert [row.uid for row in session.exec(select(InboundMessage).order_by(InboundMessage.id))] == [1, 2]


def test_soft_bounces_suppress_only_at_the_limit(outreach, imap_folder):
    settings, sent = outreach
    settings = settings.model_copy(update={"soft_bounce_limit": 2})

    def soft(message_id: str) -> bytes:
        return samples.dsn(
            recipient="owner0@shop0.example",
            status="4.2.2",
            diagnostic="smtp; 452 mailbox full",
            message_id=message_id,
        )

    imap_folder.deliver(soft("<dsn-1@mx.shop0.example>"))
    poll_once(settings)
    with session_scope(settings) as session:
        assert not is_suppressed("owner0@shop0.example", session=session)
    imap_folder.deliver(soft("<dsn-2@mx.shop0.example>"))
    poll_once(settings)
    with session_scope(settings) as session:
        assert is_suppressed("owner0@shop0.example", session=session)
        actions = [row.action for row in session.exec(select(InboundMessage).order_by(InboundMessage.id))]
    assert actions[0] == "soft bounce 1 of 2 for owner0@shop0.example"
    assert actions[1] == "suppressed owner0@shop0.example and marked it invalid"


def test_concurrent_pollers_record_each_message_once(outreach, imap_folder):
    settings, sent = outreach
    imap_folder.deliver(
        *(
            samples.reply(sender=f"owner{i}@shop{i}.example", in_reply_to=None, text=f"Reply {i}")
            for i in range(5)
        )
    )
    results = []
    barrier = threading.Barrier(3)

    def poll() -> None:
        barrier.wait()
        results.append(poll_once(settings).recorded)

    threads = [threading.Thread(target=poll) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with session_scope(settings) as session:
        uids = [row.uid for row in session.exec(select(InboundMessage))]
    assert sorted(uids) == [1, 2, 3, 4, 5] and sum(results) == 5


def test_a_wrong_password_is_one_clear_error_and_doctor_says_so(outreach, imap_folder):
    settings, _ = outreach
    assert check_imap(settings).status == "ok"
    wrong = settings.model_copy(update={"imap_password": SecretStr("nope")})
    with pytest.raises(ConfigError, match="login as 'leadq' failed"):
        poll_once(wrong)
    check = check_imap(wrong)
    assert check.status == "fail" and "login as 'leadq' failed" in check.detail
