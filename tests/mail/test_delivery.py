"""Delivering outreach through a real local SMTP server: headers, bodies, state machine."""

from __future__ import annotations

import multiprocessing
import os
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from leadq.campaign.delivery import deliver
from leadq.campaign.models import Campaign
from leadq.campaign.service import pause_campaign, resume_campaign
from leadq.core.broker import setup_broker
from leadq.db import session_scope
from leadq.errors import Deferred, TransientError
from leadq.leads.models import Lead
from leadq.mail.limits import acquire_limits
from leadq.mail.models import OutboundMessage
from leadq.mail.suppression import add_suppression, is_suppressed
from leadq.mail.testmode import make_transport
from leadq.mail.tokens import resolve_token
from leadq.mail.verp import outbound_ids_in
from tests.campaign_factory import add_leads, deliver_now, due_rows, launched_campaign
from tests.mail_fixtures import mail_settings_for

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _due(settings) -> list[int]:
    return due_rows(settings, NOON)


def _queued(settings, tmp_path, count: int = 1) -> list[int]:
    """``count`` leads, a launched campaign, and the ids of its first-step rows now due."""
    add_leads(settings, count)
    launched_campaign(settings, tmp_path / "c", at=NOON)
    return _due(settings)


def _send(settings, row_id, now=NOON):
    return deliver_now(settings, row_id, now)


def _row(settings, row_id) -> OutboundMessage:
    with session_scope(settings) as session:
        return session.get(OutboundMessage, row_id)


def test_a_sent_message_carries_one_click_unsubscribe_message_id_and_postal_footer(
    mail_settings, smtp_server, tmp_path
):
    [row_id] = _queued(mail_settings, tmp_path)

    assert _send(mail_settings, row_id) == "sent"

    [got] = smtp_server.received
    message = got.message
    assert got.rcpt_tos == ["owner0@shop0.example"]
    assert message["Subject"] == "A faster site for Plumber 0"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailto, https = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
    assert mailto.startswith("mailto:unsubscribe@studio.example?subject=unsubscribe%20")
    assert https.startswith("https://studio.example/unsubscribe?t=")
    with session_scope(mail_settings) as session:
        claim = resolve_token(https.split("t=", 1)[1], settings=mail_settings, session=session)
    assert claim.email == "owner0@shop0.example"
    assert message["Message-ID"] == _row(mail_settings, row_id).message_id
    assert message["Message-ID"] == "<leadq.c1.s1.l1@studio.example>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hi Plumber 0," in text and "Studio Ltd, 1 Main St, Springfield, IL 62701" in text
    assert "Studio Ltd, 1 Main St" in html and https.replace("&", "&amp;") in html
    assert _row(mail_settings, row_id).state == "sent"


def test_the_message_id_is_the_same_for_the_same_step_and_lead(mail_settings, smtp_server, tmp_path):
    first, second = _queued(mail_settings, tmp_path, 2)
    _send(mail_settings, first)
    _send(mail_settings, second)
    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert ids == [_row(mail_settings, first).message_id, _row(mail_settings, second).message_id]
    assert ids[0] != ids[1] and ids[0].endswith("@studio.example>")


def test_a_hostile_lead_name_never_adds_or_splits_a_header(mail_settings, smtp_server, tmp_path):
    add_leads(mail_settings, 1)
    with session_scope(mail_settings) as session:
        lead = session.get(Lead, 1)
        lead.name = 'Evil\r\nBcc: victim@else.example\r\nX-Injected: yes\x00 "Co" <x@y>'
        session.add(lead)
    launched_campaign(mail_settings, tmp_path / "c", at=NOON)
    [row_id] = _due(mail_settings)

    assert _send(mail_settings, row_id) == "sent"

    [got] = smtp_server.received
    message = got.message
    assert got.rcpt_tos == ["owner0@shop0.example"]
    assert message["Bcc"] is None and message["X-Injected"] is None
    header_block = got.data.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in header_block and b"\r\nX-Injected:" not in header_block
    assert message["To"].addresses[0].addr_spec == "owner0@shop0.example"
    assert "\n" not in message["Subject"] and "Bcc" in message["Subject"]


