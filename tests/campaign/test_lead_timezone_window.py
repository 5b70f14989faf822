"""A scraped lead's own timezone (from its phone) decides when its campaign mail goes out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadq.campaign.first_send import first_send_at
from leadq.campaign.models import Campaign
from leadq.db import session_scope
from leadq.errors import Deferred
from leadq.leads.record import LeadRecord
from leadq.leads.store import upsert_lead
from tests.campaign_factory import deliver_now, due_rows, launched_campaign

NOON_UTC = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 04:00 in Los Angeles (PST, UTC-8)
NINE_IN_LOS_ANGELES = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def test_a_los_angeles_lead_is_mailed_in_los_angeles_business_hours(mail_settings, smtp_server, tmp_path):
    assert mail_settings.email_timezone == "UTC"  # without the lead's zone, noon UTC would send
    with session_scope(mail_settings) as session:
        lead, _ = upsert_lead(
            LeadRecord(
                source="craigslist",
                external_id="la-1",
                name="Echo Park Plumbing",
                phones=["+12135550134"],
                emails=["owner@echopark-plumbing.example"],
                website="https://echopark-plumbing.example",
            ),
            session=session,
        )
        assert lead.timezone == "America/Los_Angeles"
    campaign_id = launched_campaign(mail_settings, tmp_path / "c", at=NOON_UTC)
    with session_scope(mail_settings) as session:
        campaign = session.get(Campaign, campaign_id)
        assert first_send_at(campaign, settings=mail_settings, start=NOON_UTC, session=session) == (
            NINE_IN_LOS_ANGELES
        )
    [row_id] = due_rows(mail_settings, NOON_UTC)
    with pytest.raises(Deferred, match="America/Los_Angeles") as deferred:
        deliver_now(mail_settings, row_id, NOON_UTC)
    assert deferred.value.delay == 5 * 3600 * 1000
    assert smtp_server.received == []
    assert deliver_now(mail_settings, row_id, NINE_IN_LOS_ANGELES) == "sent"
    assert [message.rcpt_tos for message in smtp_server.received] == [["owner@echopark-plumbing.example"]]
