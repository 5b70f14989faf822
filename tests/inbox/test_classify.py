"""Classifying inbound mail: DSN bounces, ARF complaints, auto-replies, unsubscribes, replies."""

from __future__ import annotations

import pytest

from leadq.inbox.classify import classify
from leadq.inbox.process import parse
from tests.inbox import samples

MID = "<leadq.c1.s1.l1@studio.example>"


def test_a_dsn_with_a_5xx_failed_recipient_is_a_hard_bounce_naming_the_address_and_the_original():
    found = classify(parse(samples.dsn(recipient="Owner@Shop.example", original_message_id=MID)))
    assert (found.kind, found.detail, found.recipient) == ("bounce", "hard", "owner@shop.example")
    assert found.reason.startswith("5.1.1 smtp; 550 5.1.1") and found.references == [MID]


def test_a_4xx_failure_is_soft_and_a_delay_is_only_a_delay():
    soft = classify(
        parse(samples.dsn(recipient="a@shop.example", status="4.2.2", diagnostic="smtp; 452 full"))
    )
    delayed = classify(parse(samples.dsn(recipient="a@shop.example", status="4.4.7", action="delayed")))
    assert (soft.kind, soft.detail) == ("bounce", "soft")
    assert (delayed.kind, delayed.detail) == ("bounce", "delayed")


def test_a_bounce_without_the_original_headers_still_says_hard():
    found = classify(parse(samples.dsn(recipient="a@shop.example")))
    assert (found.kind, found.detail, found.references) == ("bounce", "hard", [])


def test_an_arf_report_is_a_complaint_about_the_original_recipient():
    found = classify(parse(samples.arf(recipient="owner@shop.example", original_message_id=MID)))
    assert (found.kind, found.detail, found.recipient, found.references) == (
        "complaint",
        "abuse",
        "owner@shop.example",
        [MID],
    )


@pytest.mark.parametrize(
    "raw",
    [
        samples.auto_reply(sender="owner@shop.example", in_reply_to=MID),
        samples.reply(
            sender="owner@shop.example", in_reply_to=MID, text="I'm away", subject="Out of Office: hi"
        ),
        samples.reply(
            sender="o@shop.example", in_reply_to=MID, text="Back soon", subject="Automatic reply: x"
        ),
    ],
)
def test_auto_submitted_and_out_of_office_messages_are_auto_replies(raw):
    found = classify(parse(raw))
    assert (found.kind, found.references) == ("auto-reply", [MID])


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("Please remove me from your list.", "Re: A faster site"),
        ("STOP", "Re: A faster site"),
        ("", "unsubscribe 2.abcdefghijklmnopqrstuv"),
    ],
)
def test_remove_me_stop_and_the_mailto_subject_are_unsubscribe_requests(text, subject):
    assert classify(
        parse(samples.reply(sender="o@shop.example", in_reply_to=MID, text=text, subject=subject))
    ).kind == ("unsubscribe")


def test_mail_to_the_unsubscribe_mailbox_is_an_unsubscribe_request():
    raw = samples.reply(sender="o@shop.example", in_reply_to=None, text="hello").replace(
        b"To: Ada <ada@studio.example>", b"To: unsubscribe@studio.example"
    )
    assert classify(parse(raw), unsubscribe_mailbox="unsubscribe@studio.example").kind == "unsubscribe"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Yes, call me tomorrow at 10.", "interested"),
        ("Not interested, thanks. We already have someone.", "not-interested"),
        ("How much would that cost?", "question"),
        ("Thanks.", "other"),
    ],
)
def test_a_persons_reply_is_sorted_by_rules_reading_only_their_own_words(text, intent):
    # The quoted original says "Stop by any time": only the reply above it counts.
    found = classify(parse(samples.reply(sender="o@shop.example", in_reply_to=MID, text=text)))
    assert (found.kind, found.detail, found.references) == ("reply", intent, [MID])
    assert "wrote:" not in found.text


def test_a_plain_text_bounce_from_a_mailer_daemon_is_read_for_its_status_code():
    raw = (
        b"From: MAILER-DAEMON@mx.shop.example\r\nTo: ada@studio.example\r\nSubject: failure notice\r\n\r\n"
        b"Sorry, I couldn't deliver to <a@shop.example>:\r\n550 5.1.1 mailbox does not exist\r\n"
    )
    found = classify(parse(raw))
    assert (found.kind, found.detail) == ("bounce", "hard")