def test_sending_twice_delivers_once(mail_settings, smtp_server, tmp_path):
    [row_id] = _queued(mail_settings, tmp_path)
    assert _send(mail_settings, row_id) == "sent"
    assert _send(mail_settings, row_id) == "sent"
    assert len(smtp_server.received) == 1


def _send_then_die(settings, row_id):
    """Deliver with a transport that hands the message to the server, then kills the process."""
    transport = make_transport(settings)

    class DiesAfterAccept:
        def send(self, message, *, sender, recipients):
            transport.send(message, sender=sender, recipients=recipients)
            os._exit(137)  # no handler runs, as with kill -9

    deliver(row_id, settings=settings, transport=DiesAfterAccept(), now=NOON, acquire=acquire_limits)


def test_a_worker_dying_after_smtp_acceptance_leaves_unknown_and_nothing_is_resent(
    mail_settings, smtp_server, tmp_path
):
    [row_id] = _queued(mail_settings, tmp_path)
    child = multiprocessing.get_context("fork").Process(target=_send_then_die, args=(mail_settings, row_id))
    child.start()
    child.join(30)
    assert child.exitcode == 137
    assert _row(mail_settings, row_id).state == "sending"

    assert _send(mail_settings, row_id) == "unknown"
    assert _send(mail_settings, row_id) == "unknown"
    assert len(smtp_server.received) == 1


def test_a_connection_lost_after_the_body_was_sent_is_unknown_and_never_resent(
    mail_settings, smtp_server, tmp_path
):
    [row_id] = _queued(mail_settings, tmp_path)
    smtp_server.hang_up_after_data = True
    assert _send(mail_settings, row_id) == "unknown"
    smtp_server.hang_up_after_data = False
    assert _send(mail_settings, row_id) == "unknown"
    assert len(smtp_server.received) == 1
    assert "lost while the message was being accepted" in _row(mail_settings, row_id).last_error


def test_a_4xx_reply_is_retried_and_a_later_attempt_sends(mail_settings, smtp_server, tmp_path):
    [row_id] = _queued(mail_settings, tmp_path)
    smtp_server.refuse["owner0@shop0.example"] = "451 4.7.1 Try again later"
    with pytest.raises(TransientError):
        _send(mail_settings, row_id)
    row = _row(mail_settings, row_id)
    assert (row.state, row.error_kind) == ("failed", "transient")

    smtp_server.refuse.clear()
    assert _send(mail_settings, row_id) == "sent"
    assert len(smtp_server.received) == 1 and _row(mail_settings, row_id).attempts == 2


def test_a_5xx_recipient_refusal_marks_the_address_invalid_and_is_not_retried(
    mail_settings, smtp_server, tmp_path
):
    [row_id] = _queued(mail_settings, tmp_path)
    smtp_server.refuse["owner0@shop0.example"] = "550 5.1.1 No such user"

    assert _send(mail_settings, row_id) == "failed"
    assert _send(mail_settings, row_id) == "failed"
    row = _row(mail_settings, row_id)
    assert (row.error_kind, "550" in row.last_error) == ("permanent", True)
    with session_scope(mail_settings) as session:
        assert session.get(Lead, 1).email_status == "invalid"
        assert is_suppressed("owner0@shop0.example", session=session)


def test_a_5xx_reply_to_data_is_a_hard_bounce_too(mail_settings, smtp_server, tmp_path):
    [row_id] = _queued(mail_settings, tmp_path)
    smtp_server.refuse_data = "550 5.1.1 Mailbox disabled"
    assert _send(mail_settings, row_id) == "failed"
    assert "refused at DATA: SMTP 550" in _row(mail_settings, row_id).last_error
    with session_scope(mail_settings) as session:
        assert session.get(Lead, 1).email_status == "invalid"
        assert is_suppressed("owner0@shop0.example", session=session)


