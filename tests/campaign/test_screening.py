"""Addresses are checked before a lead joins a campaign's audience; `campaign status` says why one was not."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from leadq.campaign.models import Campaign
from leadq.campaign.service import launch_campaign
from leadq.campaign.stats import skip_reasons
from leadq.db import session_scope
from leadq.leads.models import Lead
from leadq.mail.models import OutboundMessage
from tests.campaign_factory import add_leads, deliver_now, due_rows, launched_campaign

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def set_emails(settings, ids: list[int], emails: list[str]) -> None:
    with session_scope(settings) as session:
        for lead_id, email in zip(ids, emails, strict=True):
            session.get(Lead, lead_id).email = email


def test_an_undeliverable_address_is_skipped_with_the_reason_and_marked_invalid(
    mail_settings, local_dns, tmp_path
):
    settings = mail_settings.model_copy(
        update={"email_check_deliverability": True, "dns_servers": [local_dns.address]}
    )
    ids = add_leads(settings, 3)
    set_emails(settings, ids, ["owner0@shop.example", "owner1@shopp.example", "owner2@gmail.example"])
    campaign_id = launched_campaign(settings, tmp_path / "c", at=MONDAY_10)
    with session_scope(settings) as session:
        rows = session.exec(
            select(OutboundMessage.lead_id, OutboundMessage.state, OutboundMessage.last_error)
            .where(OutboundMessage.campaign_id == campaign_id)
            .order_by(OutboundMessage.lead_id)
        ).all()
        statuses = [session.get(Lead, lead_id).email_status for lead_id in ids]
    assert [(lead_id, state) for lead_id, state, _ in rows] == [
        (ids[0], "queued"),
        (ids[1], "skipped"),
        (ids[2], "queued"),
    ]
    assert rows[1][2] == "undeliverable: The domain name shopp.example does not exist."
    assert statuses == ["unknown", "invalid", "unknown"]


def test_a_dry_run_launched_again_for_real_keeps_the_skipped_addresses_and_their_reason(
    mail_settings, smtp_server, local_dns, tmp_path
):
    real = mail_settings.model_copy(
        update={"email_check_deliverability": True, "dns_servers": [local_dns.address]}
    )
    dry = real.model_copy(update={"email_test_mode": True, "email_test_dir": tmp_path / "outbox"})
    ids = add_leads(real, 2)
    set_emails(real, ids, ["owner0@shop.example", "owner1@shopp.example"])
    campaign_id = launched_campaign(dry, tmp_path / "c", at=MONDAY_10)
    assert [deliver_now(dry, row_id, MONDAY_10) for row_id in due_rows(dry, MONDAY_10)] == ["test"]

    with session_scope(real) as session:
        campaign = session.get(Campaign, campaign_id)
        assert launch_campaign(campaign, settings=real, at=MONDAY_10, now=MONDAY_10, session=session) == 1
    assert [deliver_now(real, row_id, MONDAY_10) for row_id in due_rows(real, MONDAY_10)] == ["sent"]
    with session_scope(real) as session:
        rows = session.exec(
            select(OutboundMessage.lead_id, OutboundMessage.state)
            .where(OutboundMessage.campaign_id == campaign_id)
            .order_by(OutboundMessage.lead_id)
        ).all()
        reasons = skip_reasons(session.get(Campaign, campaign_id), session=session)
    assert rows == [(ids[0], "sent"), (ids[1], "skipped")]
    assert reasons == {"undeliverable: The domain name shopp.example does not exist.": 1}