def test_with_a_bounce_domain_each_message_has_its_own_signed_envelope_sender(
    mail_settings, smtp_server, tmp_path
):
    settings = mail_settings.model_copy(update={"bounce_domain": "bounce.studio.example"})
    [row_id] = _queued(settings, tmp_path)
    assert _send(settings, row_id) == "sent"
    [got] = smtp_server.received
    assert got.mail_from.startswith(f"bounces+{row_id}-") and got.mail_from.endswith("@bounce.studio.example")
    assert outbound_ids_in(f"To: {got.mail_from}", secret="test-secret-0123456789") == [row_id]
    assert outbound_ids_in(f"To: {got.mail_from}", secret="another-secret") == []


def test_suppression_is_checked_when_sending_not_only_when_queueing(mail_settings, smtp_server, tmp_path):
    first, second = _queued(mail_settings, tmp_path, 2)
    with session_scope(mail_settings) as session:
        add_suppression("owner0@shop0.example", session=session)
        add_suppression("@shop1.example", session=session)
    assert _send(mail_settings, first) == "skipped"
    assert _send(mail_settings, second) == "skipped"
    assert smtp_server.received == []


def test_outside_the_leads_business_hours_a_message_is_delayed_not_dropped(
    mail_settings, smtp_server, tmp_path
):
    add_leads(mail_settings, 1)
    with session_scope(mail_settings) as session:
        lead = session.get(Lead, 1)
        lead.timezone = "America/Los_Angeles"  # NOON UTC is 04:00 there
        session.add(lead)
    launched_campaign(mail_settings, tmp_path / "c", at=NOON)
    [row_id] = _due(mail_settings)
    with pytest.raises(Deferred) as deferred:
        _send(mail_settings, row_id)
    assert deferred.value.delay == 5 * 3600 * 1000
    assert _row(mail_settings, row_id).state == "queued" and smtp_server.received == []
    at_nine = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert _send(mail_settings, row_id, now=at_nine) == "sent"


def test_a_paused_campaign_sends_nothing_until_resumed(mail_settings, smtp_server, tmp_path):
    add_leads(mail_settings, 1)
    campaign_id = launched_campaign(mail_settings, tmp_path / "c", at=NOON)
    [row_id] = _due(mail_settings)
    with session_scope(mail_settings) as session:
        pause_campaign(session.get(Campaign, campaign_id), now=NOON, session=session)
    assert _send(mail_settings, row_id) == "paused"
    assert smtp_server.received == [] and _due(mail_settings) == []
    with session_scope(mail_settings) as session:
        resume_campaign(session.get(Campaign, campaign_id), now=NOON, session=session)
    assert _due(mail_settings) == [row_id]
    assert _send(mail_settings, row_id) == "sent"
    assert len(smtp_server.received) == 1


def test_test_mode_redirects_every_message_to_the_test_address(tmp_path, smtp_server):
    settings = mail_settings_for(
        tmp_path / "d", smtp_server.port, email_test_mode=True, email_test_address="me@studio.example"
    )
    setup_broker(settings)
    [row_id] = _queued(settings, tmp_path)
    assert _send(settings, row_id) == "test"  # the lead got nothing: not recorded as sent
    [got] = smtp_server.received
    assert got.rcpt_tos == ["me@studio.example"]
    assert got.message["To"].addresses[0].addr_spec == "me@studio.example"


def test_test_mode_without_an_address_writes_eml_files_and_contacts_no_server(tmp_path, smtp_server):
    settings = mail_settings_for(
        tmp_path / "d", smtp_server.port, email_test_mode=True, email_test_dir=tmp_path / "outbox"
    )
    setup_broker(settings)
    [row_id] = _queued(settings, tmp_path)
    assert _send(settings, row_id) == "test"
    assert smtp_server.received == []
    [eml] = (tmp_path / "outbox").glob("*.eml")
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in eml.read_bytes()


def test_every_lead_gets_one_message_and_sent_rows_are_not_due_again(mail_settings, smtp_server, tmp_path):
    for row_id in _queued(mail_settings, tmp_path, 3):
        _send(mail_settings, row_id)
    with session_scope(mail_settings) as session:
        states = session.exec(select(OutboundMessage.state)).all()
    assert states == ["sent"] * 3 and _due(mail_settings) == []
